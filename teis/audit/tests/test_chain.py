import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.audit.models import AuditChainHead, AuditRecord

pytestmark = pytest.mark.django_db


def _write(n, actor=None):
    return [
        audit.record(actor, AuditAction.VIEW, object_type="org.unit", object_id=str(i), object_repr=f"单位{i}")
        for i in range(n)
    ]


def _verify_output():
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_records_are_linked_in_order():
    recs = _write(3)
    assert recs[1].prev_hash == recs[0].hash
    assert recs[2].prev_hash == recs[1].hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash) == (recs[-1].pk, recs[-1].hash)


def test_intact_chain_verifies_and_command_reports_it():
    _write(5)
    check = audit.verify_chain(batch=2)  # several batches
    assert check.ok and check.checked == 5
    assert "哈希链完整" in _verify_output()


def test_empty_chain_is_intact():
    assert audit.verify_chain().ok
    assert "已校验 0 条" in _verify_output()


def test_tampered_row_is_found_by_raw_sql_update(as_dba):
    recs = _write(4)
    as_dba("UPDATE audit_auditrecord SET object_repr = %s WHERE id = %s", ["被篡改的对象", recs[2].pk])
    check = audit.verify_chain()
    assert not check.ok
    assert check.broken_id == recs[2].pk
    assert check.checked == 2
    assert "篡改" in check.reason
    with pytest.raises(CommandError) as exc:
        call_command("audit_verify")
    assert str(recs[2].pk) in str(exc.value)
    assert "校验失败" in str(exc.value)
    assert exc.value.returncode != 0


def test_tampered_json_detail_is_found(as_dba):
    recs = _write(3)
    as_dba("UPDATE audit_auditrecord SET actor_name = %s WHERE id = %s", ["他人", recs[0].pk])
    assert audit.verify_chain().broken_id == recs[0].pk


def test_deleted_middle_row_breaks_the_link(as_dba):
    recs = _write(5)
    as_dba("DELETE FROM audit_auditrecord WHERE id = %s", [recs[2].pk])
    check = audit.verify_chain()
    assert not check.ok
    assert check.broken_id == recs[3].pk
    assert "链接断裂" in check.reason
    with pytest.raises(CommandError) as exc:
        call_command("audit_verify")
    assert str(recs[3].pk) in str(exc.value)


def test_deleted_first_row_is_found(as_dba):
    recs = _write(3)
    as_dba("DELETE FROM audit_auditrecord WHERE id = %s", [recs[0].pk])
    check = audit.verify_chain()
    assert not check.ok and check.broken_id == recs[1].pk


def test_deleted_last_row_is_found_through_the_head(as_dba):
    recs = _write(3)
    as_dba("DELETE FROM audit_auditrecord WHERE id = %s", [recs[2].pk])
    check = audit.verify_chain()
    assert not check.ok
    assert check.broken_id == recs[2].pk
    assert "末尾记录缺失" in check.reason


def test_orm_cannot_change_or_delete_records():
    rec = _write(1)[0]
    rec.object_repr = "x"
    with pytest.raises(PermissionError):
        rec.save()
    with pytest.raises(PermissionError):
        rec.delete()
    with pytest.raises(PermissionError):
        AuditRecord.objects.filter(pk=rec.pk).update(object_repr="x")
    with pytest.raises(PermissionError):
        AuditRecord.objects.filter(pk=rec.pk).delete()
    assert AuditRecord.objects.get(pk=rec.pk).object_repr == "单位0"
    assert audit.verify_chain().ok


def test_personal_data_is_masked_in_changes(make_user, sysadmin):
    from teis.org.models import Officer

    user = make_user(id_number="11010519491231002X", phone="13912345678")
    officer = Officer.objects.get(user=user)
    rec = AuditRecord.objects.filter(
        action=AuditAction.CREATE, object_type="org.officer", object_id=str(officer.pk)
    ).get()
    text = str(rec.changes)
    assert "11010519491231002X" not in text and "13912345678" not in text
    assert rec.changes["身份证号"][1].startswith("1") and "*" in rec.changes["身份证号"][1]


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain():
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency need PostgreSQL")
    threads, per_thread = 6, 15
    errors = []
    barrier = threading.Barrier(threads)

    def worker(n):
        try:
            barrier.wait()
            for i in range(per_thread):
                audit.record(None, AuditAction.VIEW, object_type="test", object_id=f"{n}-{i}")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    assert AuditRecord.objects.count() == threads * per_thread
    check = audit.verify_chain()
    assert check.ok, check
    assert check.checked == threads * per_thread
    # no fork: every hash is the prev_hash of at most one record
    prevs = list(AuditRecord.objects.values_list("prev_hash", flat=True))
    assert len(prevs) == len(set(prevs))


def test_every_displayed_field_is_covered_by_the_hash(make_user, as_dba):
    user = make_user()
    rec = audit.record(user, AuditAction.UPDATE, object_type="org.unit", object_id="1", changes={"名称": ["a", "b"]})
    for column, value in [
        ("unit_name", "别的单位"),
        ("ip", "10.10.10.10"),
        ("user_agent", "forged"),
        ("category", "system"),
        ("action", "view"),
        ("at", "2020-01-01 00:00:00"),
    ]:
        with connection.cursor() as cur:
            cur.execute(f"SELECT {column} FROM audit_auditrecord WHERE id = %s", [rec.pk])
            (original,) = cur.fetchone()
        as_dba(f"UPDATE audit_auditrecord SET {column} = %s WHERE id = %s", [value, rec.pk])
        assert audit.verify_chain().broken_id == rec.pk, column
        as_dba(f"UPDATE audit_auditrecord SET {column} = %s WHERE id = %s", [original, rec.pk])
        assert audit.verify_chain().ok, column
