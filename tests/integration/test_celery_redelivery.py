"""A task sent through Redis runs on a real worker; a worker killed mid-task does not lose it,
and the task's effect happens once."""

import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery

pytestmark = pytest.mark.integration


def producer(redis_url: str, **transport) -> Celery:
    """A client of the broker configured like the platform's app."""
    from plumbline.celery import app

    client = Celery("producer", broker=redis_url)
    client.conf.update(app.conf.table(), broker_url=redis_url, task_always_eager=False)
    client.conf.broker_transport_options = {**app.conf.broker_transport_options, **transport}
    return client


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def attempts(folder: Path, key: str) -> list[int]:
    path = folder / f"{key}.attempts"
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def test_a_task_sent_through_redis_runs_on_a_worker(redis_url, start_worker, tmp_path):
    queue = f"q-{uuid.uuid4().hex[:8]}"
    start_worker(queue)
    producer(redis_url).send_task("tests.record_once", args=[str(tmp_path), "a", 0], queue=queue)
    wait_for(lambda: (tmp_path / "a.effect").exists(), 30, "the task's effect")
    assert len(attempts(tmp_path, "a")) == 1


def test_a_pool_process_killed_mid_task_gets_the_task_redelivered_and_its_effect_happens_once(
    redis_url, start_worker, tmp_path
):
    queue = f"q-{uuid.uuid4().hex[:8]}"
    start_worker(queue)
    producer(redis_url).send_task("tests.record_once", args=[str(tmp_path), "b", 3], queue=queue)
    first_pid = wait_for(lambda: attempts(tmp_path, "b"), 30, "the first attempt")[0]
    os.kill(first_pid, signal.SIGKILL)  # the OOM killer's way of ending a task
    wait_for(lambda: (tmp_path / "b.effect").exists(), 60, "the redelivered task's effect")
    time.sleep(1)
    runs = attempts(tmp_path, "b")
    assert len(runs) == 2 and runs[1] != first_pid
    assert (tmp_path / "b.effect").read_text() == "done\n"


def test_a_whole_worker_killed_mid_task_leaves_the_task_for_the_next_worker(redis_url, start_worker, tmp_path):
    queue = f"q-{uuid.uuid4().hex[:8]}"
    fast = {"CELERY_VISIBILITY_TIMEOUT": 4, "CELERY_TASK_TIME_LIMIT": 3, "CELERY_RESTORE_INTERVAL": 1}
    first = start_worker(queue, **fast)
    producer(redis_url, visibility_timeout=4).send_task(
        "tests.record_once", args=[str(tmp_path), "c", 1.5], queue=queue
    )
    wait_for(lambda: attempts(tmp_path, "c"), 30, "the first attempt")
    first.kill_everything()  # the machine died: no process left to hand the message back
    assert not (tmp_path / "c.effect").exists()
    start_worker(queue, **fast)
    wait_for(lambda: (tmp_path / "c.effect").exists(), 60, "the restored task's effect")
    assert len(attempts(tmp_path, "c")) == 2
