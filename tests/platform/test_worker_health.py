"""A worker that is stuck or gone is visible: /healthz answers 503 naming since when, and the
version page says processing is stalled. On the embedded default heartbeats are files under var/
(SQLite's write lock cannot hold them off), in the database elsewhere. Ingests and light tasks are
on queues of their own."""

import datetime

import pytest
from django.utils import timezone

from plumbline import heartbeat
from plumbline.celery import INGEST_QUEUE, LIGHT_QUEUE, app
from plumbline.models import WorkerHeartbeat


@pytest.fixture
def real_workers():
    """As in production: tasks go to workers, not run in this process."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def beaten(seconds_ago: float) -> None:
    at = timezone.now() - datetime.timedelta(seconds=seconds_ago)
    heartbeat.store().write(heartbeat.Beat("celery@host", at))


@pytest.mark.django_db
def test_on_the_embedded_default_a_beat_is_a_file_and_healthz_reads_it(client, real_workers, settings, tmp_path):
    settings.WORKER_HEARTBEAT_DIR = tmp_path / "heartbeats"  # DATA_DIR / "heartbeats" there
    heartbeat.beat("celery@tablet-site", doing={"task": "bim.ingest_model_version", "args": [7]})
    [beat_file] = settings.WORKER_HEARTBEAT_DIR.iterdir()
    assert beat_file.name == "celery%40tablet-site.json"
    assert not WorkerHeartbeat.objects.exists()
    assert client.get("/healthz").json()["checks"]["worker"] == {"status": "ok"}
    assert heartbeat.busy_version_ids() == {7}


@pytest.mark.django_db
def test_elsewhere_a_beat_is_a_row_of_the_database(client, real_workers, settings):
    settings.WORKER_HEARTBEAT_DIR = None
    heartbeat.beat("celery@worker-1")
    assert WorkerHeartbeat.objects.get().name == "celery@worker-1"
    assert client.get("/healthz").json()["checks"]["worker"] == {"status": "ok"}


@pytest.mark.django_db
def test_a_worker_gone_for_a_day_is_forgotten(settings):
    for folder in (settings.WORKER_HEARTBEAT_DIR, None):
        settings.WORKER_HEARTBEAT_DIR = folder
        heartbeat.store().write(heartbeat.Beat("celery@old-container", timezone.now() - datetime.timedelta(days=2)))
        heartbeat.beat("celery@new-container")
        assert [b.name for b in heartbeat.store().all()] == ["celery@new-container"]


@pytest.mark.django_db
def test_healthz_is_ok_while_a_worker_beats(client, real_workers):
    beaten(5)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["worker"] == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_with_since_when_no_worker_beat_for_a_minute(client, real_workers, settings):
    settings.CELERY_WORKER_STALE_SECONDS = 60
    beaten(61)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["detail"] == "failing: worker"
    assert body["checks"]["worker"]["status"] == "failing"
    assert body["checks"]["worker"]["detail"].startswith("stale since ")


@pytest.mark.django_db
def test_healthz_is_503_when_no_worker_ever_beat(client, real_workers):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "no worker has beaten yet" in response.json()["checks"]["worker"]["detail"]


@pytest.mark.django_db
def test_the_page_of_a_version_in_progress_says_processing_is_stalled(client, world, real_workers):
    from bim.models import ModelVersion

    version = ModelVersion.objects.filter(model__project=world["project"]).first()
    ModelVersion.objects.filter(pk=version.pk).update(status="geometry")
    beaten(600)
    client.force_login(world["users"]["contractor"])
    page = client.get(f"/projects/{world['project'].code}/versions/{version.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200, page.status_code
    assert "后台处理已停滞" in page.content.decode()


def test_ingests_and_thumbnails_go_to_queues_of_their_own():
    route = app.amqp.router.route
    assert route({}, "bim.ingest_model_version")["queue"].name == INGEST_QUEUE
    assert route({}, "bim.compute_footprints")["queue"].name == INGEST_QUEUE
    assert route({}, "inspections.make_thumbnail")["queue"].name == LIGHT_QUEUE
    assert INGEST_QUEUE != LIGHT_QUEUE


def test_the_embedded_broker_looks_for_messages_often_and_keeps_its_control_folder_under_var(settings):
    # configured as the embedded default whatever broker this run uses (CI runs it on Redis too)
    from celery import Celery

    from plumbline.celery import configure

    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_DIR = settings.DATA_DIR / "celery"
    embedded = Celery("embedded-check")
    configure(embedded)
    options = embedded.conf.broker_transport_options
    assert options["polling_interval"] <= 0.1
    assert options["control_folder"].startswith(str(settings.DATA_DIR))


def worker_health(*args) -> tuple[int, str]:
    """`plumbline worker_health`: its exit status and what it said."""
    import io

    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("worker_health", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, err.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_worker_health_passes_while_this_hosts_worker_beats():
    import socket

    heartbeat.store().write(heartbeat.Beat(f"celery@{socket.gethostname()}", timezone.now()))
    status, said = worker_health()
    assert status == 0 and "beat 0 s ago" in said


@pytest.mark.django_db
def test_worker_health_fails_once_the_beat_is_older_than_a_minute(settings):
    import socket

    settings.CELERY_WORKER_STALE_SECONDS = 60
    name = f"celery@{socket.gethostname()}"
    heartbeat.store().write(heartbeat.Beat(name, timezone.now() - datetime.timedelta(seconds=61)))
    status, said = worker_health()
    assert status == 1 and "stuck or gone" in said and name in said


@pytest.mark.django_db
def test_worker_health_fails_when_only_another_hosts_worker_beats():
    heartbeat.store().write(heartbeat.Beat("celery@another-container", timezone.now()))
    assert worker_health()[0] == 1
    assert worker_health("--worker", "celery@another-container")[0] == 0
    assert worker_health("--any")[0] == 0


@pytest.mark.django_db
def test_worker_health_fails_when_no_worker_ever_beat():
    status, said = worker_health()
    assert status == 1 and "never" in said
