from django.db import migrations, models


def observed_when_created(apps, schema_editor):
    # a finding logged before the tablet's clock was recorded was seen when it reached the server
    Finding = apps.get_model("inspections", "Finding")
    Finding.objects.filter(observed_at__isnull=True).update(observed_at=models.F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("inspections", "0004_step_author_tool"),
    ]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="observed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="when it was seen on site (the tablet's clock; it may reach us later)",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, help_text="when it reached the server"),
        ),
        migrations.RunPython(observed_when_created, migrations.RunPython.noop),
    ]
