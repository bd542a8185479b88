"""Real Celery workers on a real Redis broker, started and stopped by the fixtures."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import require_service
from tests.services import redis_available

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("PLUMBLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(scope="session")
def redis_url():
    reason = redis_available(REDIS_URL)
    if reason:
        require_service("Redis", reason)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL


class Worker:
    """One `celery worker` process (and its pool child) on its own queue."""

    def __init__(self, broker: str, queue: str, log: Path, env: dict, plumbline: list[str] | None = None):
        self.log_path = log
        self.log = open(log, "ab")  # noqa: SIM115 - held by the worker process until stop()
        self.name = f"{queue.replace(',', '-')}-{uuid.uuid4().hex[:6]}@{os.uname().nodename}"
        # `plumbline worker ARGS` as docker-compose runs it, or a bare celery worker of the test app
        command = [sys.executable, "-m", "plumbline.cli", "worker", f"--queues={queue}", "-n", self.name, *(plumbline or [])]
        self.proc = subprocess.Popen(
            command
            if plumbline is not None
            else [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.integration.worker_app",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--pool=prefork",
                "-Q",
                queue,
                "-n",
                f"{queue}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env={**os.environ, **env, "CELERY_BROKER_URL": broker, "PYTHONPATH": f"{ROOT}:{ROOT / 'platform'}"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log_path.read_text()[-3000:]}")
            if b"ready." in self.log_path.read_bytes():
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready in {timeout}s: {self.log_path.read_text()[-3000:]}")

    def kill_everything(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_everything()
        self.log.close()


@pytest.fixture
def start_worker(redis_url, tmp_path):
    workers = []

    def start(queue: str, plumbline: list[str] | None = None, **env) -> Worker:
        log = tmp_path / f"worker-{len(workers)}.log"
        worker = Worker(redis_url, queue, log, {k: str(v) for k, v in env.items()}, plumbline)
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.stop()
