"""Fixtures every test shares: each test gets its own object-storage folder; tasks run in-process
unless a test starts a real worker (tests/integration)."""

import os

import pytest
from django.utils import translation

from plumbline.celery import app as celery_app
from storage import get_storage

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def objects_dir(tmp_path_factory):
    """One object-storage folder for the run: content-addressed, so tests cannot clash in it."""
    return tmp_path_factory.mktemp("objects")


@pytest.fixture(autouse=True)
def local_storage(settings, objects_dir):
    settings.STORAGE_BACKEND = "local"
    settings.LOCAL_STORAGE_DIR = objects_dir
    get_storage.cache_clear()
    yield
    get_storage.cache_clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, objects_dir):
    """The demo world is loaded once into the test database; each test runs in a transaction
    that is rolled back, so every test starts from it."""
    from django.test import override_settings

    from plumbline import demo

    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(STORAGE_BACKEND="local", LOCAL_STORAGE_DIR=objects_dir, PASSWORD_HASHERS=fast),
    ):
        get_storage.cache_clear()
        demo.load()
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


@pytest.fixture(autouse=True)
def english_outside_requests(request):
    """Messages made outside a request (actions and commands called by a test) are read in
    English, like the API's answers to ApiClient; pages and the API set their own language per
    request. Tests marked `chinese` read Chinese, the default language, everywhere."""
    with translation.override("zh-hans" if request.node.get_closest_marker("chinese") else "en"):
        yield


@pytest.fixture(autouse=True)
def sign_in_counts_start_empty(settings, tmp_path):
    """Each test its own cache folder, so failed sign-ins in one test do not throttle another."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }


@pytest.fixture(autouse=True)
def heartbeats_start_empty(settings, tmp_path):
    """Each test its own heartbeat folder on the embedded default (the database's rows roll back
    with the test; files would not)."""
    if settings.WORKER_HEARTBEAT_DIR is not None:
        settings.WORKER_HEARTBEAT_DIR = tmp_path / "heartbeats"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PERSONAS = ["contractor", "inspector", "owner", "home_owner", "insurer", "auditor", "auditor_sz", "outsider"]


class ApiClient:
    """Calls /api/v1 as one persona with a real API token (or anonymously), as a client asking
    for English (the API answers in the language of Accept-Language, Chinese when none is asked
    for: drop the header to see that)."""

    def __init__(self, client, token: str | None, language: str | None = "en"):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        if language:
            self.headers["Accept-Language"] = language

    def call(self, method: str, path: str, json=None):
        kwargs = {"headers": self.headers}
        if json is not None:
            kwargs.update(data=json, content_type="application/json")
        return getattr(self.client, method.lower())(f"/api/v1{path}", **kwargs)

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, json=None):
        return self.call("POST", path, json if json is not None else {})

    def patch(self, path, json):
        return self.call("PATCH", path, json)


@pytest.fixture
def world(db):
    """The demo world: one project (GZ-2026-001, region 440106) with every persona a member,
    a Guangzhou auditor who sees it, a Shenzhen auditor and an outsider who do not."""
    from django.contrib.auth import get_user_model

    from plumbline import demo
    from projects.models import Project

    demo.load()  # loaded once per run by django_db_setup; again only after a transactional test
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[*PERSONAS, "admin", "chief_inspector", "designer", "surveyor", "tis"]
        )
    }
    project = Project.objects.get(code=demo.PROJECT_CODE)
    return {"project": project, "users": users, **_ids_of(project)}


def _ids_of(project) -> dict:
    """The demo's IDS file and its finished run on the demo model."""
    from bim.models import IdsRun

    run = IdsRun.objects.select_related("ids_file").get(version__model__project=project)
    return {"ids": run.ids_file, "ids_run": run}


@pytest.fixture
def as_persona(world, client, request):
    """`as_persona("inspector")` -> an ApiClient signed in with a fresh token of that persona
    (asking for no language, so answered in Chinese, in tests marked `chinese`)."""
    from plumbline.core.accounts.actions import create_api_token

    language = None if request.node.get_closest_marker("chinese") else "en"

    def make(name: str | None) -> ApiClient:
        if name is None or name == "anonymous":
            return ApiClient(client, None, language)
        return ApiClient(client, create_api_token("tests", actor=world["users"][name]).raw, language)

    return make
