"""One 反映类别 dictionary (issue #9): the org seed used to seed its own `petition_category` items (服务质量, 拒载 as
`refuse_passenger`, 多收费 …) next to the petitions app's (拒载 as `refusal`, 议价 …). The org seed now holds the
petitions list; in databases seeded before, the old seed's items that no petition uses are switched off (kept, not
deleted: dictionary rows may be referenced) and 多收费 is renamed 议价."""

from django.db import migrations

LEGACY = (
    "service",
    "refuse_passenger",
    "illegal_operation",
    "black_car",
    "illegal_ride_hailing",
    "safety",
    "enforcement",
    "suggestion",
)


def forwards(apps, schema_editor):
    DictionaryItem = apps.get_model("core", "DictionaryItem")
    Petition = apps.get_model("petitions", "Petition")
    items = DictionaryItem.objects.filter(dict_type__code="petition_category")
    used = set(Petition.objects.values_list("category_id", flat=True).distinct())
    for item in items.filter(code__in=LEGACY):
        if item.pk not in used:
            item.is_active = False
            item.save(update_fields=["is_active"])
    items.filter(code="overcharge", label="多收费").update(label="议价")


class Migration(migrations.Migration):
    dependencies = [("petitions", "0002_reopen_and_explanation"), ("core", "0002_outboxmessage")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
