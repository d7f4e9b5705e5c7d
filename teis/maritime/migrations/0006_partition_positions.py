"""PostgreSQL: the AIS position table partitioned by month on `time` (teis.core.telemetry.partitions); SQLite
unchanged. The table is recreated and its rows copied; Django keeps `id` as the primary key field, the table's
PRIMARY KEY becomes (id, time)."""

from django.db import migrations

from teis.core.telemetry import partitions

TABLE, COLUMN = "maritime_vesselposition", "time"


def forwards(apps, schema_editor):
    partitions.partition_by_month(schema_editor, TABLE, COLUMN)


def backwards(apps, schema_editor):
    partitions.unpartition(schema_editor, TABLE, COLUMN)


class Migration(migrations.Migration):
    dependencies = [("maritime", "0005_ais_aids_base_stations")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
