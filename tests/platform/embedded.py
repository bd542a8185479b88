"""The embedded default run for real in a temporary data folder: `plumbline` commands, workers
and `run_embedded` as separate processes on the filesystem broker and a SQLite file, the way a
user runs it. The test process reads and writes that database only through `plumbline shell`,
except to hold SQLite's write lock (`holding_the_ingest`), which a user's other writer could do too."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

UPLOAD = """
import io, json
from django.contrib.auth import get_user_model
from bim import actions
from projects.models import Project
from plumbline import demo
data = open({path!r}, "rb").read()
version, _ = actions.upload_model_version(
    Project.objects.get(code=demo.PROJECT_CODE), stream=io.BytesIO(data), original_name="m.ifc",
    model_name={name!r}, size=len(data), actor=get_user_model().objects.get(username="contractor"))
print(json.dumps(version.pk))
"""

STATE = """
import json
from bim.models import ModelVersion
v = ModelVersion.objects.get(pk={pk})
print(json.dumps({{"status": v.status, "done": v.progress_done, "reason": v.failure_reason,
    "elements": v.elements.count(), "with_footprint": v.elements.exclude(footprint="").count(),
    "counts": v.counts}}))
"""

HEALTH = """
import json
from plumbline.health import run_checks
print(json.dumps(run_checks()))
"""


class Embedded:
    def __init__(self, data_dir: Path, **env):
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "PYTHONPATH": f"{ROOT}:{ROOT / 'platform'}",
            "DJANGO_SETTINGS_MODULE": "plumbline.settings",
            "PLUMBLINE_DATA_DIR": str(data_dir),
            "CELERY_HEARTBEAT_SECONDS": "1",
            # short enough for a test, long enough that a loaded CI machine does not miss a beat
            "CELERY_WORKER_STALE_SECONDS": "15",
            "CELERY_LOST_TASK_SECONDS": "20",
            **{k: str(v) for k, v in env.items()},
        }
        for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "STORAGE_BACKEND"):
            self.env.pop(name, None)
        self.processes: list[subprocess.Popen] = []

    def plumbline(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "plumbline.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def python(self, code: str):
        return json.loads(self.plumbline("shell", "-c", code).strip().splitlines()[-1])

    def set_up(self) -> "Embedded":
        # bounds for a machine busy with other work, not waits: on an idle one each takes seconds
        self.plumbline("migrate", "-v0", timeout=600)
        self.plumbline("load_demo", timeout=600)
        return self

    def start(self, *args: str, log: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "plumbline.cli", *args],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.data_dir / log, "ab"),  # noqa: SIM115 - held by the process
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(proc)
        return proc

    def upload(self, path: Path, name: str) -> int:
        return self.python(UPLOAD.format(path=str(path), name=name))

    def state(self, pk: int) -> dict:
        return self.python(STATE.format(pk=pk))

    def health(self) -> dict:
        return self.python(HEALTH)

    @contextmanager
    def holding_the_ingest(self, version_id: int, timeout: float):
        """Wait until the version is being ingested and keep it there for the block: the status is
        read under SQLite's one write lock, so the ingest cannot write its next step (a batch, a
        chunk, `ready`) before the block ends. A poll without the lock can miss a fast ingest."""
        db = sqlite3.connect(self.data_dir / "plumbline.sqlite3", isolation_level=None, timeout=20)
        deadline = time.monotonic() + timeout
        try:
            while True:
                db.execute("BEGIN IMMEDIATE")
                (status,) = db.execute("SELECT status FROM bim_modelversion WHERE id = ?", (version_id,)).fetchone()
                if status in ("parsing", "geometry"):
                    yield status
                    return
                db.execute("ROLLBACK")
                if status != "uploaded" or time.monotonic() > deadline:
                    raise AssertionError(f"the ingest of version {version_id} never held: it is {status}")
                time.sleep(0.05)
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")
            db.close()

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.processes = []


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_until(condition, timeout: float, what: str, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
