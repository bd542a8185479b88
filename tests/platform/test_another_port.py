"""Running on another port: BIND moves the web server, SITE_URL (what sign QR codes and download
links point at) follows it unless set, and load_demo prints the login URL in use."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def settings_with(env: dict, expression: str) -> subprocess.CompletedProcess:
    """The settings of this checkout (not of an installed copy) read with `env`."""
    clean = {k: v for k, v in os.environ.items() if k not in ("BIND", "SITE_URL")}
    clean["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "platform")])
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; print({expression})"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "plumbline.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_site_url_follows_bind_unless_it_is_set():
    default = settings_with({}, "(settings.BIND, settings.SITE_URL)")
    assert default.stdout.strip() == "('127.0.0.1:8000', 'http://127.0.0.1:8000')", default.stderr
    moved = settings_with({"BIND": "127.0.0.1:8020"}, "settings.SITE_URL")
    assert moved.stdout.strip() == "http://127.0.0.1:8020", moved.stderr
    named = settings_with({"BIND": "0.0.0.0:8020", "SITE_URL": "http://192.168.1.20:8020/"}, "settings.SITE_URL")
    assert named.stdout.strip() == "http://192.168.1.20:8020"


@pytest.mark.parametrize("bind", ["8020", "127.0.0.1", "127.0.0.1:port", "127.0.0.1:70000"])
def test_a_bind_that_is_not_host_and_port_stops_the_start(bind):
    result = settings_with({"BIND": bind}, "settings.BIND")
    assert result.returncode != 0 and "BIND" in result.stderr


def test_run_embedded_listens_where_bind_says(settings):
    from plumbline.management.commands.run_embedded import Command

    parser = Command().create_parser("plumbline", "run_embedded")
    assert parser.parse_args([]).bind == settings.BIND


@pytest.mark.django_db
def test_load_demo_prints_the_login_url_of_the_site_url_in_use(world, settings):
    settings.SITE_URL = "http://127.0.0.1:8020"
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "http://127.0.0.1:8020/login/" in out.getvalue()
    assert "8000" not in out.getvalue()
