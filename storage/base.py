"""The object-storage contract every backend keeps.

Objects are addressed by the sha256 of their bytes, so the same file uploaded twice is stored
once and a key proves its content. Backends stream: nothing here holds a whole object in memory.
"""

import contextlib
import hashlib
import mimetypes
import os
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO, Protocol
from urllib.parse import quote

CHUNK_SIZE = 1024 * 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"


class StorageError(Exception):
    """Base of the two errors callers handle; the message is meant for a person."""


class ObjectNotFound(StorageError):
    pass


class StorageUnavailable(StorageError):
    pass


class RecordExists(StorageError):
    """A record is written once: its key is taken."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    content_type: str


def key_for(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def sha256_of_key(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def download_name(name: str, content_type: str) -> str:
    """The name a downloaded object is saved under: the caller's name with an extension (from the
    content type when the name has none), no path and no control characters."""
    name = "".join(c for c in (name or "").replace("/", "_").replace("\\", "_") if unicodedata.category(c)[0] != "C")
    name = name.strip(" .")
    if not name:
        return ""
    if not os.path.splitext(name)[1]:
        name += mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
    return name[:200]


def content_disposition(name: str, content_type: str) -> str:
    """A Content-Disposition naming the file (RFC 6266, the UTF-8 name in filename*): images are
    shown where they are linked, everything else is saved."""
    kind = "inline" if content_type.startswith("image/") else "attachment"
    fallback = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def iter_chunks(stream: BinaryIO, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    while chunk := stream.read(chunk_size):
        yield chunk


class SpooledHash:
    """Copy a stream to a temporary file on disk while hashing it.

    The key is the hash, which is only known at the end of the stream, so the bytes have to
    rest somewhere first: on disk, never in memory.
    """

    def __init__(self, stream: BinaryIO, *, directory: str | None = None):
        digest = hashlib.sha256()
        size = 0
        fd, self.path = tempfile.mkstemp(prefix="plumbline-upload-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in iter_chunks(stream):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except BaseException:
            self.discard()
            raise
        self.sha256 = digest.hexdigest()
        self.size = size

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


class Storage(Protocol):
    def put(self, stream: BinaryIO, content_type: str = DEFAULT_CONTENT_TYPE) -> StoredObject: ...

    def open(self, key: str) -> BinaryIO: ...

    def stat(self, key: str) -> StoredObject: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def presigned_url(self, key: str, expires: timedelta, *, filename: str = "") -> str:
        """A link that serves the object for `expires`, saved under `filename` (with its extension)
        rather than the bare sha256 of the key."""

    def put_record(self, key: str, data: bytes) -> None:
        """Store a small named object once (raise RecordExists if the key is taken)."""

    def list_records(self, prefix: str) -> list[str]:
        """The keys of the records under the folder `prefix`, sorted."""

    def check(self) -> None:
        """Raise StorageUnavailable when the backend cannot store or read right now."""
