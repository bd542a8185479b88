"""What the supervision app hears from the apps below it, by Django's model signals (they never
import it): findings and model versions go to the webhooks subscribed to them; a critical
finding saved after its due date, a failed lab report and a claim whose repair is assigned have
the credit recomputed; a save of what a project's score is
made of (the project, its register and letters, its signs, its findings, its acceptance nodes,
material batches and samples, policies and claims) marks its stored dashboard score stale."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from acceptance.materials.models import LabReport, MaterialBatch, Sample
from acceptance.models import AcceptanceNode
from bim.models import ModelVersion
from inspections.models import Finding, FindingStatus, Severity
from insurance.models import ClaimStatus, DefectClaim, Policy
from projects.models import LiabilityLetter, PartyAppointment, Project
from signage.models import PermanentSign

from .models import ProjectScore, WebhookEventType
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


@receiver(post_save, sender=LabReport, dispatch_uid="supervision.lab_report_saved")
def lab_report_saved(sender, instance: LabReport, created: bool, raw: bool = False, **_kwargs) -> None:
    """A failed lab report may score against the contractor: the credit is recomputed."""
    if raw or instance.is_passed:
        return
    from .tasks import recompute_credit

    transaction.on_commit(recompute_credit.delay)


@receiver(post_save, sender=DefectClaim, dispatch_uid="supervision.claim_saved")
def claim_saved(sender, instance: DefectClaim, created: bool, raw: bool = False, **_kwargs) -> None:
    """An accepted claim whose repair is assigned scores against that party."""
    if raw or instance.status != ClaimStatus.REPAIR_ASSIGNED or instance.repair_appointment_id is None:
        return
    from .tasks import recompute_credit

    transaction.on_commit(recompute_credit.delay)


def _score_inputs_saved(sender, instance, raw: bool = False, **_kwargs) -> None:
    if raw:
        return
    if isinstance(instance, Project):
        scores = ProjectScore.objects.filter(project_id=instance.pk)
    elif isinstance(instance, LiabilityLetter):
        scores = ProjectScore.objects.filter(project__appointments=instance.appointment_id)
    elif isinstance(instance, Sample):
        scores = ProjectScore.objects.filter(project__material_batches=instance.batch_id)
    else:
        scores = ProjectScore.objects.filter(project_id=instance.project_id)
    scores.filter(is_stale=False).update(is_stale=True)


SCORE_INPUTS = (
    Project,
    PartyAppointment,
    LiabilityLetter,
    PermanentSign,
    Finding,
    AcceptanceNode,
    MaterialBatch,
    Sample,
    Policy,
    DefectClaim,
)
for _model in SCORE_INPUTS:
    post_save.connect(_score_inputs_saved, sender=_model, dispatch_uid=f"supervision.score_inputs.{_model.__name__}")
    post_delete.connect(_score_inputs_saved, sender=_model, dispatch_uid=f"supervision.score_gone.{_model.__name__}")
