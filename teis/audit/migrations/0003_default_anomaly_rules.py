from django.db import migrations

# Frozen copy of teis.audit.anomaly.DEFAULT_RULES at the time of this migration.
DEFAULT_RULES = {
    "failed_logins": {"threshold": 5, "window_minutes": 10},
    "off_hours": {"threshold": 1, "window_minutes": 60, "start_hour": 7, "end_hour": 21},
    "export_volume": {"threshold": 5000, "window_minutes": 60},
    "view_burst": {"threshold": 100, "window_minutes": 10},
}


def create_rules(apps, schema_editor):
    AnomalyRule = apps.get_model("audit", "AnomalyRule")
    for kind, defaults in DEFAULT_RULES.items():
        AnomalyRule.objects.get_or_create(kind=kind, defaults=defaults)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
