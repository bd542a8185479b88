from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inspections', '0003_checklists'),
    ]

    operations = [
        migrations.AddField(
            model_name='findingstep',
            name='author_tool',
            field=models.CharField(blank=True, help_text='the BCF file (and its version) the author wrote this step in', max_length=200),
        ),
    ]
