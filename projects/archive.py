"""The quality liability information archive (124号 art. 10) as one ZIP, and its verification.

The ZIP holds the party register with its full history, the letters, the permanent signs with
their photos and the project's audit trail with its chain head and signed anchors, plus `manifest.json` listing every file with its
sha256 and size. It is produced as a stream of chunks: files are copied from object storage a
megabyte at a time, so memory does not grow with the number or size of files.
"""

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from plumbline.audit.log import chain_of, event_payload, list_anchors, verify_chain
from plumbline.audit.models import AuditChainHead, AuditEvent
from signage.queries import signs_for_archive
from storage import get_storage

from .models import LiabilityLetter, PartyAppointment, Project, ProjectMembership
from .queries import may_see_full_id_number
from .validators import mask_id_number

CHUNK = 1024 * 1024
MANIFEST = "manifest.json"
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/heic": "heic"}


class _Sink:
    """A write-only, non-seekable target: zipfile then writes data descriptors, and we hand out
    what it wrote after every chunk."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self._position = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _json_bytes(value) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=True).encode()


class _Writer:
    def __init__(self):
        self.sink = _Sink()
        self.zip = zipfile.ZipFile(self.sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.manifest: list[dict] = []

    def add_stream(self, path: str, stream: BinaryIO) -> Iterator[bytes]:
        digest, size = hashlib.sha256(), 0
        info = zipfile.ZipInfo(path, date_time=timezone.localtime().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        with self.zip.open(info, "w", force_zip64=True) as entry:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                entry.write(chunk)
                yield self.sink.drain()
        self.manifest.append({"path": path, "sha256": digest.hexdigest(), "size": size})
        yield self.sink.drain()

    def add_bytes(self, path: str, data: bytes) -> Iterator[bytes]:
        yield from self.add_stream(path, io.BytesIO(data))

    def close(self, header: dict) -> Iterator[bytes]:
        manifest = {**header, "files": self.manifest}
        self.zip.writestr(MANIFEST, _json_bytes(manifest))
        self.zip.close()
        yield self.sink.drain()


def _person(person, user) -> dict:
    reveal = user is None or may_see_full_id_number(user, person)
    return {
        "name": person.name,
        "id_number": person.id_number if reveal else mask_id_number(person.id_number),
        "qualification": person.qualification,
        "certificate_number": person.certificate_number,
        "organisation": person.organisation.name if person.organisation else None,
    }


def stream_archive(project: Project, *, user) -> Iterator[bytes]:
    """The archive of `project` as ZIP chunks, for a file or an HTTP response.

    `user` is who it is made for: ID numbers they may not read in full are masked. None is the
    platform's operator exporting on the command line (a platform administrator)."""
    storage = get_storage()
    writer = _Writer()
    appointments = list(
        PartyAppointment.objects.filter(project=project).select_related("organisation", "leader__organisation")
    )
    letters = list(
        LiabilityLetter.objects.filter(appointment__project=project)
        .select_related("appointment")
        .order_by("appointment_id", "kind", "id")
    )
    letter_paths = {
        letter.pk: f"letters/{letter.appointment.party}/{letter.appointment_id}-{letter.kind}-{letter.sha256[:12]}."
        f"{EXTENSIONS.get(letter.content_type, 'bin')}"
        for letter in letters
    }
    register = {
        "project": {
            "code": project.code,
            "name": project.name,
            "address": project.address,
            "region_code": project.region_code,
            "design_service_life_years": project.design_service_life_years,
            "stage": project.stage,
            "construction_started_on": project.construction_started_on,
            "completed_on": project.completed_on,
        },
        "appointments": [
            {
                "id": a.pk,
                "party": a.party,
                "start_date": a.start_date,
                "end_date": a.end_date,
                "organisation": {"name": a.organisation.name, "credit_code": a.organisation.credit_code},
                "leader": _person(a.leader, user),
                "letters": [
                    {
                        "kind": ltr.kind,
                        "status": ltr.status,
                        "signed_on": ltr.signed_on,
                        "sha256": ltr.sha256,
                        "uploaded_at": ltr.uploaded_at,
                        "file": letter_paths[ltr.pk],
                    }
                    for ltr in letters
                    if ltr.appointment_id == a.pk
                ],
            }
            for a in appointments
        ],
        "memberships": [
            {
                "person": m.person.name,
                "organisation": m.organisation.name if m.organisation else None,
                "role": m.role,
                "started_at": m.started_at,
                "ended_at": m.ended_at,
            }
            for m in ProjectMembership.objects.filter(project=project).select_related("person", "organisation")
        ],
    }
    yield from writer.add_bytes("register.json", _json_bytes(register))
    for letter in letters:
        with storage.open(letter.file_key) as handle:
            yield from writer.add_stream(letter_paths[letter.pk], handle)

    signs = []
    for sign in signs_for_archive(project):
        photos = []
        for photo in sign.photos.all():
            path = f"signs/{sign.pk}/photo-{photo.sha256[:12]}.{EXTENSIONS.get(photo.content_type, 'bin')}"
            with storage.open(photo.file_key) as handle:
                yield from writer.add_stream(path, handle)
            photos.append({"file": path, "sha256": photo.sha256, "uploaded_at": photo.uploaded_at})
        signs.append(
            {
                "id": sign.pk,
                "building": sign.building,
                "status": sign.status,
                "content": sign.content,
                "material": sign.material,
                "material_note": sign.material_note,
                "size_mm": [sign.width_mm, sign.height_mm, sign.thickness_mm],
                "location_text": sign.location_text,
                "coordinates": sign.coordinates,
                "installed_on": sign.installed_on,
                "photos": photos,
            }
        )
    yield from writer.add_bytes("signs.json", _json_bytes(signs))

    chain = chain_of(project)
    yield from writer.add_stream(
        "audit/events.jsonl",
        _JsonLines(
            {**event_payload(e), "prev_hash": e.prev_hash, "hash": e.hash}
            for e in AuditEvent.objects.filter(chain=chain).order_by("sequence").iterator(chunk_size=2000)
        ),
    )
    report = verify_chain(chain)
    yield from writer.add_bytes(
        "audit/verification.json",
        _json_bytes(
            {
                "chain": chain,
                "events": report.events,
                "is_intact": report.is_intact,
                "first_broken_sequence": report.first_broken,
                "reason": report.reason,
            }
        ),
    )
    head = AuditChainHead.objects.filter(chain=chain).first()
    yield from writer.add_bytes(
        "audit/heads.json",
        _json_bytes(
            {
                "chain": chain,
                "head": {"sequence": head.sequence, "hash": head.hash} if head else None,
                "anchors": [anchor.as_record() for anchor in list_anchors(chain)],
            }
        ),
    )
    yield from writer.close(
        {
            "format": "plumbline-quality-archive/1",
            "project": project.code,
            "generated_at": timezone.now(),
        }
    )


class _JsonLines:
    """A read()-able stream of JSON lines produced from an iterator, a chunk at a time."""

    def __init__(self, rows):
        self.rows = iter(rows)
        self.buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            row = next(self.rows, None)
            if row is None:
                break
            self.buffer += json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True).encode() + b"\n"
        if size < 0:
            data, self.buffer = self.buffer, b""
        else:
            data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


@dataclass(frozen=True)
class ArchiveReport:
    files: int
    problem: str = ""
    path: str = ""

    @property
    def is_valid(self) -> bool:
        return not self.problem


def verify_archive(path_or_file) -> ArchiveReport:
    """Check every file of an archive against its manifest; report the first mismatch by name."""
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
        return ArchiveReport(len(listed))
