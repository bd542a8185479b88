"""Webhooks: a subscription per project or region receives the events it asked for, signed with
HMAC-SHA256 under its secret; a failed delivery is retried by Celery with exponential backoff and
every attempt is logged with its response code; a logged delivery can be replayed. The receiver
is a real HTTP server on the loopback address (allowed in tests only)."""

import hashlib
import hmac
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bim.models import ModelVersion
from inspections import actions as inspection_actions
from supervision.models import WebhookDelivery
from supervision.tasks import backoff_seconds

pytestmark = pytest.mark.django_db


class Receiver:
    """Answers POSTs with the next status of `codes` (the last one from then on) and keeps them."""

    def __init__(self, codes):
        self.codes, self.received = list(codes), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                code = receiver.codes.pop(0) if len(receiver.codes) > 1 else receiver.codes[0]
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/plumbline"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.SUPERVISION_WEBHOOK_ALLOW_LOOPBACK = True
    made = []

    def make(*codes):
        made.append(Receiver(codes or [200]))
        return made[-1]

    yield make
    for r in made:
        r.close()


def subscribe(api, url, types, project="GZ-2026-001"):
    response = api.post("/supervision/webhooks", {"url": url, "event_types": types, "project": project})
    assert response.status_code == 201, response.content
    return response.json()


def open_a_finding(world, captured):
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    wall = version.elements.get(name="1F 西墙")
    with captured(execute=True):
        finding, _created = inspection_actions.open_finding(
            world["project"],
            client_uuid=uuid.uuid4(),
            category="structure",
            severity="major",
            title="墙面裂缝",
            version_id=version.pk,
            global_ids=[wall.global_id],
            actor=world["users"]["inspector"],
        )
    return finding


def test_a_delivery_is_signed_with_the_webhooks_secret(world, as_persona, receiver, django_capture_on_commit_callbacks):
    server = receiver(200)
    hook = subscribe(as_persona("owner"), server.url, ["finding"])
    finding = open_a_finding(world, django_capture_on_commit_callbacks)
    [(headers, body)] = server.received
    expected = hmac.new(
        hook["secret"].encode(), headers["X-Plumbline-Timestamp"].encode() + b"." + body, hashlib.sha256
    )
    assert headers["X-Plumbline-Signature"] == "sha256=" + expected.hexdigest()
    assert headers["X-Plumbline-Event"] == "finding"
    payload = json.loads(body)
    assert payload == {
        **payload,
        "project": "GZ-2026-001",
        "finding_id": finding.pk,
        "status": "open",
        "event": "finding.opened",
    }
    # with another secret the signature does not verify
    forged = hmac.new(b"other", headers["X-Plumbline-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-Plumbline-Signature"] != "sha256=" + forged.hexdigest()


def test_a_failed_delivery_is_retried_and_every_attempt_logged(
    world, as_persona, receiver, django_capture_on_commit_callbacks
):
    server = receiver(500, 503, 200)
    hook = subscribe(as_persona("owner"), server.url, ["finding"])
    open_a_finding(world, django_capture_on_commit_callbacks)
    assert len(server.received) == 3
    [delivery] = as_persona("owner").get(f"/supervision/webhooks/{hook['id']}/deliveries").json()["items"]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 3
    assert [a["code"] for a in delivery["log"]] == [500, 503, 200]
    assert delivery["response_code"] == 200


def test_retries_back_off_exponentially_and_give_up(
    world, as_persona, receiver, settings, django_capture_on_commit_callbacks
):
    settings.SUPERVISION_WEBHOOK_MAX_RETRIES = 2
    assert [backoff_seconds(n) for n in range(4)] == [30, 60, 120, 240]
    server = receiver(500)
    subscribe(as_persona("owner"), server.url, ["finding"])
    open_a_finding(world, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, len(server.received)) == ("failed", 3, 3)


def test_a_logged_delivery_is_replayed_as_a_new_delivery(
    world, as_persona, receiver, django_capture_on_commit_callbacks
):
    server = receiver(200)
    hook = subscribe(as_persona("owner"), server.url, ["finding"])
    open_a_finding(world, django_capture_on_commit_callbacks)
    original = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_persona("owner").post(f"/supervision/deliveries/{original.pk}/replay")
    assert response.status_code == 201 and response.json()["replay_of"] == original.pk
    assert len(server.received) == 2 and server.received[0][1] == server.received[1][1]
    assert [
        d["status"] for d in as_persona("owner").get(f"/supervision/webhooks/{hook['id']}/deliveries").json()["items"]
    ] == [
        "delivered",
        "delivered",
    ]


def test_a_region_webhook_hears_every_project_of_the_region_and_only_the_types_it_asked_for(
    world, as_persona, receiver, django_capture_on_commit_callbacks
):
    server = receiver(200)
    subscribe(as_persona("auditor"), server.url, ["finding"], project=None)
    other = receiver(200)
    subscribe(as_persona("auditor_sz"), other.url, ["finding"], project=None)
    models_only = receiver(200)
    subscribe(as_persona("owner"), models_only.url, ["model"])
    open_a_finding(world, django_capture_on_commit_callbacks)
    assert len(server.received) == 1 and other.received == [] and models_only.received == []


def test_loopback_urls_are_refused_outside_tests(world, as_persona, settings):
    settings.SUPERVISION_WEBHOOK_ALLOW_LOOPBACK = False
    for url in ("http://127.0.0.1:9/x", "http://localhost/x", "http://10.0.0.5/x", "ftp://example.com/x"):
        response = as_persona("owner").post(
            "/supervision/webhooks", {"url": url, "event_types": ["finding"], "project": "GZ-2026-001"}
        )
        assert response.status_code == 422 and response.json()["field"] == "url", url


def test_only_the_owner_subscribes_a_project_and_only_a_department_a_region(world, as_persona):
    body = {"url": "https://hooks.example.com/x", "event_types": ["finding"]}
    assert as_persona("contractor").post("/supervision/webhooks", {**body, "project": "GZ-2026-001"}).status_code == 403
    assert as_persona("outsider").post("/supervision/webhooks", {**body, "project": "GZ-2026-001"}).status_code == 404
    assert as_persona("owner").post("/supervision/webhooks", body).status_code == 403
    bad = as_persona("auditor").post("/supervision/webhooks", {**body, "event_types": ["gossip"]})
    assert bad.status_code == 422 and bad.json()["field"] == "event_types"
