"""A damaged database (the SQLite file cut in half) is a dependency down: the API answers 503 in
its error format and the `plumbline` command says so in one line, as /healthz does."""

import json
import subprocess
import sys

import pytest

from .embedded import ROOT, Embedded

REQUEST = """
import json
from django.test import Client
response = Client().get("/api/v1/projects", HTTP_AUTHORIZATION="Bearer not-a-token")
print(json.dumps([response.status_code, json.loads(response.content)]))
"""


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    site = Embedded(tmp_path_factory.mktemp("damaged"))
    site.plumbline("migrate", "-v0")
    database = site.data_dir / "plumbline.sqlite3"
    for extra in ("-wal", "-shm"):
        (site.data_dir / f"plumbline.sqlite3{extra}").unlink(missing_ok=True)
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 2])
    return site


def test_the_api_answers_503_in_its_error_format_when_the_database_is_damaged(damaged):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.argv=['plumbline','shell','-c',sys.stdin.read()]; from plumbline.cli import main; main()",
        ],
        input=REQUEST,
        cwd=ROOT,
        env=damaged.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    status, body = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body["code"] == "database_unavailable"
    assert body["detail"]


def test_the_command_says_in_one_line_that_the_database_is_damaged(damaged):
    done = subprocess.run(
        [sys.executable, "-m", "plumbline.cli", "showmigrations"],
        cwd=ROOT,
        env=damaged.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "database" in done.stderr and "cannot be used" in done.stderr
