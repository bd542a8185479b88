"""The project's quality archive as one ZIP: the quality liability information archive (124号
art. 10) filed in the groups of GB/T 50328-2014 (建设工程文件归档规范), assembled from each
app's queries. Its verification is in verify.py.

Folders (ASCII names, which every unzip tool reads; the Chinese titles are in the manifest):

  A-preparation/            工程准备阶段文件. register.json: the five parties, their organisations and
                            leaders (name, ID number, qualification, certificate) with the full change
                            history, and the project's members (GB/T 50328 A7, 工程建设基本信息).
                            letters/<party>/: each leader's authorisation letter and lifetime-quality
                            commitment letter, signed on appointment and filed before the construction
                            permit (124号 art. 5-6).
  B-supervision/            监理文件: the supervisor's findings and their rectification, when the
                            inspections app adds its section.
  C-construction/           施工文件. acceptance.json and acceptance/<node>/: the GB 50300 records of
                            every building below the unit project (lots, sub-items, sub-divisions,
                            divisions) with their inspection records, signatures (who, in which
                            capacity, on which date), photos and documents. materials.json and
                            materials/<batch>/: every material batch with its entry inspection,
                            certificates, witnessed samples, lab reports and disposition, and the
                            witness authorisation letters (GB/T 50328 C4, 进场检验、见证取样和复试报告).
  D-as-built/               竣工图: the as-built model and drawings (planned).
  E-completion-acceptance/  工程竣工验收文件. signs.json and signs/<id>/: the permanent signs and their
                            photos, set up at completion acceptance (124号 art. 9). unit-projects.json
                            and unit-projects/<node>/: each building's unit-project acceptance record,
                            its signatures and reports (kept permanently). claims.json and
                            claims/<id>/: the latent-defect policies and every warranty claim with its
                            photos.
  audit/                    not a GB/T 50328 group but the seal over all of them: the project's audit
                            trail (events.jsonl), the platform's check of it at export, and heads.json
                            (the chain head and its signed anchors).

`manifest.json` lists every file with its sha256 and size, and names the audit chain head at
export time (`audit_chain`), signed with the chain key. A section is one function writing into
its group's folder; add yours to SECTIONS. The ZIP is produced as a stream of chunks: files are
copied from object storage a megabyte at a time, so memory does not grow with their number or size.
"""

import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from acceptance import queries as acceptance_queries
from acceptance.materials import queries as material_queries
from insurance import queries as insurance_queries
from plumbline.core.audit.log import chain_key, chain_of, event_payload, list_anchors, verify_chain
from plumbline.core.audit.models import AuditChainHead, AuditEvent
from projects import queries as project_queries
from projects.models import Project
from projects.validators import mask_id_number
from signage import queries as signage_queries
from storage import get_storage

CHUNK = 1024 * 1024
MANIFEST = "manifest.json"
FORMAT = "plumbline-quality-archive/2"
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/heic": "heic"}
AUDIT_FOLDER = "audit"
EVENTS = f"{AUDIT_FOLDER}/events.jsonl"
HEADS = f"{AUDIT_FOLDER}/heads.json"


@dataclass(frozen=True)
class Group:
    """One group of GB/T 50328-2014: its letter, the ZIP folder and its titles."""

    code: str
    folder: str
    title: str
    title_en: str


PREPARATION = Group("A", "A-preparation", "工程准备阶段文件", "preparation")
SUPERVISION = Group("B", "B-supervision", "监理文件", "supervision")
CONSTRUCTION = Group("C", "C-construction", "施工文件", "construction")
AS_BUILT = Group("D", "D-as-built", "竣工图", "as-built drawings")
COMPLETION_ACCEPTANCE = Group("E", "E-completion-acceptance", "工程竣工验收文件", "completion acceptance")
GROUPS = [PREPARATION, SUPERVISION, CONSTRUCTION, AS_BUILT, COMPLETION_ACCEPTANCE]


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


class Folder:
    """Where a section writes: names are relative to its group's folder."""

    def __init__(self, writer: _Writer, group: Group):
        self._writer, self.group = writer, group

    def path(self, name: str) -> str:
        return f"{self.group.folder}/{name}"

    def add_json(self, name: str, value) -> Iterator[bytes]:
        yield from self._writer.add_bytes(self.path(name), _json_bytes(value))

    def add_stored(self, name: str, file_key: str) -> Iterator[bytes]:
        """A file from object storage, copied a chunk at a time."""
        with get_storage().open(file_key) as handle:
            yield from self._writer.add_stream(self.path(name), handle)


def _extension(content_type: str) -> str:
    return EXTENSIONS.get(content_type, "bin")


def _person(person, user) -> dict:
    reveal = user is None or project_queries.may_see_full_id_number(user, person)
    return {
        "name": person.name,
        "id_number": person.id_number if reveal else mask_id_number(person.id_number),
        "qualification": person.qualification,
        "certificate_number": person.certificate_number,
        "organisation": person.organisation.name if person.organisation else None,
    }


def register_and_letters(project: Project, folder: Folder, *, user) -> Iterator[bytes]:
    """A: the party register with its full history and members (ID numbers `user` may not read
    in full are masked), and every letter."""
    appointments = list(project_queries.appointments_for_archive(project))
    letters = list(project_queries.letters_for_archive(project))
    letter_names = {
        letter.pk: f"letters/{letter.appointment.party}/{letter.appointment_id}-{letter.kind}-{letter.sha256[:12]}."
        f"{_extension(letter.content_type)}"
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
                # the architect in charge's registration (建筑师负责制); the five parties have none
                **({"registration_number": a.registration_number} if a.registration_number else {}),
                "letters": [
                    {
                        "kind": ltr.kind,
                        "status": ltr.status,
                        "signed_on": ltr.signed_on,
                        "sha256": ltr.sha256,
                        "uploaded_at": ltr.uploaded_at,
                        "file": folder.path(letter_names[ltr.pk]),
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
            for m in project_queries.memberships_for_archive(project)
        ],
        "design_changes": [
            {
                "number": c.number,
                "description": c.description,
                "status": c.status,
                "proposed_by": c.proposed_by.name,
                "signed_off_by": c.signed_off_by.name if c.signed_off_by else None,
                "signed_off_on": c.signed_off_on,
                "on_behalf_of_owner": c.is_on_behalf_of_owner,
            }
            for c in project_queries.design_changes_for_archive(project)
        ],
    }
    yield from folder.add_json("register.json", register)
    for letter in letters:
        yield from folder.add_stored(letter_names[letter.pk], letter.file_key)


def permanent_signs(project: Project, folder: Folder, *, user) -> Iterator[bytes]:
    """E: every permanent sign, retired ones included, with its photos."""
    signs = []
    for sign in signage_queries.signs_for_archive(project):
        photos = []
        for photo in sign.photos.all():
            name = f"signs/{sign.pk}/photo-{photo.sha256[:12]}.{_extension(photo.content_type)}"
            yield from folder.add_stored(name, photo.file_key)
            photos.append({"file": folder.path(name), "sha256": photo.sha256, "uploaded_at": photo.uploaded_at})
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
    yield from folder.add_json("signs.json", signs)


def material_batches(project: Project, folder: Folder, *, user) -> Iterator[bytes]:
    """C: every material batch (returned ones included) with its certificates, samples and lab
    reports, and the letters authorising the witnesses."""
    batches = []
    for batch in material_queries.batches_for_archive(project):
        base = f"materials/{batch.pk}-{batch.batch_number}"
        certificates = []
        for certificate in batch.certificates.all():
            name = f"{base}/certificate-{certificate.kind}-{certificate.sha256[:12]}.{_extension(certificate.content_type)}"
            yield from folder.add_stored(name, certificate.file_key)
            certificates.append({"kind": certificate.kind, "number": certificate.number, "file": folder.path(name)})
        samples = []
        for sample in batch.samples.all():
            report = material_queries.report_of(sample)
            entry = {
                "code": sample.code,
                "taken_on": sample.taken_on,
                "samplers": sample.samplers,
                "witness": sample.witness.name if sample.witness else None,
                "witness_confirmed_at": sample.witness_confirmed_at,
                "lab": sample.lab.name,
                "tests": sample.tests,
                "specimens": sample.specimens,
                "is_retest": sample.is_retest,
                "report": None,
            }
            if report is not None:
                name = f"{base}/report-{report.report_number}-{report.sha256[:12]}.{_extension(report.content_type)}"
                yield from folder.add_stored(name, report.file_key)
                entry["report"] = {
                    "report_number": report.report_number,
                    "issued_on": report.issued_on,
                    "results": report.results,
                    "is_passed": report.is_passed,
                    "file": folder.path(name),
                }
            samples.append(entry)
        batches.append(
            {
                "id": batch.pk,
                "category": batch.category,
                "product": batch.product,
                "specification": batch.specification,
                "manufacturer": batch.manufacturer,
                "batch_number": batch.batch_number,
                "quantity": batch.quantity,
                "unit": batch.unit,
                "delivered_on": batch.delivered_on,
                "green_label": {"number": batch.green_label_number, "grade": batch.green_label_grade},
                "component": {"code": batch.component_code, "factory": batch.factory, "produced_on": batch.produced_on}
                if batch.component_code
                else None,
                "status": batch.status,
                "entry_inspection": {
                    "result": batch.entry_result,
                    "on": batch.entry_inspected_on,
                    "note": batch.entry_note,
                },
                "disposition": {"note": batch.disposition_note, "on": batch.disposition_on}
                if batch.disposition_on
                else None,
                "elements": sorted(batch.elements.values_list("global_id", flat=True)),
                "certificates": certificates,
                "samples": samples,
            }
        )
    letters = []
    for letter in material_queries.witness_authorisations_for_archive(project):
        name = f"materials/witness-authorisations/{letter.pk}-{letter.sha256[:12]}.{_extension(letter.content_type)}"
        yield from folder.add_stored(name, letter.file_key)
        letters.append(
            {
                "party": letter.authorised_by_party,
                "signed_on": letter.signed_on,
                "status": letter.status,
                "witnesses": [
                    {"name": w.person.name, "certificate_number": w.certificate_number} for w in letter.witnesses.all()
                ],
                "file": folder.path(name),
            }
        )
    yield from folder.add_json(
        "materials.json",
        {
            "batches": batches,
            "witness_authorisations": letters,
            "witness_report": material_queries.witness_report(project),
        },
    )


def warranty_claims(project: Project, folder: Folder, *, user) -> Iterator[bytes]:
    """E: the latent-defect policies with their TIS reports, and every claim with its cover, its
    steps and its photos (the warranty record of the building after completion)."""
    policies = [
        {
            "number": p.number,
            "building": p.building.name if p.building else None,
            "insurer": p.insurer.name,
            "tis": p.tis.name,
            "insured": p.insured.name,
            "premium_rate_percent": p.premium_rate_percent,
            "premium_amount": p.premium_amount,
            "cover_years": p.cover_years,
            "waiting_period_years": p.waiting_period_years,
            "exclusions": p.exclusions,
            "accepted_on": p.accepted_on,
            "tis_reports": [
                {"title": r.title, "reported_on": r.reported_on, "summary": r.summary, "finding_ids": r.finding_ids}
                for r in p.tis_reports.all()
            ],
        }
        for p in insurance_queries.policies_for_archive(project)
    ]
    claims = []
    for claim in insurance_queries.claims_for_archive(project):
        photos = []
        for photo in claim.photos.all():
            name = f"claims/{claim.pk}/{photo.stage}-{photo.sha256[:12]}.{_extension(photo.content_type)}"
            yield from folder.add_stored(name, photo.file_key)
            photos.append({"file": folder.path(name), "sha256": photo.sha256, "stage": photo.stage})
        claims.append(
            {
                "id": claim.pk,
                "policy": claim.policy.number,
                "unit": claim.unit.number if claim.unit else None,
                "building": claim.unit.building.name if claim.unit else None,
                "category": claim.category,
                "description": claim.description,
                "found_on": claim.found_on,
                "filed_at": claim.filed_at,
                "global_ids": claim.global_ids,
                "status": claim.status,
                "cover": claim.cover_read,
                "decision_reasons": claim.decision_reasons,
                "repair_by": claim.repair_appointment.organisation.name if claim.repair_appointment else None,
                "steps": [
                    {"kind": s.kind, "status": s.status, "note": s.note, "at": s.created_at} for s in claim.steps.all()
                ],
                "photos": photos,
            }
        )
    yield from folder.add_json("claims.json", {"policies": policies, "claims": claims})


def _acceptance_record(node, folder: Folder, prefix: str) -> Iterator[bytes]:
    """One node's record; its photos and documents are copied under `prefix/<node id>/`."""
    files = []
    for kind, stored in [("photo", p) for p in node.photos.all()] + [("document", d) for d in node.documents.all()]:
        name = f"{prefix}/{node.pk}/{kind}-{stored.sha256[:12]}.{_extension(stored.content_type)}"
        yield from folder.add_stored(name, stored.file_key)
        files.append(
            {
                "file": folder.path(name),
                "kind": getattr(stored, "kind", kind),
                "sha256": stored.sha256,
                "uploaded_at": stored.uploaded_at,
            }
        )
    return {
        "id": node.pk,
        "building": node.building.name,
        "parent": node.parent_id,
        "level": node.level,
        "code": node.code,
        "name": node.name,
        "status": node.status,
        "accepted_on": node.accepted_on,
        "storey": node.storey_name,
        "zone": node.zone,
        "covers": node.covers_codes,
        "elements": sorted(node.elements.values_list("global_id", flat=True)) if node.is_lot else [],
        "inspections": [
            {
                "inspected_on": i.inspected_on,
                "result": i.result,
                "sample_size": i.sample_size,
                "items": i.items,
                "note": i.note,
            }
            for i in node.inspections.all()
        ],
        "signatures": [
            {
                "person": s.person.name,
                "capacity": s.capacity,
                "signed_on": s.signed_on,
                # the architect in charge signing for the owner (建筑师负责制)
                **({"on_behalf_of": "owner"} if s.is_on_behalf_of_owner else {}),
            }
            for s in node.signatures.all()
        ],
        "files": files,
    }


def acceptance_records(project: Project, folder: Folder, *, user) -> Iterator[bytes]:
    """C: every building's acceptance records below the unit project."""
    records = []
    for node in acceptance_queries.nodes_for_archive(project).exclude(level="unit_project"):
        records.append((yield from _acceptance_record(node, folder, "acceptance")))
    yield from folder.add_json("acceptance.json", records)


def unit_project_records(project: Project, folder: Folder, *, user) -> Iterator[bytes]:
    """E: each building's unit-project acceptance record, kept permanently (GB/T 50328 永久)."""
    records = []
    for node in acceptance_queries.nodes_for_archive(project).filter(level="unit_project"):
        record = yield from _acceptance_record(node, folder, "unit-projects")
        records.append({**record, "retention": "permanent"})
    yield from folder.add_json("unit-projects.json", records)


# section(project, folder, user=...) writes its files; `user` is who the archive is made for.
Section = Callable[..., Iterator[bytes]]

# In the order they are written; a new app adds its section function here.
SECTIONS: list[tuple[Group, Section]] = [
    (PREPARATION, register_and_letters),
    (CONSTRUCTION, acceptance_records),
    (CONSTRUCTION, material_batches),
    (COMPLETION_ACCEPTANCE, permanent_signs),
    (COMPLETION_ACCEPTANCE, unit_project_records),
    (COMPLETION_ACCEPTANCE, warranty_claims),
]


def stream_archive(project: Project, *, user) -> Iterator[bytes]:
    """The archive of `project` as ZIP chunks, for a file or an HTTP response.

    `user` is who it is made for: ID numbers they may not read in full are masked. None is the
    platform's operator exporting on the command line (a platform administrator)."""
    writer = _Writer()
    for group, section in SECTIONS:
        yield from section(project, Folder(writer, group), user=user)
    generated_at = timezone.now()
    head = yield from _audit_trail(project, writer)
    yield from writer.close(
        {
            "format": FORMAT,
            "project": project.code,
            "generated_at": generated_at,
            "groups": [{"code": g.code, "folder": g.folder, "title": g.title, "title_en": g.title_en} for g in GROUPS],
            "audit_chain": {**head, "signature": head_signature(project.code, head)},
        }
    )


def _audit_trail(project: Project, writer: _Writer):
    """The project's chain up to its head as it stands now (events written meanwhile wait for the
    next export), the platform's check of it, and its anchors; returns the head for the manifest."""
    chain = chain_of(project)
    row = AuditChainHead.objects.filter(chain=chain).first()
    head = {
        "chain": chain,
        "sequence": row.sequence if row else 0,
        "hash": row.hash if row else "",
        "legacy_sequence": row.legacy_sequence if row else 0,
    }
    yield from writer.add_stream(
        EVENTS,
        _JsonLines(
            {**event_payload(e), "prev_hash": e.prev_hash, "hash": e.hash}
            for e in AuditEvent.objects.filter(chain=chain, sequence__lte=head["sequence"])
            .order_by("sequence")
            .iterator(chunk_size=2000)
        ),
    )
    report = verify_chain(chain)
    yield from writer.add_bytes(
        f"{AUDIT_FOLDER}/verification.json",
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
    yield from writer.add_bytes(
        HEADS,
        _json_bytes(
            {
                "chain": chain,
                "head": {"sequence": row.sequence, "hash": row.hash} if row else None,
                "anchors": [anchor.as_record() for anchor in list_anchors(chain)],
            }
        ),
    )
    return head


def head_signature(project_code: str, head: dict, key: bytes | None = None) -> str:
    """The chain key's HMAC over the head the manifest names: whoever holds the key (the platform
    that exported it) can tell the head, and so every event's keyed hash, was not made up."""
    message = (
        f"archive-head\n{project_code}\n{head['chain']}\n{head['sequence']}\n{head['hash']}\n{head['legacy_sequence']}"
    )
    return hmac.new(key if key is not None else chain_key(), message.encode(), hashlib.sha256).hexdigest()


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
