"""A claim's subrogation evidence pack: what the insurer needs to recover from the party whose
work caused a defect (DOMAIN.md s11), as one ZIP in the quality archive's manifest format, so
`plumbline archive verify` checks it file by file and event by event.

  claim.json      the claim, its cover and reasons, its steps, the policy and the unit
  photos/         the claim's photos (the defect, the repair)
  elements.json   each element concerned, in every version of its model (followed by GlobalId
                  and accepted remaps), with what changed
  findings.json   the findings on those elements, with their steps
  lots.json       their inspection lots and acceptance records: who signed in which capacity on
                  which date, and the contractor's project manager on the lot's date
  materials.json  the material batches linked to them with their samples and lab reports;
  materials/      the lab reports' files
  leaders.json    who held each party role, with their leader, on every date that work was done
                  (model versions, findings, lots)
  audit/          the project's audit trail and its head, as in the archive
"""

import datetime
from collections.abc import Iterator
from contextlib import suppress

from django.utils import timezone

from acceptance import queries as acceptance_queries
from acceptance.materials import queries as material_queries
from bim import queries as bim_queries
from inspections.models import Finding
from insurance import queries as insurance_queries
from projects import queries as project_queries
from projects.models import LEADER_TITLE, Party, Project
from storage import get_storage

from .export import _audit_trail, _extension, _json_bytes, _person, _Writer, head_signature

FORMAT = "plumbline-claim-evidence/1"


def _lot_day(lot: dict) -> datetime.date | None:
    """The date of a lot's work: its acceptance, else its last signature."""
    if lot["accepted_on"] is not None:
        return lot["accepted_on"]
    return max((s["signed_on"] for s in lot["signatures"]), default=None)


def lots_on(project: Project, global_ids: list[str], *, user) -> list[dict]:
    """The lots covering the elements (acceptance.queries.lots_covering: code, status,
    signatures with person, capacity and date), each with the contractor's project manager who
    held the role on the lot's date."""
    lots = []
    for lot in acceptance_queries.lots_covering(project, set(global_ids)):
        day = _lot_day(lot)
        held = project_queries.appointments_at(project, day).get(Party.CONTRACTOR) if day else None
        lots.append(
            {
                **lot,
                "contractor_project_manager": {
                    "date": day,
                    "organisation": held.organisation.name,
                    "leader": _person(held.leader, user),
                }
                if held is not None
                else None,
            }
        )
    return lots


def _batch_record(batch, reports: dict[int, str]) -> dict:
    samples = []
    for sample in batch.samples.all():
        report = material_queries.report_of(sample)
        samples.append(
            {
                "code": sample.code,
                "taken_on": sample.taken_on,
                "witness": sample.witness.name if sample.witness else None,
                "lab": sample.lab.name,
                "tests": sample.tests,
                "specimens": sample.specimens,
                "is_retest": sample.is_retest,
                "report": {
                    "report_number": report.report_number,
                    "issued_on": report.issued_on,
                    "results": report.results,
                    "is_passed": report.is_passed,
                    "file": reports[report.pk],
                }
                if report is not None
                else None,
            }
        )
    return {
        "id": batch.pk,
        "category": batch.category,
        "category_name": material_queries.category_name(batch.category),
        "product": batch.product,
        "specification": batch.specification,
        "manufacturer": batch.manufacturer,
        "batch_number": batch.batch_number,
        "quantity": batch.quantity,
        "unit": batch.unit,
        "delivered_on": batch.delivered_on,
        "status": batch.status,
        "entry_inspection": {"result": batch.entry_result, "on": batch.entry_inspected_on},
        "disposition": {"note": batch.disposition_note, "on": batch.disposition_on} if batch.disposition_on else None,
        "certificates": [{"kind": c.kind, "number": c.number} for c in batch.certificates.all()],
        "samples": samples,
    }


def _dates_in(value) -> set[datetime.date]:
    """Every date a record names (inspection, signing, acceptance): the days its work was done."""
    found: set[datetime.date] = set()
    if isinstance(value, datetime.datetime):
        found.add(timezone.localtime(value).date() if timezone.is_aware(value) else value.date())
    elif isinstance(value, datetime.date):
        found.add(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ("created_at", "updated_at"):
                found |= _dates_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found |= _dates_in(item)
    elif isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        with suppress(ValueError):
            found.add(datetime.date.fromisoformat(value[:10]))
    return found


def findings_on(project: Project, global_ids: list[str]) -> list[dict]:
    aliases = set()
    for global_id in global_ids:
        aliases |= bim_queries.global_id_aliases(project, global_id)
    findings = [
        f
        for f in Finding.objects.filter(project=project)
        .select_related("responsible_appointment__leader", "created_by__person")
        .prefetch_related("steps")
        .order_by("created_at")
        if aliases & set(f.global_ids or [])
    ]
    return [
        {
            "id": f.pk,
            "title": f.title,
            "category": f.category,
            "severity": f.severity,
            "status": f.status,
            "global_ids": f.global_ids,
            "observed_at": f.observed_at,
            "created_at": f.created_at,
            "responsible_party": f.responsible_party,
            "responsible_leader": f.responsible_appointment.leader.name if f.responsible_appointment else None,
            "steps": [{"kind": s.kind, "note": s.note, "at": s.created_at} for s in f.steps.all()],
        }
        for f in findings
    ]


def leaders_on(project: Project, days: dict[datetime.date, set[str]], *, user) -> list[dict]:
    """For each day work was done (and what was done), who held each of the five party roles
    and who led it for them."""
    out = []
    for day in sorted(days):
        held = project_queries.appointments_at(project, day)
        out.append(
            {
                "date": day,
                "work": sorted(days[day]),
                "parties": {
                    party: (
                        {
                            "organisation": a.organisation.name,
                            "credit_code": a.organisation.credit_code,
                            "title": str(LEADER_TITLE[Party(party)]),
                            "leader": _person(a.leader, user),
                            "appointed": [a.start_date, a.end_date],
                        }
                        if a is not None
                        else None
                    )
                    for party, a in held.items()
                },
            }
        )
    return out


def stream_claim_evidence(project: Project, claim_id: int, *, user) -> Iterator[bytes]:
    """The pack of one claim as ZIP chunks; `user` None is the operator on the command line."""
    claim = insurance_queries.claims_for_evidence(project, claim_id, user=user)
    writer = _Writer()
    photos = []
    for photo in claim.photos.all():
        name = f"photos/{photo.stage}-{photo.sha256[:12]}.{_extension(photo.content_type)}"
        with get_storage().open(photo.file_key) as handle:
            yield from writer.add_stream(name, handle)
        photos.append({"file": name, "sha256": photo.sha256, "stage": photo.stage, "uploaded_at": photo.uploaded_at})
    policy = claim.policy
    yield from writer.add_bytes(
        "claim.json",
        _json_bytes(
            {
                "id": claim.pk,
                "status": claim.status,
                "unit": claim.unit.number if claim.unit else None,
                "building": claim.unit.building.name if claim.unit else None,
                "category": claim.category,
                "category_inferred_from": claim.category_inferred_from,
                "description": claim.description,
                "found_on": claim.found_on,
                "filed_at": claim.filed_at,
                "global_ids": claim.global_ids,
                "version": claim.version.number if claim.version else None,
                "cover": claim.cover_read,
                "decision_reasons": claim.decision_reasons,
                "repair": {
                    "party": claim.repair_party,
                    "organisation": claim.repair_appointment.organisation.name if claim.repair_appointment else None,
                    "leader": claim.repair_appointment.leader.name if claim.repair_appointment else None,
                },
                "steps": [
                    {"kind": s.kind, "status": s.status, "note": s.note, "at": s.created_at} for s in claim.steps.all()
                ],
                "photos": photos,
                "policy": {
                    "number": policy.number,
                    "insurer": policy.insurer.name,
                    "tis": policy.tis.name,
                    "insured": policy.insured.name,
                    "cover_years": policy.cover_years,
                    "waiting_period_years": policy.waiting_period_years,
                    "exclusions": policy.exclusions,
                },
            }
        ),
    )
    history = insurance_queries.element_history(project, claim)
    yield from writer.add_bytes("elements.json", _json_bytes(history))
    findings = findings_on(project, claim.global_ids)
    yield from writer.add_bytes("findings.json", _json_bytes(findings))
    lots = lots_on(project, claim.global_ids, user=user)
    yield from writer.add_bytes("lots.json", _json_bytes(lots))
    linked = list(
        material_queries.batches_linked_to(project, claim.global_ids)
        .prefetch_related("samples__report", "samples__witness", "samples__lab", "certificates")
        .order_by("pk")
    )
    reports: dict[int, str] = {}
    for batch in linked:
        for sample in batch.samples.all():
            report = material_queries.report_of(sample)
            if report is not None:
                name = f"materials/{batch.pk}-report-{report.report_number}-{report.sha256[:12]}.{_extension(report.content_type)}"
                with get_storage().open(report.file_key) as handle:
                    yield from writer.add_stream(name, handle)
                reports[report.pk] = name
    batches = [_batch_record(batch, reports) for batch in linked]
    yield from writer.add_bytes("materials.json", _json_bytes(batches))
    # the days the work was done: lots inspected and signed, findings seen, versions modelled
    days: dict[datetime.date, set[str]] = {}
    for lot in lots:
        for day in _dates_in(lot):
            days.setdefault(day, set()).add(f"inspection lot {lot['code']}")
    for batch in batches:
        for day in _dates_in(batch):
            days.setdefault(day, set()).add(f"material batch {batch['batch_number']}")
    for f in findings:
        days.setdefault(timezone.localtime(f["observed_at"] or f["created_at"]).date(), set()).add(
            f"finding #{f['id']}"
        )
    for item in history:
        for row in item["versions"]:
            if row["present"]:
                day = timezone.localtime(row["uploaded_at"]).date()
                days.setdefault(day, set()).add(f"model version {row['version']} ({row['name']})")
    yield from writer.add_bytes("leaders.json", _json_bytes(leaders_on(project, days, user=user)))
    generated_at = timezone.now()
    head = yield from _audit_trail(project, writer)
    yield from writer.close(
        {
            "format": FORMAT,
            "project": project.code,
            "claim": claim.pk,
            "generated_at": generated_at,
            "audit_chain": {**head, "signature": head_signature(project.code, head)},
        }
    )
