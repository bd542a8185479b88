"""The embedded broker (kombu's filesystem transport, plumbline.broker): a consumer that meets a
message file still being written neither crashes nor loses it, and gets it once it is complete;
a producer's files are whole from the moment a consumer can see them."""

import os
import threading
import time
from contextlib import suppress
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Queue

from plumbline import broker
from plumbline.celery import app


@pytest.fixture(autouse=True)
def _bindings_of_this_test_only():
    """kombu keeps the filesystem broker's declared bindings per process, not per folder: a
    binding declared in another test's folder would stop this test's from being written."""
    broker.Transport.global_state.clear()
    yield
    broker.Transport.global_state.clear()


def options(folder: Path) -> dict:
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "polling_interval": 0.01,
        "store_processed": False,
    }


def connect(folder: Path) -> Connection:
    return Connection("filesystem://", transport=broker.TRANSPORT, transport_options=options(folder))


QUEUE = Queue("work", Exchange("work", type="direct"), routing_key="work")


def publish(conn: Connection, body: dict) -> None:
    conn.Producer().publish(body, exchange=QUEUE.exchange, routing_key="work", declare=[QUEUE], serializer="json")


def message_files(folder: Path) -> list[Path]:
    return sorted((folder / "queue").glob("*.work.msg"))


class Received(list):
    def __call__(self, body, message):
        self.append(body)
        message.ack()


def drain(conn: Connection, received: Received, seconds: float) -> None:
    """Deliver what arrives within `seconds`; a crash of the transport propagates."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with suppress(TimeoutError):  # socket.timeout: nothing came
            conn.drain_events(timeout=0.2)


def test_the_embedded_default_uses_the_transport_that_writes_whole_files(settings):
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("runs on the embedded default's broker")
    assert app.conf.broker_transport == broker.TRANSPORT
    with app.connection_for_write() as conn:
        assert isinstance(conn.transport, broker.Transport)


def test_a_half_written_message_file_does_not_crash_the_consumer_and_is_delivered_once_complete(tmp_path):
    with connect(tmp_path) as producer:
        publish(producer, {"n": 1})
    [written] = message_files(tmp_path)
    whole = written.read_bytes()
    written.unlink()

    received = Received()
    with connect(tmp_path) as consumer, consumer.Consumer(QUEUE, callbacks=[received]):
        # a writer (kombu's own _put) has created the file and written half of it
        with open(written, "wb", buffering=0) as half:
            half.write(whole[: len(whole) // 2])
            drain(consumer, received, 0.5)
            assert received == []
            assert message_files(tmp_path) == [written]  # left in the queue, not taken and lost
            half.write(whole[len(whole) // 2 :])
        drain(consumer, received, 1)
    assert received == [{"n": 1}]
    assert message_files(tmp_path) == []


def test_a_file_that_stays_unreadable_is_set_aside_and_the_next_message_is_delivered(tmp_path):
    dead = tmp_path / "queue" / "1_dead.work.msg"
    options(tmp_path)
    dead.write_bytes(b'{"body": "eyJ')  # a writer that died mid-write, long ago
    old = time.time() - broker.UNREADABLE_AFTER_SECONDS - 5
    os.utime(dead, (old, old))
    received = Received()
    with connect(tmp_path) as conn, conn.Consumer(QUEUE, callbacks=[received]):
        publish(conn, {"n": 2})
        drain(conn, received, 1)
    assert received == [{"n": 2}]
    assert message_files(tmp_path) == []
    assert [p.name for p in (tmp_path / "processed").iterdir()] == ["1_dead.work.msg.unreadable"]


def test_messages_sent_while_a_consumer_polls_all_arrive_exactly_once(tmp_path):
    count = 300
    received = Received()

    def produce():
        with connect(tmp_path) as producer:
            for n in range(count):
                publish(producer, {"n": n})

    with connect(tmp_path) as conn, conn.Consumer(QUEUE, callbacks=[received]):
        writer = threading.Thread(target=produce)
        writer.start()
        deadline = time.monotonic() + 60
        while len(received) < count and time.monotonic() < deadline:
            drain(conn, received, 0.2)
        writer.join()
    assert sorted(body["n"] for body in received) == list(range(count))
    assert list((tmp_path / "queue").iterdir()) == []  # no partial or claimed file left behind
