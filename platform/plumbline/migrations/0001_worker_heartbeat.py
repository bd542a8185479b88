from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                ("name", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("beaten_at", models.DateTimeField()),
                ("pid", models.PositiveIntegerField(default=0)),
                ("doing", models.JSONField(blank=True, default=dict)),
            ],
        ),
    ]
