"""Object storage in a local folder: the embedded default.

Writes go to a temporary file in the same folder and are renamed into place, so a crash never
leaves half an object under a key. Presigned URLs are HMAC-signed links to the platform's own
file view, checked by `verify_signature`.
"""

import hashlib
import hmac
import json
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from .base import (
    DEFAULT_CONTENT_TYPE,
    ObjectNotFound,
    SpooledHash,
    StorageUnavailable,
    StoredObject,
    key_for,
    sha256_of_key,
)


class LocalStorage:
    def __init__(self, root: Path, *, base_url: str, secret: str):
        self.root = Path(root)
        self.base_url = base_url.rstrip("/")
        self._secret = secret.encode()

    def _path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise ObjectNotFound(f"no stored object with key {key!r}")
        return self.root / key

    def put(self, stream: BinaryIO, content_type: str = DEFAULT_CONTENT_TYPE) -> StoredObject:
        tmp_dir = self.root / "tmp"
        try:
            tmp_dir.mkdir(parents=True, exist_ok=True)
            spooled = SpooledHash(stream, directory=str(tmp_dir))
        except OSError as exc:
            raise StorageUnavailable(f"local storage at {self.root} cannot be written: {exc.strerror}") from exc
        key = key_for(spooled.sha256)
        path = self._path(key)
        try:
            if path.exists():
                spooled.discard()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(spooled.path, "rb+") as f:
                    os.fsync(f.fileno())
                os.replace(spooled.path, path)
            meta = path.with_name(path.name + ".meta")
            if not meta.exists():
                meta.write_text(json.dumps({"content_type": content_type}))
        except OSError as exc:
            spooled.discard()
            raise StorageUnavailable(f"local storage at {self.root} cannot be written: {exc.strerror}") from exc
        return StoredObject(key=key, sha256=spooled.sha256, size=spooled.size, content_type=self._content_type(path))

    def _content_type(self, path: Path) -> str:
        try:
            return json.loads(path.with_name(path.name + ".meta").read_text())["content_type"]
        except (OSError, ValueError, KeyError):
            return DEFAULT_CONTENT_TYPE

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:
            raise ObjectNotFound(f"no stored object with key {key!r}") from None
        except OSError as exc:
            raise StorageUnavailable(f"local storage cannot read {key!r}: {exc.strerror}") from exc

    def stat(self, key: str) -> StoredObject:
        path = self._path(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise ObjectNotFound(f"no stored object with key {key!r}") from None
        return StoredObject(key=key, sha256=sha256_of_key(key), size=size, content_type=self._content_type(path))

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except ObjectNotFound:
            return False

    def delete(self, key: str) -> None:
        path = self._path(key)
        for p in (path, path.with_name(path.name + ".meta")):
            p.unlink(missing_ok=True)

    def _signature(self, key: str, expires_at: int) -> str:
        return hmac.new(self._secret, f"{key}\n{expires_at}".encode(), hashlib.sha256).hexdigest()

    def presigned_url(self, key: str, expires: timedelta) -> str:
        if not self.exists(key):
            raise ObjectNotFound(f"no stored object with key {key!r}")
        expires_at = int(time.time() + expires.total_seconds())
        query = urlencode({"expires": expires_at, "signature": self._signature(key, expires_at)})
        return f"{self.base_url}/files/{quote(key)}?{query}"

    def verify_signature(self, key: str, expires_at: str, signature: str) -> bool:
        try:
            expires_int = int(expires_at)
        except (TypeError, ValueError):
            return False
        if expires_int < time.time():
            return False
        return hmac.compare_digest(self._signature(key, expires_int), signature or "")

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".health"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StorageUnavailable(f"local storage at {self.root} is not writable: {exc.strerror}") from exc
