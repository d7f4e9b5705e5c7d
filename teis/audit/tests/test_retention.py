import gzip
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.audit.models import AuditArchive, AuditRecord
from teis.core import crypto
from teis.core.services import ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def aged(record_at):
    """Five records 400 to 200 days old and three 10 days to 1 day old."""
    now = timezone.now()
    old = [
        record_at(now - timedelta(days=d), None, AuditAction.VIEW, object_type="t", object_repr=f"旧{d}")
        for d in (400, 350, 300, 250, 200)
    ]
    young = [
        record_at(now - timedelta(days=d), None, AuditAction.VIEW, object_type="t", object_repr=f"新{d}")
        for d in (10, 5, 1)
    ]
    return old, young


def test_old_records_are_archived_then_removed_and_young_ones_kept(aged, archive_dir):
    old, young = aged
    archives = audit.archive_old_records(None)
    assert len(archives) == 1
    archive = archives[0]
    assert (archive.first_id, archive.last_id, archive.count) == (old[0].pk, old[-1].pk, 5)
    assert archive.last_hash == old[-1].hash
    assert not AuditRecord.objects.filter(pk__in=[r.pk for r in old]).exists()
    assert AuditRecord.objects.filter(pk__in=[r.pk for r in young]).count() == 3
    # the archiving itself is audited, at the end of the chain
    note = AuditRecord.objects.filter(action=AuditAction.ARCHIVE).get()
    assert note.detail["count"] == 5 and note.detail["sm3"] == archive.sm3
    # the remaining chain still verifies, starting at the archive's last hash
    check = audit.verify_chain()
    assert check.ok, check
    assert check.checked == 4


def test_archive_file_is_readable_and_its_sm3_matches(aged, archive_dir):
    old, _ = aged
    archive = audit.archive_old_records(None)[0]
    path = archive_dir / archive.file_name
    assert path.name.endswith(".jsonl.gz")
    data = path.read_bytes()
    assert crypto.sm3_hex(data) == archive.sm3
    lines = [json.loads(line) for line in gzip.decompress(data).decode().splitlines()]
    assert [d["id"] for d in lines] == [r.pk for r in old]
    assert [d["object_repr"] for d in lines] == ["旧400", "旧350", "旧300", "旧250", "旧200"]
    assert lines[-1]["hash"] == archive.last_hash
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    assert audit.verify_archive(archive).ok
    assert audit.verify_archive(archive).checked == 5


def test_modified_archive_file_is_detected(aged, archive_dir):
    archive = audit.archive_old_records(None)[0]
    path = archive_dir / archive.file_name
    lines = gzip.decompress(path.read_bytes()).decode().replace("旧300", "改300")
    path.write_bytes(gzip.compress(lines.encode()))
    check = audit.verify_archive(archive)
    assert not check.ok and "SM3" in check.reason
    with pytest.raises(CommandError):
        call_command("audit_verify", "--archives", stdout=StringIO())


def test_kept_chain_must_continue_from_the_archive(aged, archive_dir, as_dba):
    _, young = aged
    audit.archive_old_records(None)
    as_dba("DELETE FROM audit_auditrecord WHERE id = %s", [young[0].pk])  # remove the first kept record as well
    check = audit.verify_chain()
    assert not check.ok
    assert check.broken_id == young[1].pk


def test_nothing_to_archive_within_retention(record_at, archive_dir):
    record_at(timezone.now() - timedelta(days=179), None, AuditAction.VIEW)
    assert audit.archive_old_records(None) == []
    assert AuditArchive.objects.count() == 0
    assert AuditRecord.objects.count() == 1


def test_longer_configured_retention_keeps_more(aged, archive_dir, settings):
    settings.TEIS_AUDIT_RETENTION_DAYS = 320
    archive = audit.archive_old_records(None)[0]
    assert archive.count == 2  # 400 and 350 days old
    assert AuditRecord.objects.filter(object_repr="旧300").exists()


def test_archives_in_batches_and_twice_in_a_row(aged, archive_dir):
    archives = audit.archive_old_records(None, batch=2)
    assert [a.count for a in archives] == [2, 2, 1]
    for a in archives:
        assert audit.verify_archive(a).ok
    assert audit.archive_old_records(None) == []
    assert audit.verify_chain().ok


def test_retention_below_180_days_is_refused(aged, archive_dir, settings):
    with pytest.raises(ServiceError) as exc:
        audit.archive_old_records(None, days=179)
    assert exc.value.code == "retention_too_short"
    assert "180" in exc.value.message
    settings.TEIS_AUDIT_RETENTION_DAYS = 30
    with pytest.raises(ServiceError):
        audit.archive_old_records(None)
    with pytest.raises(CommandError) as cmd:
        call_command("audit_archive", "--days", "90")
    assert "180" in str(cmd.value)
    assert AuditRecord.objects.count() == 8
    assert AuditArchive.objects.count() == 0


def test_archive_command(aged, archive_dir):
    out = StringIO()
    call_command("audit_archive", "--days", "190", stdout=out)
    assert "归档完成：共 5 条" in out.getvalue()
    assert AuditArchive.objects.get().count == 5
    out = StringIO()
    call_command("audit_verify", "--archives", stdout=out)
    assert "哈希链完整" in out.getvalue()


def test_periodic_job_archives_and_records_its_run(aged, archive_dir):
    from teis.audit.tasks import archive_audit_records
    from teis.core.jobs import PERIODIC
    from teis.core.models import JobRun

    assert PERIODIC["teis.audit.tasks.archive_audit_records"].label == "审计日志归档"
    archive_audit_records.call_local()
    run = JobRun.objects.get(name="teis.audit.tasks.archive_audit_records")
    assert run.ok and "5" in run.result
    assert AuditArchive.objects.count() == 1
