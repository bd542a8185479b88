"""Object storage in a local folder: the embedded default.

Writes go to a temporary file in the same folder and are renamed into place, so a crash never
leaves half an object under a key. Presigned URLs are HMAC-signed links to the platform's own
file view, checked by `verify_signature`. They are signed with a key derived from the secret
for that one purpose, and live at most `max_link_seconds` whatever the caller or the link asks.

Records (`put_record`) are small objects under a name of the caller's choosing, written once and
never replaced: the audit chain's anchors.
"""

import hashlib
import hmac
import json
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from .base import (
    DEFAULT_CONTENT_TYPE,
    ObjectNotFound,
    RecordExists,
    SpooledHash,
    StorageUnavailable,
    StoredObject,
    download_name,
    key_for,
    sha256_of_key,
)

LINK_KEY_PURPOSE = b"plumbline.storage.local.download-link"
# A link that says it expires a little later than the cap allows is still the platform's own
# (clocks of the web processes differ by that much at most).
CLOCK_SLACK_SECONDS = 5


class LocalStorage:
    def __init__(self, root: Path, *, base_url: str, secret: str, max_link_seconds: int = 900):
        self.root = Path(root)
        self.base_url = base_url.rstrip("/")
        self._link_key = hmac.new(secret.encode(), LINK_KEY_PURPOSE, hashlib.sha256).digest()
        self.max_link_seconds = max_link_seconds

    def _path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/") or "\x00" in key:
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
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(f"no stored object with key {key!r}") from None
        except OSError as exc:
            raise StorageUnavailable(f"local storage cannot read {key!r}: {exc.strerror}") from exc

    def stat(self, key: str) -> StoredObject:
        path = self._path(key)
        if not path.is_file():  # a folder of the store (sha256/ab) is not an object
            raise ObjectNotFound(f"no stored object with key {key!r}")
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

    def _signature(self, key: str, expires_at: int, name: str = "") -> str:
        # the file name is signed with the key: a link cannot be edited to serve it as another file
        message = f"{key}\n{expires_at}" + (f"\n{name}" if name else "")
        return hmac.new(self._link_key, message.encode(), hashlib.sha256).hexdigest()

    def presigned_url(self, key: str, expires: timedelta, *, filename: str = "") -> str:
        if not self.exists(key):
            raise ObjectNotFound(f"no stored object with key {key!r}")
        seconds = min(expires.total_seconds(), self.max_link_seconds)
        expires_at = int(time.time() + seconds)
        name = download_name(filename, self.stat(key).content_type) if filename else ""
        params = {"expires": expires_at, "signature": self._signature(key, expires_at, name)}
        if name:
            params["name"] = name
        return f"{self.base_url}/files/{quote(key)}?{urlencode(params)}"

    def verify_signature(self, key: str, expires_at: str | None, signature: str | None, name: str = "") -> bool:
        """True for a link this storage signed that has not expired; False for anything else,
        whatever the parameters hold (text that is not a number, non-ASCII signatures)."""
        if not expires_at or not expires_at.isascii() or not expires_at.isdigit():
            return False
        if not signature or not signature.isascii():
            return False
        expires_int, now = int(expires_at), time.time()
        if expires_int < now or expires_int > now + self.max_link_seconds + CLOCK_SLACK_SECONDS:
            return False
        return hmac.compare_digest(self._signature(key, expires_int, name or ""), signature)

    def put_record(self, key: str, data: bytes) -> None:
        """Write `data` under `key` once; a second write to the same key raises RecordExists."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".record-", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                # link() refuses an existing name, so a record is never replaced, even in a race
                os.link(tmp, path)
            finally:
                os.unlink(tmp)
        except FileExistsError:
            raise RecordExists(f"a record {key!r} is already stored") from None
        except OSError as exc:
            raise StorageUnavailable(f"local storage at {self.root} cannot be written: {exc.strerror}") from exc

    def list_records(self, prefix: str) -> list[str]:
        """The keys of the records under the folder `prefix`, sorted."""
        folder = self._path(prefix.strip("/"))
        try:
            names = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StorageUnavailable(f"local storage cannot list {prefix!r}: {exc.strerror}") from exc
        return [f"{prefix.strip('/')}/{name}" for name in names]

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".health"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StorageUnavailable(f"local storage at {self.root} is not writable: {exc.strerror}") from exc
