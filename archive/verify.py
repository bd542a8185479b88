"""Verifying a quality archive: every file against the sha256 manifest, then the audit trail it
carries, event by event.

Without the chain key (anywhere, `--offline`) the events can be checked only for what needs no
secret: the sequence has no gap and no event out of place, each event names the hash of the one
before it, the last is the head the manifest names, the anchors match, and the events written
before the chain was keyed hash as plain SHA-256. That proves the trail whole and in order, not
that nobody rewrote it from scratch: with the key of the platform that exported it, the head's
signature and every event's HMAC are checked too, and an edited event is named.
"""

import hashlib
import hmac
import json
import zipfile
import zlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from plumbline.core.audit.log import GENESIS, Anchor, compute_hash

from .export import CHUNK, EVENTS, HEADS, MANIFEST, head_signature


@dataclass(frozen=True)
class ArchiveReport:
    files: int
    problem: str = ""
    path: str = ""
    events: int | None = None  # None: an archive made before manifests named the chain head
    sequence: int | None = None  # the audit event the problem names
    is_keyed: bool = False  # the events' HMACs and the head's signature were checked

    @property
    def is_valid(self) -> bool:
        return not self.problem


class _Broken(Exception):
    def __init__(self, problem: str, path: str, sequence: int | None = None):
        super().__init__(problem)
        self.problem, self.path, self.sequence = problem, path, sequence


def verify_archive(path_or_file, *, keyed: bool = True, progress=None) -> ArchiveReport:
    """Check every file of an archive against its manifest, then its audit events; report the
    first mismatch by name. `keyed=False` checks what can be checked without this platform's key.
    `progress(checked, total)` is called as the files are checked (a page shows it)."""
    try:
        archive = zipfile.ZipFile(path_or_file)
    except (zipfile.BadZipFile, OSError) as exc:
        return ArchiveReport(0, _("the file is not a readable ZIP archive (%(reason)s)") % {"reason": exc})
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
            listed = {entry["path"]: entry for entry in manifest["files"]}
        except KeyError:
            return ArchiveReport(0, "the archive has no manifest.json", MANIFEST)
        except (ValueError, zipfile.BadZipFile, OSError) as exc:
            return ArchiveReport(0, _("manifest.json is damaged (%(reason)s)") % {"reason": exc}, MANIFEST)
        for name in archive.namelist():
            if name != MANIFEST and name not in listed:
                return ArchiveReport(
                    len(listed), _("%(name)s is in the archive but not in the manifest") % {"name": name}, name
                )
        for count, (name, entry) in enumerate(listed.items(), start=1):
            if progress is not None:
                progress(count - 1, len(listed))
            digest, size = hashlib.sha256(), 0
            try:
                with archive.open(name) as handle:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
            except KeyError:
                return ArchiveReport(count, _("%(name)s is listed in the manifest but missing") % {"name": name}, name)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                return ArchiveReport(count, _("%(name)s is damaged (%(reason)s)") % {"name": name, "reason": exc}, name)
            if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                return ArchiveReport(
                    count, _("%(name)s does not match its sha256 in the manifest") % {"name": name}, name
                )
        if "audit_chain" not in manifest:  # made before archives named their chain head
            return ArchiveReport(len(listed))
        try:
            events = _verify_events(archive, manifest, keyed=keyed)
        except _Broken as broken:
            return ArchiveReport(len(listed), broken.problem, broken.path, sequence=broken.sequence, is_keyed=keyed)
        return ArchiveReport(len(listed), events=events, is_keyed=keyed)


def _verify_events(archive: zipfile.ZipFile, manifest: dict, *, keyed: bool) -> int:
    """The number of events, all in order, linked and ending at the manifest's head; or _Broken."""
    try:
        head = manifest["audit_chain"]
        chain, head_sequence, head_hash = str(head["chain"]), int(head["sequence"]), str(head["hash"])
        legacy_until = int(head["legacy_sequence"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _Broken(
            _("the audit chain head in manifest.json is damaged (%(reason)s)") % {"reason": exc}, MANIFEST
        ) from None
    if keyed and not hmac.compare_digest(
        str(head.get("signature", "")).encode(), head_signature(str(manifest.get("project")), head).encode()
    ):
        raise _Broken(
            "the audit chain head in manifest.json is not signed with this platform's chain key: it was "
            "changed, or the archive was exported by another platform (verify it there, or offline)",
            MANIFEST,
        )
    anchors = _anchors(archive, chain, keyed=keyed)
    prev_hash, expected = GENESIS, 1
    with archive.open(EVENTS) as handle:
        for number, line in enumerate(handle, start=1):
            try:
                event = json.loads(line)
                sequence, action = int(event["sequence"]), str(event["action"])
                stored_prev, stored_hash = str(event.pop("prev_hash")), str(event.pop("hash"))
            except (ValueError, KeyError, TypeError, AttributeError):
                raise _Broken(
                    _("line %(number)s of %(file)s is not an audit event") % {"number": number, "file": EVENTS}, EVENTS
                ) from None
            if event.get("chain") != chain:
                raise _Broken(
                    _("event #%(sequence)s belongs to another chain than %(chain)s")
                    % {"sequence": sequence, "chain": chain},
                    EVENTS,
                    sequence,
                )
            if sequence > expected:
                raise _Broken(
                    _("event #%(expected)s is missing or out of place: #%(sequence)s follows #%(previous)s")
                    % {"expected": expected, "sequence": sequence, "previous": expected - 1},
                    EVENTS,
                    expected,
                )
            if sequence < expected:
                raise _Broken(
                    _("event #%(sequence)s is out of place: it follows #%(previous)s")
                    % {"sequence": sequence, "previous": expected - 1},
                    EVENTS,
                    sequence,
                )
            if stored_prev != prev_hash:
                raise _Broken(
                    _("event #%(sequence)s (%(action)s) does not follow the event before it")
                    % {"sequence": sequence, "action": action},
                    EVENTS,
                    sequence,
                )
            is_legacy = sequence <= legacy_until
            if (is_legacy or keyed) and compute_hash(prev_hash, event, keyed=not is_legacy) != stored_hash:
                raise _Broken(
                    _("event #%(sequence)s (%(action)s) was changed after it was written")
                    % {"sequence": sequence, "action": action},
                    EVENTS,
                    sequence,
                )
            if sequence in anchors and anchors[sequence].hash != stored_hash:
                raise _Broken(
                    _(
                        "event #%(sequence)s (%(action)s) does not match the chain's head anchored on "
                        "%(when)s: the chain was rewritten at or before it"
                    )
                    % {"sequence": sequence, "action": action, "when": anchors[sequence].anchored_at},
                    EVENTS,
                    sequence,
                )
            prev_hash, expected = stored_hash, expected + 1
    last = expected - 1
    if last < head_sequence:
        raise _Broken(
            _("event #%(sequence)s is missing: the archive's events end at #%(last)s, the chain head is #%(head)s")
            % {"sequence": last + 1, "last": last, "head": head_sequence},
            EVENTS,
            last + 1,
        )
    if last > head_sequence or (last and prev_hash != head_hash):
        raise _Broken(
            _("the chain head in manifest.json does not match event #%(sequence)s") % {"sequence": last}, EVENTS, last
        )
    beyond = [s for s in anchors if s > last]
    if beyond:
        raise _Broken(
            _("event #%(sequence)s is missing: the chain was anchored at #%(anchored)s, the archive ends at #%(last)s")
            % {"sequence": last + 1, "anchored": beyond[0], "last": last},
            EVENTS,
            last + 1,
        )
    return last


def _anchors(archive: zipfile.ZipFile, chain: str, *, keyed: bool) -> dict[int, Anchor]:
    """The anchors heads.json carries, by sequence; with the key, each must be signed."""
    try:
        data = archive.read(HEADS)
    except KeyError:
        return {}
    try:
        anchors = [
            Anchor("", str(r["chain"]), int(r["sequence"]), str(r["hash"]), str(r["anchored_at"]), str(r["signature"]))
            for r in json.loads(data).get("anchors", [])
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _Broken(_("%(name)s is damaged (%(reason)s)") % {"name": HEADS, "reason": exc}, HEADS) from None
    for anchor in anchors:
        if anchor.chain != chain:
            raise _Broken(
                _("the anchor of event #%(sequence)s belongs to another chain") % {"sequence": anchor.sequence},
                HEADS,
                anchor.sequence,
            )
        if keyed and not anchor.is_signed:
            raise _Broken(
                _("the anchor of event #%(sequence)s is not signed with this platform's chain key")
                % {"sequence": anchor.sequence},
                HEADS,
                anchor.sequence,
            )
    return {anchor.sequence: anchor for anchor in anchors}
