"""Permanent signs hang on a building record (projects.Building) instead of a name alone.

Each distinct (project, building name) of the signs recorded so far becomes a Building row (a name
already recorded is reused) and its signs point at it. The `building` text stays on every row, so
retired signs keep the name they were recorded with and nothing is lost going back.
"""

import django.db.models.deletion
from django.db import migrations, models


def link_buildings(apps, schema_editor):
    PermanentSign = apps.get_model("signage", "PermanentSign")
    Building = apps.get_model("projects", "Building")
    pairs = PermanentSign.objects.values_list("project_id", "building").distinct().order_by("project_id", "building")
    for project_id, name in pairs:
        building, _ = Building.objects.get_or_create(project_id=project_id, name=name.strip()[:50] or name)
        PermanentSign.objects.filter(project_id=project_id, building=name).update(building_record=building)


def unlink_buildings(apps, schema_editor):
    """The Building rows stay (projects owns them); the signs only let go of them."""
    apps.get_model("signage", "PermanentSign").objects.update(building_record=None)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_buildings"),
        ("signage", "0002_sign_material_choice"),
    ]

    operations = [
        migrations.AddField(
            model_name="permanentsign",
            name="building_record",
            field=models.ForeignKey(
                blank=True,
                help_text="The building the sign hangs on; `building` keeps its name as it was given.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="signs",
                to="projects.building",
            ),
        ),
        migrations.RunPython(link_buildings, unlink_buildings),
    ]
