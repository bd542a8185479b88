"""Celery tasks of the supervision app: webhook deliveries with exponential backoff, and the
beat task that recomputes quality credit."""

from celery import shared_task
from django.conf import settings

from . import actions
from .models import DeliveryStatus, WebhookDelivery
from .webhooks import attempt


@shared_task(name="supervision.deliver_webhook", bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> None:
    """One attempt; a failed one is retried after BASE * 2**n seconds, up to MAX_RETRIES times."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return
    code, error = attempt(delivery)
    retries = self.request.retries or 0
    final = retries >= settings.SUPERVISION_WEBHOOK_MAX_RETRIES
    delivery = actions.record_delivery_attempt(delivery_id, code=code, error=error, final=final)
    if delivery.status == DeliveryStatus.PENDING:
        raise self.retry(countdown=settings.SUPERVISION_WEBHOOK_BACKOFF_SECONDS * 2**retries)


@shared_task(name="supervision.recompute_credit", acks_late=True, ignore_result=True)
def recompute_credit() -> dict:
    return actions.recompute_credit()
