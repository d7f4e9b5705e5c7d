"""The audit chain resists whoever can write its database (issue 16).

An attacker with database access (a DBA, a stolen database password) drops the append-only triggers
(`as_dba`) and rewrites the records; the keyed chain and the checkpoints exported outside the database
must still reveal it.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from teis.audit import checkpoints
from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.audit.models import AuditChainHead, AuditRecord
from teis.core import crypto

pytestmark = pytest.mark.django_db


def _write(n):
    return [audit.record(None, AuditAction.VIEW, object_type="org.unit", object_id=str(i)) for i in range(n)]


def _rechain_from(as_dba, start_index, scheme):
    """What an attacker does after an edit or a deletion: recompute every later hash and move the head."""
    rows = list(AuditRecord.objects.order_by("id"))
    prev = rows[start_index - 1].hash if start_index else ""
    for rec in rows[start_index:]:
        rec_hash = audit.record_hash(rec, prev, scheme)
        as_dba("UPDATE audit_auditrecord SET prev_hash = %s, hash = %s WHERE id = %s", [prev, rec_hash, rec.pk])
        prev = rec_hash
    AuditChainHead.objects.filter(pk=1).update(last_id=rows[-1].pk, last_hash=prev)


# --- the database refuses the application's own UPDATE / DELETE --------------------------------------


def test_database_refuses_update_of_an_audit_row():
    rec = _write(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditrecord SET object_repr = 'x' WHERE id = %s", [rec.pk])
    assert AuditRecord.objects.get(pk=rec.pk).object_repr == rec.object_repr


def test_database_refuses_delete_of_an_unarchived_audit_row():
    rec = _write(2)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditrecord WHERE id = %s", [rec.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditrecord")
    assert AuditRecord.objects.count() == 2
    assert audit.verify_chain().ok


# --- the chain is keyed ---------------------------------------------------------------------------


def test_chain_hash_is_keyed_and_not_plain_sm3(settings):
    rec = _write(1)[0]
    assert rec.hash != crypto.sm3_hex(audit.record_payload(rec, rec.prev_hash))
    assert rec.hash == crypto.hmac_sm3(bytes.fromhex(settings.TEIS_AUDIT_KEY), audit.record_payload(rec, ""))
    settings.TEIS_AUDIT_KEY = "11" * 32  # another installation's key does not verify this chain
    assert not audit.verify_chain().ok


def test_edit_with_every_later_hash_recomputed_without_the_key_is_found(as_dba):
    recs = _write(5)
    as_dba("UPDATE audit_auditrecord SET object_repr = %s WHERE id = %s", ["伪造", recs[1].pk])
    _rechain_from(as_dba, 1, audit.HASH_PLAIN)
    check = audit.verify_chain()
    assert not check.ok
    assert check.broken_id == recs[1].pk
    assert "篡改" in check.reason


# --- signed checkpoints exported outside the database -------------------------------------------------


def test_checkpoint_file_is_signed_and_read_only(checkpoint_dir):
    recs = _write(3)
    cp = checkpoints.write_checkpoint()
    assert (cp.last_id, cp.last_hash, cp.count) == (recs[-1].pk, recs[-1].hash, 3)
    assert cp.path.parent == checkpoint_dir
    assert cp.path.stat().st_mode & 0o222 == 0
    data = json.loads(cp.path.read_text())
    assert data["last_id"] == recs[-1].pk and len(data["signature"]) == 64
    assert checkpoints.write_checkpoint() is None  # unchanged chain: no new file
    check = audit.verify_chain()
    assert check.ok and check.checkpoints == 1


def test_truncated_tail_with_head_moved_back_is_found(as_dba):
    recs = _write(6)
    checkpoints.write_checkpoint()
    as_dba("DELETE FROM audit_auditrecord WHERE id >= %s", [recs[3].pk])
    AuditChainHead.objects.filter(pk=1).update(last_id=recs[2].pk, last_hash=recs[2].hash)
    assert audit.verify_chain(with_checkpoints=False).ok  # what audit_verify accepted before
    check = audit.verify_chain()
    assert not check.ok
    assert check.broken_id == recs[-1].pk
    assert "末尾记录缺失" in check.reason and "检查点" in check.reason
    with pytest.raises(CommandError) as exc:
        call_command("audit_verify", stdout=StringIO())
    assert "检查点" in str(exc.value)


def test_edit_with_every_later_hash_recomputed_with_the_key_is_found(as_dba):
    recs = _write(5)
    checkpoints.write_checkpoint()
    as_dba("UPDATE audit_auditrecord SET object_repr = %s WHERE id = %s", ["伪造", recs[1].pk])
    _rechain_from(as_dba, 1, audit.HASH_KEYED)
    assert audit.verify_chain(with_checkpoints=False).ok  # the key alone is not enough to notice
    check = audit.verify_chain()
    assert not check.ok
    assert check.broken_id == recs[-1].pk
    assert "摘要被改写" in check.reason


def test_deleted_middle_record_relinked_with_the_key_is_found(as_dba):
    recs = _write(5)
    checkpoints.write_checkpoint()
    more = _write(2)
    checkpoints.write_checkpoint()
    as_dba("DELETE FROM audit_auditrecord WHERE id = %s", [recs[2].pk])
    _rechain_from(as_dba, 2, audit.HASH_KEYED)
    assert audit.verify_chain(with_checkpoints=False).ok
    check = audit.verify_chain()
    assert not check.ok
    assert check.broken_id == recs[-1].pk  # the first checkpoint after the deletion
    assert more[-1].pk > recs[-1].pk


def test_forged_archive_row_changes_the_count_up_to_a_checkpoint():
    """Claiming records were archived (to hide their deletion) changes the record count the checkpoint signed."""
    from teis.audit.models import AuditArchive

    _write(4)
    checkpoints.write_checkpoint()

    AuditArchive.objects.create(file_name="forged.jsonl.gz", first_id=0, last_id=0, count=5, sm3="0" * 64, last_hash="")
    check = audit.verify_chain()
    assert not check.ok
    assert "应有 4 条" in check.reason


def test_modified_checkpoint_file_is_refused(checkpoint_dir):
    _write(3)
    cp = checkpoints.write_checkpoint()
    data = json.loads(cp.path.read_text())
    data["count"] = 2
    cp.path.chmod(0o644)
    cp.path.write_text(json.dumps(data))
    check = audit.verify_chain()
    assert not check.ok and "签名无效" in check.reason


def test_checkpoint_is_not_written_over_a_broken_chain(as_dba, checkpoint_dir):
    recs = _write(3)
    as_dba("UPDATE audit_auditrecord SET object_repr = %s WHERE id = %s", ["伪造", recs[0].pk])
    with pytest.raises(RuntimeError):
        checkpoints.write_checkpoint()
    assert not list(checkpoint_dir.glob("*.json"))


def test_periodic_job_exports_checkpoints_and_records_its_run(checkpoint_dir):
    from teis.audit.tasks import write_audit_checkpoint
    from teis.core.jobs import PERIODIC
    from teis.core.models import JobRun

    assert PERIODIC["teis.audit.tasks.write_audit_checkpoint"].label == "审计链签名检查点"
    _write(2)
    write_audit_checkpoint.call_local()
    run = JobRun.objects.get(name="teis.audit.tasks.write_audit_checkpoint")
    assert run.ok and "检查点" in run.result
    assert len(list(checkpoint_dir.glob("checkpoint-*.json"))) == 1
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "签名检查点 1 个一致" in out.getvalue()
    call_command("audit_checkpoint", stdout=out)
    assert "无需写检查点" in out.getvalue()


def test_retention_still_deletes_archived_records_and_checkpoints_hold(record_at, archive_dir):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for d in (400, 300):
        record_at(now - timedelta(days=d), None, AuditAction.VIEW, object_type="t")
    checkpoints.write_checkpoint()
    _write(2)
    checkpoints.write_checkpoint()
    archives = audit.archive_old_records(None)
    assert archives and archives[0].count == 2
    checkpoints.write_checkpoint()
    check = audit.verify_chain()
    assert check.ok, check
    assert check.checkpoints == 3
