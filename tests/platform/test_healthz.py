"""/healthz tells an operator which part is down: database, storage or broker."""

import pytest

from storage import get_storage
from tests.services import free_port


@pytest.fixture
def storage_down(settings, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the storage folder should be")
    settings.LOCAL_STORAGE_DIR = blocker / "objects"
    get_storage.cache_clear()


@pytest.mark.django_db
def test_healthz_is_ok_when_every_part_works(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "storage": "ok",
        "broker": "ok",
        "worker": "ok",
    }


@pytest.mark.django_db
def test_healthz_is_503_and_names_storage_when_storage_is_down(client, storage_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["detail"] == "failing: storage"
    assert body["checks"]["storage"]["status"] == "failing"
    assert "not writable" in body["checks"]["storage"]["detail"]
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_and_names_the_broker_when_redis_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["detail"] == "failing: broker"
    assert response.json()["checks"]["broker"]["status"] == "failing"
