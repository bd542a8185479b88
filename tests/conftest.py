"""Fixtures every test shares: each test gets its own object-storage folder; tasks run in-process
unless a test starts a real worker (tests/integration)."""

import os

import pytest

from plumbline.celery import app as celery_app
from storage import get_storage

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def isolated_storage(settings, tmp_path):
    settings.STORAGE_BACKEND = "local"
    settings.LOCAL_STORAGE_DIR = tmp_path / "objects"
    get_storage.cache_clear()
    yield
    get_storage.cache_clear()


@pytest.fixture(autouse=True)
def tasks_run_in_process(request):
    """Outside the integration suite there is no worker: run tasks in-process, on commit."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def require_service(name: str, reason: str) -> None:
    """A missing service fails the run in CI and skips (loudly) on a developer's machine."""
    message = f"{name} is not available: {reason}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
