"""Settings refuse a bad environment at start, naming the variable, and need nothing set."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from plumbline.settings import database_from_url, env_bool, env_choice, env_int


def start_with(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "MINIO_", "STORAGE_"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "plumbline.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"MAX_UPLOAD_BYTES": "2GB"}, "MAX_UPLOAD_BYTES"),
        ({"STORAGE_BACKEND": "dropbox"}, "STORAGE_BACKEND"),
        ({"STORAGE_BACKEND": "minio"}, "MINIO_ENDPOINT"),
        ({"DATABASE_URL": "mysql://root@localhost/plumbline"}, "DATABASE_URL"),
        ({"CELERY_BROKER_URL": "amqp://guest@localhost//"}, "CELERY_BROKER_URL"),
        ({"CACHE_URL": "memcached://127.0.0.1:11211"}, "CACHE_URL"),
        ({"SIGN_IN_MAX_FAILURES": "0"}, "SIGN_IN_MAX_FAILURES"),
        ({"CELERY_VISIBILITY_TIMEOUT": "60", "CELERY_TASK_TIME_LIMIT": "600"}, "CELERY_VISIBILITY_TIMEOUT"),
        ({"SIGN_EXTRA_MATERIALS": "foam board"}, "SIGN_EXTRA_MATERIALS"),
        ({"SIGN_EXTRA_MATERIALS": "granite:仿花岗岩:granite look"}, "SIGN_EXTRA_MATERIALS"),
        ({"SIGN_PERMANENT_MATERIALS": "marble,foam"}, "SIGN_PERMANENT_MATERIALS"),
        ({"SIGN_PHOTO_MAX_BYTES": "0"}, "SIGN_PHOTO_MAX_BYTES"),
        ({"PLUMBLINE_DATE_EARLIEST": "1.1.1949"}, "PLUMBLINE_DATE_EARLIEST"),
        ({"PLUMBLINE_DATE_EARLIEST": "2999-01-01"}, "PLUMBLINE_DATE_EARLIEST"),
        ({"PLUMBLINE_DATE_YEARS_AHEAD": "-1"}, "PLUMBLINE_DATE_YEARS_AHEAD"),
        ({"EMAIL_BACKEND": "smtp"}, "EMAIL_HOST"),
        ({"EMAIL_BACKEND": "sendgrid"}, "EMAIL_BACKEND"),
        ({"EMAIL_HOST": "smtp.example.cn", "EMAIL_USE_SSL": "true"}, "EMAIL_USE_SSL"),
        ({"FINDING_OVERDUE_HOUR": "24"}, "FINDING_OVERDUE_HOUR"),
    ],
)
def test_a_bad_environment_value_stops_the_start_and_names_the_variable(env, named):
    # a production-like environment carries its own key: the refusal must be about `named`
    result = start_with({"SECRET_KEY": "a-random-key-of-this-deployment-0123456789abcdef", **env})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("env", "backend"),
    [({}, "console"), ({"EMAIL_HOST": "smtp.example.cn"}, "smtp"), ({"EMAIL_BACKEND": "dummy"}, "dummy")],
)
def test_notices_are_printed_by_default_and_sent_by_smtp_once_a_server_is_named(env, backend):
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND)"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "plumbline.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == f"django.core.mail.backends.{backend}.EmailBackend", result.stderr


def test_nothing_needs_to_be_set_for_the_embedded_default():
    result = start_with({})
    assert result.returncode == 0, result.stderr


def test_boolean_words_are_read_and_anything_else_is_refused(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "off")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "enabled")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='enabled' is not a boolean"):
        env_bool("X_FLAG", False)


def test_numbers_below_their_minimum_are_refused(monkeypatch):
    monkeypatch.setenv("X_COUNT", "0")
    with pytest.raises(ImproperlyConfigured, match="X_COUNT=0 is below its minimum of 1"):
        env_int("X_COUNT", 5, minimum=1)


def test_choices_are_case_insensitive_and_checked(monkeypatch):
    monkeypatch.setenv("X_BACKEND", "MinIO")
    assert env_choice("X_BACKEND", "local", ("local", "minio")) == "minio"


def test_database_urls_give_postgresql_or_sqlite(tmp_path):
    pg = database_from_url("DATABASE_URL", "postgresql://ann:p%40ss@db.example:5433/quality", data_dir=tmp_path)
    assert (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "django.db.backends.postgresql",
        "quality",
        "ann",
        "p@ss",
        "db.example",
        "5433",
    )
    lite = database_from_url("DATABASE_URL", f"sqlite:///{tmp_path}/other.sqlite3", data_dir=tmp_path)
    assert lite["NAME"] == str(tmp_path / "other.sqlite3")
    assert "journal_mode=WAL" in lite["OPTIONS"]["init_command"]
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        database_from_url("DATABASE_URL", "postgresql://localhost", data_dir=tmp_path)
