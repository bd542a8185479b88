"""Accepting an uploaded file: its type judged by its content (never its name), its size bounded,
its bytes stored in object storage before any row points at them."""

import io
from typing import BinaryIO

from django.utils.translation import gettext

from storage import StoredObject, get_storage

from .errors import InvalidInput, PayloadTooLarge

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
HEIC = "image/heic"
ZIP = "application/zip"

NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", HEIC: "HEIC", ZIP: "ZIP"}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


def sniff(head: bytes) -> str | None:
    """The content type that the first bytes of a file show, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return HEIC
    if head.startswith(b"PK\x03\x04"):
        return ZIP
    return None


def describe(head: bytes) -> str:
    """What a refused file looks like, in words a person understands."""
    if head.startswith(b"MZ"):
        return gettext("a Windows program")
    if head.startswith(b"\x7fELF"):
        return gettext("a Linux program")
    if head.startswith(b"PK\x03\x04"):
        return gettext("a ZIP archive (or an Office document)")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return gettext("a GIF image")
    if head[:5].lower() in (b"<!doc", b"<html"):
        return gettext("a web page")
    try:
        head.decode("utf-8")
        return gettext("plain text")
    except UnicodeDecodeError:
        return gettext("an unknown binary format")


class _Bounded(io.RawIOBase):
    """Reads through `stream` with `head` in front, refusing to go past `limit` bytes."""

    def __init__(self, head: bytes, stream: BinaryIO, limit: int, what: str):
        self.head, self.stream, self.limit, self.what, self.read_so_far = head, stream, limit, what, 0

    def readable(self):
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n], self.head = self.head[:n], self.head[n:]
        else:
            chunk = self.stream.read(len(buffer))
            n = len(chunk)
            buffer[:n] = chunk
        self.read_so_far += n
        if self.read_so_far > self.limit:
            raise PayloadTooLarge(
                gettext("%(what)s is larger than the limit of %(limit)s.")
                % {"what": self.what, "limit": human_size(self.limit)}
            )
        return n


def human_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return gettext("%(n)d bytes") % {"n": n} if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return gettext("%(n)d bytes") % {"n": n}


def store_upload(
    stream: BinaryIO, *, allowed: set[str], max_bytes: int, what: str, size: int | None = None
) -> StoredObject:
    """Check and store an upload; InvalidInput (422) or PayloadTooLarge (413) change nothing."""
    if size is not None and size > max_bytes:
        raise PayloadTooLarge(
            gettext("%(what)s is %(size)s, over the limit of %(limit)s.")
            % {"what": what, "size": human_size(size), "limit": human_size(max_bytes)}
        )
    head = stream.read(16)
    if not head:
        raise InvalidInput(gettext("%(what)s is empty.") % {"what": what}, field="file")
    content_type = sniff(head)
    if content_type not in allowed:
        names = [NAMES[t] for t in sorted(allowed, key=list(NAMES).index)]
        accepted = ", ".join(names[:-1]) + gettext(" or ") + names[-1] if len(names) > 1 else names[0]
        raise InvalidInput(
            gettext(
                "%(what)s must be a %(accepted)s file; this file looks like %(looks_like)s (judged by its content, not its name)."
            )
            % {"what": what, "accepted": accepted, "looks_like": NAMES.get(content_type) or describe(head)},
            field="file",
            code="unsupported_file_type",
        )
    return get_storage().put(io.BufferedReader(_Bounded(head, stream, max_bytes, what), 1024 * 1024), content_type)
