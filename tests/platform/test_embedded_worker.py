"""The embedded default with real processes: a worker killed mid-ingest is started again by
run_embedded (the web server goes on) and the ingest is resumed with exactly the right rows; a
worker that is gone makes /healthz say so; a worker leaves no broker file outside var/; a beat is
not held off by a long write transaction on the SQLite file."""

import json
import os
import signal
import subprocess
import urllib.error
import urllib.request

import pytest

from bim.ifc.build import grid_model
from tests.services import children_of, free_port

from .embedded import ROOT, Embedded, command_line, wait_until

WALLS = 4000  # several batches and footprint chunks: the kill leaves some written, some not


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    site = Embedded(tmp_path_factory.mktemp("embedded")).set_up()
    yield site
    site.stop()


@pytest.fixture(autouse=True)
def _processes_end_with_their_test(embedded):
    """A test that fails leaves no worker beating into the next test's heartbeat table."""
    yield
    embedded.stop()


def get_health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def worker_pids(run_embedded_pid: int) -> list[int]:
    return [pid for pid in children_of(run_embedded_pid) if "plumbline.cli worker" in command_line(pid)]


def test_a_worker_killed_mid_ingest_is_started_again_and_the_ingest_ends_with_exactly_the_right_rows(
    embedded, tmp_path
):
    port = free_port()
    url = f"http://127.0.0.1:{port}/healthz"
    site = embedded.start("run_embedded", "--bind", f"127.0.0.1:{port}", "--web-workers", "1", log="run.log")
    wait_until(lambda: _answers(url) and get_health(url)[0] == 200, 300, "a healthy site")  # a bound, not a wait
    model = tmp_path / "grid.ifc"
    model.write_bytes(grid_model(WALLS).to_string().encode())
    version = embedded.upload(model, "Grid")
    with embedded.holding_the_ingest(version, 60):
        first = worker_pids(site.pid)
        assert len(first) == 1
        os.kill(first[0], signal.SIGKILL)  # the OOM killer ends the worker's main process

    second = wait_until(lambda: [p for p in worker_pids(site.pid) if p != first[0]], 30, "a new worker")
    assert site.poll() is None  # the web server went on
    state = wait_until(
        lambda: (s := embedded.state(version))["status"] in ("ready", "failed") and s, 240, "the resumed ingest", 1
    )
    assert state["status"] == "ready", state["reason"]
    assert state["elements"] == state["with_footprint"] == WALLS
    assert state["counts"]["elements_with_footprint"] == WALLS
    status, body = get_health(url)
    assert (status, body["checks"]["worker"]) == (200, {"status": "ok"}), body
    assert worker_pids(site.pid) == second
    embedded.stop()


def _answers(url: str) -> bool:
    try:
        get_health(url)
    except OSError:
        return False
    return True


def test_healthz_says_since_when_the_worker_is_stale_once_it_is_gone(embedded):
    worker = embedded.start("worker", log="worker.log")
    wait_until(lambda: embedded.health()["worker"]["status"] == "ok", 60, "a beating worker")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    check = wait_until(
        lambda: (c := embedded.health()["worker"])["status"] == "failing" and c, 90, "the stale worker", 1
    )
    assert check["detail"].startswith("stale since ")


def test_starting_a_worker_leaves_no_file_outside_var(embedded):
    before = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    worker = embedded.start("worker", log="worker-2.log")
    wait_until(lambda: "ready." in (embedded.data_dir / "worker-2.log").read_text(), 60, "the worker")
    wait_until(lambda: embedded.health()["worker"]["status"] == "ok", 30, "its first beat")
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(timeout=20)
    after = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    assert after.stdout == before.stdout
    assert not (ROOT / "control").exists()
    assert (embedded.data_dir / "celery" / "control").is_dir()


HOLD_THE_WRITE_LOCK = """
import json, sqlite3, threading, time
from django.conf import settings
from plumbline import heartbeat
from plumbline.health import check_worker
held, done = threading.Event(), threading.Event()
def ingest_transaction():  # an ingest writing a batch holds SQLite's one write lock
    db = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    held.set()
    done.wait(10)
    db.execute("ROLLBACK")
threading.Thread(target=ingest_transaction).start()
held.wait()
start = time.monotonic()
heartbeat.beat("celery@busy", doing={"task": "bim.ingest_model_version", "args": [1]})
took = time.monotonic() - start
check_worker()
done.set()
print(json.dumps({"took": took, "files": sorted(p.name for p in settings.WORKER_HEARTBEAT_DIR.iterdir())}))
"""


def test_a_beat_is_not_held_off_by_a_long_write_transaction(embedded):
    result = embedded.python(HOLD_THE_WRITE_LOCK)
    assert result["took"] < 2, result  # in the database it waited for the lock (up to 20 s)
    assert "celery%40busy.json" in result["files"]
    assert (embedded.data_dir / "heartbeats" / "celery%40busy.json").is_file()
