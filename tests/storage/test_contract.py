"""The storage contract: every backend stores by sha256, streams, signs links and fails clearly.

The same tests run against the local folder and, in the integration suite, a real S3 server.
"""

import hashlib
import io
import time
import tracemalloc
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from storage import ObjectNotFound, StorageUnavailable, get_storage
from storage.local import LocalStorage
from storage.s3 import S3Storage
from tests.services import free_port

BACKENDS = ["local", pytest.param("s3", marks=pytest.mark.integration)]


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    if request.param == "local":
        # the configured backend (a fresh folder per test): its links are served by the platform
        return get_storage()
    server = request.getfixturevalue("s3_server")
    return S3Storage(
        endpoint=server["endpoint"],
        access_key=server["access_key"],
        secret_key=server["secret_key"],
        bucket=server["bucket"],
    )


class PatternStream(io.RawIOBase):
    """`size` bytes of a repeating pattern, produced as read: never whole in memory."""

    def __init__(self, size: int, seed: bytes = b"plumbline"):
        self.remaining = size
        self.block = (seed * (65536 // len(seed) + 1))[:65536]

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.remaining, len(self.block))
        buffer[:n] = self.block[:n]
        self.remaining -= n
        return n


def expected_sha256(size: int, seed: bytes = b"plumbline") -> str:
    digest = hashlib.sha256()
    stream = PatternStream(size, seed)
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def fetch(url: str, client) -> tuple[int, bytes]:
    """GET a presigned link: local links are the platform's own view, S3 links go to the server."""
    if url.startswith(settings.SITE_URL):
        parts = urlsplit(url)
        response = client.get(f"{parts.path}?{parts.query}")
        return response.status_code, b"".join(response.streaming_content) if response.status_code == 200 else b""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_an_object_can_be_put_read_described_and_deleted(backend):
    stored = backend.put(io.BytesIO(b"inspection photo"), content_type="image/jpeg")
    assert stored.sha256 == hashlib.sha256(b"inspection photo").hexdigest()
    assert stored.key.endswith(stored.sha256)
    assert (stored.size, stored.content_type) == (16, "image/jpeg")
    with backend.open(stored.key) as handle:
        assert handle.read() == b"inspection photo"
    assert backend.stat(stored.key) == stored
    assert backend.exists(stored.key)
    backend.delete(stored.key)
    assert not backend.exists(stored.key)
    with pytest.raises(ObjectNotFound):
        backend.open(stored.key)
    with pytest.raises(ObjectNotFound):
        backend.stat(stored.key)


def test_the_same_bytes_are_stored_once_under_one_key(backend):
    first = backend.put(io.BytesIO(b"commitment letter"), content_type="application/pdf")
    second = backend.put(io.BytesIO(b"commitment letter"), content_type="application/pdf")
    other = backend.put(io.BytesIO(b"another letter"), content_type="application/pdf")
    assert first == second
    assert other.key != first.key


def test_a_50_mb_object_streams_in_and_out_without_being_held_in_memory(backend):
    size = 50 * 1024 * 1024
    tracemalloc.start()
    try:
        stored = backend.put(PatternStream(size), content_type="application/x-step")
        digest = hashlib.sha256()
        read = 0
        with backend.open(stored.key) as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                read += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.size == read == size
    assert stored.sha256 == digest.hexdigest() == expected_sha256(size)
    assert peak < 16 * 1024 * 1024, f"peak Python memory {peak / 1e6:.1f} MB for a 50 MB object"


def test_a_presigned_link_downloads_the_object_until_it_expires(backend, client):
    stored = backend.put(io.BytesIO(b"archive manifest"), content_type="application/json")
    lasting = backend.presigned_url(stored.key, timedelta(minutes=5))
    assert fetch(lasting, client) == (200, b"archive manifest")
    short = backend.presigned_url(stored.key, timedelta(seconds=1))
    time.sleep(2.2)
    status, _ = fetch(short, client)
    assert status == 403


def test_a_link_with_a_file_name_downloads_under_that_name(backend, client):
    """A signed link made for "整改报告.pdf" saves as that name in the browser, on S3 as locally."""
    stored = backend.put(io.BytesIO(b"%PDF-1.4 report"), content_type="application/pdf")
    url = backend.presigned_url(stored.key, timedelta(minutes=5), filename="整改报告.pdf")
    if url.startswith(settings.SITE_URL):
        parts = urlsplit(url)
        disposition = client.get(f"{parts.path}?{parts.query}")["Content-Disposition"]
    else:
        with urllib.request.urlopen(url, timeout=10) as response:
            disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;"), disposition
    assert "filename*=UTF-8''%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A.pdf" in disposition, disposition


def test_a_tampered_link_is_refused(backend, client):
    stored = backend.put(io.BytesIO(b"sign photo"), content_type="image/png")
    url = backend.presigned_url(stored.key, timedelta(minutes=5))
    status, _ = fetch(url.replace("Signature=", "Signature=0").replace("signature=", "signature=0"), client)
    assert status == 403


def test_a_link_to_a_missing_object_is_not_found(backend):
    with pytest.raises(ObjectNotFound):
        backend.presigned_url("sha256/00/00/" + "0" * 64, timedelta(minutes=5))


@pytest.mark.integration
def test_wrong_credentials_are_reported_as_refused_not_as_a_traceback(s3_server):
    backend = S3Storage(
        endpoint=s3_server["endpoint"],
        access_key=s3_server["access_key"],
        secret_key="wrong",
        bucket=s3_server["bucket"],
    )
    with pytest.raises(StorageUnavailable, match="refused the credentials .* check MINIO_ACCESS_KEY"):
        backend.put(io.BytesIO(b"x"))
    with pytest.raises(StorageUnavailable, match="refused the credentials"):
        backend.check()


def test_an_s3_server_that_is_down_is_reported_unavailable():
    backend = S3Storage(
        endpoint=f"127.0.0.1:{free_port()}", access_key="k", secret_key="s", bucket="b", connect_timeout=0.5
    )
    for call in (lambda: backend.put(io.BytesIO(b"x")), lambda: backend.stat("sha256/aa/bb/x"), backend.check):
        with pytest.raises(StorageUnavailable, match="is unreachable"):
            call()


def test_a_local_folder_that_cannot_be_written_is_reported_unavailable(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    backend = LocalStorage(blocker / "objects", base_url="http://testserver", secret="s")
    with pytest.raises(StorageUnavailable, match="cannot be written|not writable"):
        backend.put(io.BytesIO(b"x"))
    with pytest.raises(StorageUnavailable):
        backend.check()


def test_keys_cannot_escape_the_local_folder(tmp_path):
    backend = LocalStorage(tmp_path / "objects", base_url="http://testserver", secret="s")
    (tmp_path / "secret.txt").write_text("private")
    with pytest.raises(ObjectNotFound):
        backend.open("../secret.txt")
