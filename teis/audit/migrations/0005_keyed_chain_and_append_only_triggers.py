"""Key the audit chain (HMAC-SM3 under TEIS_AUDIT_KEY) and make audit rows append-only in the database.

Existing records are re-hashed in id order under the key, continuing from the last archive's hash; archives
already written keep their plain SM3 hashes (hash_scheme "sm3"). Then the triggers of `db_guard` are created.
"""

from django.db import migrations, models


def rekey_chain(apps, schema_editor):
    from teis.audit.services import HASH_KEYED, record_hash

    AuditRecord = apps.get_model("audit", "AuditRecord")
    AuditArchive = apps.get_model("audit", "AuditArchive")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    archive = AuditArchive.objects.order_by("-last_id").first()
    prev_hash = archive.last_hash if archive else ""
    batch = []
    last = None
    for rec in AuditRecord.objects.order_by("id").iterator(chunk_size=2000):
        rec.prev_hash = prev_hash
        rec.hash = prev_hash = record_hash(rec, prev_hash, HASH_KEYED)
        batch.append(rec)
        last = rec
        if len(batch) >= 2000:
            AuditRecord.objects.bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    if batch:
        AuditRecord.objects.bulk_update(batch, ["prev_hash", "hash"])
    if last is not None:
        AuditChainHead.objects.update_or_create(pk=1, defaults={"last_id": last.pk, "last_hash": last.hash})


def install_guard(apps, schema_editor):
    from teis.audit import db_guard

    db_guard.install(schema_editor.connection)


def remove_guard(apps, schema_editor):
    from teis.audit import db_guard

    db_guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_anomalyrule_ordering"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditarchive",
            name="hash_scheme",
            field=models.CharField(default="sm3", max_length=10, verbose_name="摘要算法"),
        ),
        migrations.AlterField(
            model_name="auditarchive",
            name="hash_scheme",
            field=models.CharField(default="hmac-sm3", max_length=10, verbose_name="摘要算法"),
        ),
        migrations.RunPython(rekey_chain, migrations.RunPython.noop),
        migrations.RunPython(install_guard, remove_guard),
    ]
