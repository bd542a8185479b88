"""Celery tasks of the supervision app: webhook deliveries with exponential backoff, and the
beat task that recomputes quality credit."""

from celery import shared_task
from django.conf import settings

from . import actions
from .models import DeliveryStatus, WebhookDelivery
from .webhooks import attempt


def backoff_seconds(retries: int) -> int:
    """How long before retry number `retries + 1`: BASE, 2 BASE, 4 BASE, ..."""
    return settings.SUPERVISION_WEBHOOK_BACKOFF_SECONDS * 2**retries


@shared_task(name="supervision.deliver_webhook", acks_late=True, ignore_result=True)
def deliver_webhook(delivery_id: int) -> None:
    """One attempt; a failed one is sent again after BASE * 2**n seconds, up to MAX_RETRIES
    times. The attempts are counted on the delivery's row (not in the message), so a worker that
    dies between attempts loses neither the count nor the log."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return
    code, error = attempt(delivery)
    final = delivery.attempts >= settings.SUPERVISION_WEBHOOK_MAX_RETRIES
    delivery = actions.record_delivery_attempt(delivery_id, code=code, error=error, final=final)
    if delivery.status == DeliveryStatus.PENDING:
        deliver_webhook.apply_async((delivery_id,), countdown=backoff_seconds(delivery.attempts - 1))


@shared_task(name="supervision.recompute_credit", acks_late=True, ignore_result=True)
def recompute_credit() -> dict:
    return actions.recompute_credit()


@shared_task(name="supervision.refresh_scores", acks_late=True, ignore_result=True)
def refresh_scores() -> int:
    """Every night: each project's dashboard score for the new day (letters fall overdue)."""
    from projects.models import Project

    return actions.refresh_project_scores(Project.objects.values_list("pk", flat=True))
