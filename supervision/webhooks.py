"""Webhook deliveries: which subscriptions an event goes to, the HMAC-SHA256 signature, and one
HTTP attempt. A receiver checks `X-Plumbline-Signature: sha256=<hex>`, the HMAC-SHA256 under the
webhook's secret of "<X-Plumbline-Timestamp>.<body>"."""

import hashlib
import hmac
import json
import socket
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from projects.validators import region_prefix

from .models import Webhook, WebhookDelivery

SIGNATURE_HEADER = "X-Plumbline-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def subscribers(event_type: str, project) -> list[Webhook]:
    """Active webhooks of the project and of the departments whose region holds it."""
    hooks = Webhook.objects.filter(is_active=True).select_related("department")
    found = []
    for hook in hooks.filter(project=project) | hooks.filter(department__isnull=False):
        if event_type not in hook.event_types:
            continue
        if hook.project_id == project.pk or (
            hook.department is not None and project.region_code.startswith(region_prefix(hook.department.region_code))
        ):
            found.append(hook)
    return found


def send_event(event_type: str, project, payload: dict) -> list[WebhookDelivery]:
    """A delivery per subscriber, each sent by the delivery task after the commit."""
    from .tasks import deliver_webhook

    hooks = subscribers(event_type, project)
    if not hooks:
        return []
    body = {"type": event_type, "project": project.code, **payload}
    body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    event_id = uuid.uuid4().hex
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(webhook=h, event_type=event_type, event_id=event_id, payload=body) for h in hooks]
    )
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: deliver_webhook.delay(pk))
    return deliveries


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer (3xx), never followed to another address


def _resolves_inside(host: str) -> bool:
    from .actions import is_internal_host

    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False  # the attempt itself fails with the resolver's error
    return any(is_internal_host(a) for a in addresses)


def attempt(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the delivery once: (response code or None, error text)."""
    hook = delivery.webhook
    host = urlsplit(hook.url).hostname or ""
    if not settings.SUPERVISION_WEBHOOK_ALLOW_LOOPBACK and _resolves_inside(host):
        return None, "refused: the URL resolves to a loopback or private address"
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Plumbline-Webhooks/1",
            "X-Plumbline-Event": delivery.event_type,
            "X-Plumbline-Delivery": str(delivery.pk),
            "X-Plumbline-Event-Id": delivery.event_id,
            "X-Plumbline-Timestamp": timestamp,
            SIGNATURE_HEADER: sign(hook.secret, timestamp, body),
        },
    )
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=settings.SUPERVISION_WEBHOOK_TIMEOUT) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500]
