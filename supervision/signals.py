"""What the supervision app hears from the apps below it, by Django's model signals (they never
import it): findings and model versions go to the webhooks subscribed to them, and a critical
finding saved after its due date has the credit recomputed."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from bim.models import ModelVersion
from inspections.models import Finding, FindingStatus, Severity

from .models import WebhookEventType
from .webhooks import send_event


@receiver(post_save, sender=Finding, dispatch_uid="supervision.finding_saved")
def finding_saved(sender, instance: Finding, created: bool, raw: bool = False, **_kwargs) -> None:
    if raw:
        return
    payload = {
        "event": "finding.opened" if created else "finding.changed",
        "finding_id": instance.pk,
        "status": instance.status,
        "severity": instance.severity,
        "title": instance.title,
    }
    project = instance.project
    transaction.on_commit(lambda: send_event(WebhookEventType.FINDING, project, payload))
    if (
        instance.severity == Severity.CRITICAL
        and instance.status != FindingStatus.CLOSED
        and instance.due_date is not None
        and instance.due_date < timezone.localdate()
    ):
        from .tasks import recompute_credit

        transaction.on_commit(recompute_credit.delay)


@receiver(post_save, sender=ModelVersion, dispatch_uid="supervision.model_version_saved")
def model_version_saved(sender, instance: ModelVersion, created: bool, raw: bool = False, update_fields=None, **_kw):
    if raw or (update_fields is not None and "status" not in update_fields):
        return
    if instance.status not in ("ready", "failed"):
        return
    payload = {"event": f"model.{instance.status}", "version_id": instance.pk, "number": instance.number}
    project = instance.model.project
    transaction.on_commit(lambda: send_event(WebhookEventType.MODEL, project, payload))
