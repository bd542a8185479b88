"""The secret key is never one anyone can read: the embedded default makes its own on first start
and keeps it (mode 600); production refuses to start with a published or missing key."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ["plumbline-embedded-default-not-a-secret", "change-me-in-production", "change-me-to-a-long-random-string"]
OWN_KEY = "x7Qe2r9Lk4Vt8Wm1Zp6Ns3Bc5Df0Gh2Jy7Ua9Ro4Ei"


def start_with(env: dict, code: str = "") -> subprocess.CompletedProcess:
    """Start Django the way the platform does, with only `env` set of the variables that matter."""
    ours = ("DATABASE_", "CELERY_", "MINIO_", "STORAGE_", "SECRET_KEY", "AUDIT_CHAIN_KEY", "PLUMBLINE_", "DEBUG")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        # this checkout's code, not the one the virtualenv has installed
        env={
            **clean,
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'platform'}",
            "DJANGO_SETTINGS_MODULE": "plumbline.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def print_secret_key(data_dir: Path, **env) -> str:
    result = start_with(
        {"PLUMBLINE_DATA_DIR": str(data_dir), **env}, "from django.conf import settings; print(settings.SECRET_KEY)"
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def refusal(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, "the platform started"
    assert "ImproperlyConfigured" in result.stderr
    return result.stderr.splitlines()[-1]


def test_the_embedded_default_generates_its_own_key_and_keeps_it_across_restarts(tmp_path):
    first = print_secret_key(tmp_path)
    assert first not in PUBLISHED and len(first) >= 50
    kept = tmp_path / "secret_key"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert kept.read_text().strip() == first
    assert print_secret_key(tmp_path) == first
    assert print_secret_key(tmp_path / "another") != first


def test_the_embedded_default_never_uses_a_published_key_even_when_told_to(tmp_path):
    for published in PUBLISHED:
        assert print_secret_key(tmp_path, SECRET_KEY=published) not in PUBLISHED


@pytest.mark.parametrize("key", [*PUBLISHED, "", "short-but-not-published"])
def test_a_required_key_that_is_published_missing_or_short_refuses_the_start(tmp_path, key):
    env = {"PLUMBLINE_DATA_DIR": str(tmp_path), "PLUMBLINE_REQUIRE_SECRET_KEY": "true"}
    if key:
        env["SECRET_KEY"] = key
    assert "SECRET_KEY" in refusal(start_with(env))
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    "production",
    [
        {"DATABASE_URL": "postgresql://plumbline@postgres:5432/plumbline"},
        {"CELERY_BROKER_URL": "redis://redis:6379/0"},
        {"STORAGE_BACKEND": "minio", "MINIO_ENDPOINT": "minio:9000", "MINIO_ACCESS_KEY": "a", "MINIO_SECRET_KEY": "b"},
    ],
    ids=["postgresql", "redis", "minio"],
)
def test_outside_the_embedded_default_the_key_is_required_unless_switched_off(tmp_path, production):
    env = {"PLUMBLINE_DATA_DIR": str(tmp_path), **production}
    assert "SECRET_KEY" in refusal(start_with({**env, "SECRET_KEY": "change-me-in-production"}))
    assert "SECRET_KEY" in refusal(start_with(env))
    assert start_with({**env, "SECRET_KEY": OWN_KEY}).returncode == 0


def test_the_production_stack_requires_a_key_of_its_own():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["x-plumbline-env"]
    assert re.fullmatch(r"\$\{PLUMBLINE_REQUIRE_SECRET_KEY:-true\}|true", str(env["PLUMBLINE_REQUIRE_SECRET_KEY"]))
    # no default at all, so nothing published can stand in for the operator's own key
    default = re.fullmatch(r"\$\{SECRET_KEY(?::?[-?](.*))?\}", env["SECRET_KEY"])
    assert default is not None and not default.group(1)
    for service in ("web", "worker"):
        assert compose["services"][service]["environment"]["SECRET_KEY"] == env["SECRET_KEY"]


def test_an_empty_require_setting_as_in_a_copied_env_example_keeps_the_check_on(tmp_path):
    env = {
        "PLUMBLINE_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql://p@db/x",
        "PLUMBLINE_REQUIRE_SECRET_KEY": "",
    }
    assert "SECRET_KEY" in refusal(start_with(env))
    env["PLUMBLINE_REQUIRE_SECRET_KEY"] = "false"
    assert start_with(env).returncode == 0
