"""PostgreSQL: the fix table partitioned by month on `time` (teis.core.telemetry.partitions); SQLite unchanged.

The table is recreated and its rows copied (one pass; on a large existing table plan the downtime, see
docs/dispatch.md). The model is unchanged: Django keeps `id` as the primary key field, the table's PRIMARY KEY
becomes (id, time)."""

from django.db import migrations

from teis.core.telemetry import partitions

TABLE, COLUMN = "dispatch_fixrecord", "time"


def forwards(apps, schema_editor):
    partitions.partition_by_month(schema_editor, TABLE, COLUMN)


def backwards(apps, schema_editor):
    partitions.unpartition(schema_editor, TABLE, COLUMN)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0004_order_receipts")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
