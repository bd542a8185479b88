"""The chain becomes keyed (HMAC): events written so far stay plain SHA-256, and each chain's head
records (sealed with the key) up to which event that is, so those events still verify."""

from django.db import migrations, models


def seal_legacy_events(apps, schema_editor):
    from plumbline.core.audit.log import legacy_seal

    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    for head in AuditChainHead.objects.filter(sequence__gt=0, legacy_sequence=0):
        head.legacy_sequence, head.legacy_hash = head.sequence, head.hash
        head.legacy_seal = legacy_seal(head.chain, head.sequence, head.hash)
        head.save(update_fields=["legacy_sequence", "legacy_hash", "legacy_seal"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="auditchainhead", name="legacy_sequence", field=models.PositiveBigIntegerField(default=0)
        ),
        migrations.AddField(
            model_name="auditchainhead", name="legacy_hash", field=models.CharField(blank=True, max_length=64)
        ),
        migrations.AddField(
            model_name="auditchainhead", name="legacy_seal", field=models.CharField(blank=True, max_length=64)
        ),
        migrations.RunPython(seal_legacy_events, migrations.RunPython.noop),
    ]
