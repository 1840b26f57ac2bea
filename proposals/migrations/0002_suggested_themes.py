from django.db import migrations

from proposals.choices import SUGGESTED_THEMES


def add_themes(apps, schema_editor):
    Tag = apps.get_model("proposals", "Tag")
    for name in SUGGESTED_THEMES:
        Tag.objects.update_or_create(name=name, defaults={"suggested": True})


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]

    operations = [migrations.RunPython(add_themes, migrations.RunPython.noop)]
