"""Every state change of building materials: registering a batch and its certificates, the entry
inspection, authorising witnesses, taking samples and the witness confirming them, lab reports (a
failed one flags the batch and opens a finding on its elements), the disposition of a failed
batch, and linking batches to model elements. Each checks the actor's right first, runs in one
transaction and writes its audit event; files are stored before any row points at them."""

import datetime
import uuid
from decimal import Decimal
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bim import queries as bim_queries
from inspections import actions as inspection_actions
from plumbline.core.audit.log import record_event
from plumbline.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from plumbline.core.permissions import Role, allowed_roles
from plumbline.core.uploads import JPEG, PDF, PNG, store_upload
from projects.models import Organisation, OrganisationKind, Party, Person, Project, ProjectMembership
from projects.queries import active_membership, appointments_at, authorize, person_of, roles_in

from . import queries
from .models import (
    BATCH_MOVES,
    DISPOSITIONS,
    BatchCertificate,
    BatchElement,
    BatchStatus,
    CertificateKind,
    EntryResult,
    LabReport,
    MaterialBatch,
    Sample,
    Witness,
    WitnessAuthorisation,
)
from .sampling import get_rule, rules

FILE_TYPES = {PDF, JPEG, PNG}
GREEN_GRADES = ("一星级", "二星级", "三星级")
PRECAST = "precast"
MAX_LINKS = 20000  # elements linked in one call
WITNESS_ROLES = (Role.OWNER, Role.INSPECTOR, Role.CHIEF_INSPECTOR)


def _not_in_future(value: datetime.date, *, field: str, label: str) -> datetime.date:
    if value > timezone.localdate():
        raise InvalidInput(
            _("%(what)s %(date)s is in the future.") % {"what": label, "date": value.isoformat()}, field=field
        )
    return value


def _not_before(value: datetime.date, other: datetime.date, *, field: str, label: str, other_label: str) -> None:
    if value < other:
        raise InvalidInput(
            _("%(what)s %(date)s is before %(other)s (%(other_date)s).")
            % {"what": label, "date": value.isoformat(), "other": other_label, "other_date": other.isoformat()},
            field=field,
        )


def _text(value: str, *, field: str, label: str, required: bool = True, limit: int = 200) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("Give %(what)s.") % {"what": label}, field=field)
    if len(value) > limit:
        raise InvalidInput(_("Keep %(what)s to %(n)s characters.") % {"what": label, "n": limit}, field=field)
    return value


def _batch(project: Project, batch_id: int, *, lock: bool = False) -> MaterialBatch:
    rows = MaterialBatch.objects.select_for_update() if lock else MaterialBatch.objects
    batch = rows.filter(project=project, pk=batch_id).first()
    if batch is None:
        raise NotFound(_("No material batch %(id)s in project %(code)s.") % {"id": batch_id, "code": project.code})
    return batch


def _move(batch: MaterialBatch, verb: str) -> str:
    sources, target = BATCH_MOVES[verb]
    if batch.status not in sources:
        allowed = [v for v, (src, _t) in BATCH_MOVES.items() if batch.status in src]
        raise InvalidTransition(
            _("Batch %(number)s is %(status)s: it cannot be %(verb)s now.")
            % {"number": batch.batch_number, "status": batch.get_status_display(), "verb": verb},
            allowed=allowed,
        )
    old, batch.status = batch.status, target
    return old


def _store(stream, size, what):
    return store_upload(stream, allowed=FILE_TYPES, max_bytes=settings.MATERIAL_FILE_MAX_BYTES, what=what, size=size)


def _version(project: Project, version_id: int, *, actor):
    """A ready version of this project's models; another project's version is refused as input."""
    try:
        version = bim_queries.get_version(project, version_id, user=actor)
    except NotFound:
        raise InvalidInput(
            _("Model version %(id)s is not a version of project %(code)s.") % {"id": version_id, "code": project.code},
            field="version_id",
        ) from None
    if version.status != "ready":
        raise InvalidInput(
            _("Version %(number)s of %(model)s is not ready.")
            % {"number": version.number, "model": version.model.name},
            field="version_id",
        )
    return version


def _elements_in(version, global_ids: list[str]) -> list[str]:
    global_ids = list(dict.fromkeys(g.strip() for g in global_ids if g and g.strip()))
    known = set(version.elements.filter(global_id__in=global_ids).values_list("global_id", flat=True))
    unknown = [g for g in global_ids if g not in known]
    if unknown:
        raise InvalidInput(
            _("Not in version %(number)s of %(model)s: %(global_ids)s.")
            % {"number": version.number, "model": version.model.name, "global_ids": ", ".join(unknown[:20])},
            field="global_ids",
        )
    return global_ids


def create_material_batch(
    project: Project,
    *,
    category: str,
    product: str,
    manufacturer: str,
    batch_number: str,
    quantity: Decimal,
    unit: str,
    delivered_on: datetime.date,
    specification: str = "",
    rule_variant: str = "",
    green_label_number: str = "",
    green_label_grade: str = "",
    factory: str = "",
    produced_on: datetime.date | None = None,
    component_code: str = "",
    component_version_id: int | None = None,
    component_global_id: str = "",
    actor,
) -> MaterialBatch:
    """Register a delivered batch (a prefabricated component is a batch of one component)."""
    authorize(actor, project, "material.register")
    rule = get_rule(category)
    if rule is None:
        raise InvalidInput(
            _("%(value)s is not a material category: use one of %(choices)s.")
            % {"value": repr(category), "choices": ", ".join(rules())},
            field="category",
        )
    if rule_variant and rule_variant not in rule.per:
        raise InvalidInput(
            _("%(value)s is not a variant of %(category)s: use one of %(choices)s.")
            % {"value": repr(rule_variant), "category": rule.name, "choices": ", ".join(rule.per)},
            field="rule_variant",
        )
    fields = {
        "product": _text(product, field="product", label=_("the product")),
        "manufacturer": _text(manufacturer, field="manufacturer", label=_("the manufacturer")),
        "batch_number": _text(batch_number, field="batch_number", label=_("the batch number"), limit=100),
        "specification": _text(specification, field="specification", label=_("the specification"), required=False),
        "unit": _text(unit or rule.unit, field="unit", label=_("the unit"), limit=10),
    }
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise InvalidInput(_("The quantity must be above zero."), field="quantity")
    _not_in_future(delivered_on, field="delivered_on", label=_("The delivery date"))
    green_label_grade = (green_label_grade or "").strip()
    green_label_number = (green_label_number or "").strip()
    if green_label_grade and green_label_grade not in GREEN_GRADES:
        raise InvalidInput(
            _("%(value)s is not a green building material label grade: use one of %(choices)s.")
            % {"value": repr(green_label_grade), "choices": "、".join(GREEN_GRADES)},
            field="green_label_grade",
        )
    if bool(green_label_grade) != bool(green_label_number):
        raise InvalidInput(
            _("A green building material label needs both its certificate number and its grade."),
            field="green_label_number",
        )
    version = None
    if category == PRECAST:
        if quantity != 1:
            raise InvalidInput(_("A prefabricated component is a batch of one component."), field="quantity")
        fields["factory"] = _text(factory, field="factory", label=_("the factory"))
        fields["component_code"] = _text(
            component_code, field="component_code", label=_("the component code"), limit=100
        )
        if produced_on is None:
            raise InvalidInput(_("Give the component's production date."), field="produced_on")
        _not_in_future(produced_on, field="produced_on", label=_("The production date"))
        _not_before(
            delivered_on,
            produced_on,
            field="delivered_on",
            label=_("The delivery date"),
            other_label=_("its production"),
        )
        if component_global_id:
            if component_version_id is None:
                raise InvalidInput(
                    _("Name the model version the component's element is in."), field="component_version_id"
                )
            version = _version(project, component_version_id, actor=actor)
            component_global_id = _elements_in(version, [component_global_id])[0]
    elif factory or produced_on or component_code or component_global_id:
        raise InvalidInput(
            _("Factory, production date and component are recorded on prefabricated components only."),
            field="category",
        )
    try:
        with transaction.atomic():
            batch = MaterialBatch.objects.create(
                project=project,
                category=category,
                rule_variant=rule_variant or "",
                quantity=quantity,
                delivered_on=delivered_on,
                green_label_number=green_label_number,
                green_label_grade=green_label_grade,
                produced_on=produced_on,
                component_version=version,
                component_global_id=component_global_id or "",
                created_by=actor,
                **fields,
            )
            if version is not None:
                BatchElement.objects.create(
                    batch=batch, version=version, global_id=component_global_id, linked_by=actor
                )
            record_event(
                "material_batch.created",
                actor=actor,
                project=project,
                target=batch,
                changes={
                    "category": [None, category],
                    "product": [None, batch.product],
                    "batch_number": [None, batch.batch_number],
                    "quantity": [None, f"{quantity} {batch.unit}"],
                    "delivered_on": [None, delivered_on],
                },
            )
    except IntegrityError:
        raise Conflict(
            _("Batch %(number)s of %(manufacturer)s is already registered.")
            % {"number": fields["batch_number"], "manufacturer": fields["manufacturer"]},
            code="batch_exists",
        ) from None
    return batch


def add_batch_certificate(
    project: Project,
    *,
    batch_id: int,
    kind: str,
    number: str = "",
    stream: BinaryIO,
    size: int | None = None,
    original_name: str = "",
    actor,
) -> BatchCertificate:
    authorize(actor, project, "material.register")
    batch = _batch(project, batch_id)
    if kind not in CertificateKind.values:
        raise InvalidInput(
            _("%(value)s is not a kind of certificate: use one of %(choices)s.")
            % {"value": repr(kind), "choices": ", ".join(CertificateKind.values)},
            field="kind",
        )
    number = _text(number, field="number", label=_("the certificate number"), required=False, limit=100)
    stored = _store(stream, size, _("The certificate"))
    with transaction.atomic():
        existing = BatchCertificate.objects.filter(batch=batch, sha256=stored.sha256).first()
        if existing is not None:
            return existing
        certificate = BatchCertificate(batch=batch, kind=kind, number=number)
        certificate.set_stored(stored, original_name=original_name, uploaded_by=actor)
        certificate.save()
        record_event(
            "material_batch.certificate_added",
            actor=actor,
            project=project,
            target=certificate,
            changes={"batch": [None, batch.pk], "kind": [None, kind], "sha256": [None, stored.sha256]},
        )
    return certificate


def inspect_material_batch(
    project: Project, *, batch_id: int, result: str, inspected_on: datetime.date, note: str = "", actor
) -> MaterialBatch:
    """The contractor's entry inspection (进场检验): accepted, or rejected and returned."""
    authorize(actor, project, "material.inspect")
    if result not in EntryResult.values:
        raise InvalidInput(_("The entry inspection is accepted or rejected."), field="result")
    note = (note or "").strip()
    if result == EntryResult.REJECTED and not note:
        raise InvalidInput(_("Say why the batch is rejected."), field="note")
    _not_in_future(inspected_on, field="inspected_on", label=_("The inspection date"))
    with transaction.atomic():
        batch = _batch(project, batch_id, lock=True)
        _not_before(
            inspected_on,
            batch.delivered_on,
            field="inspected_on",
            label=_("The inspection date"),
            other_label=_("the delivery"),
        )
        if result == EntryResult.ACCEPTED and not batch.certificates.exists():
            raise Conflict(_("File the batch's certificate before accepting it on entry."), code="certificate_missing")
        old = _move(batch, "accept" if result == EntryResult.ACCEPTED else "reject")
        batch.entry_result, batch.entry_note, batch.entry_inspected_on = result, note, inspected_on
        batch.entry_inspected_by = actor
        batch.save(update_fields=["status", "entry_result", "entry_note", "entry_inspected_on", "entry_inspected_by"])
        record_event(
            "material_batch.inspected",
            actor=actor,
            project=project,
            target=batch,
            changes={"status": [old, batch.status], "entry_result": [None, result], "note": [None, note]},
        )
    return batch


def authorise_witnesses(
    project: Project,
    *,
    witnesses: list[dict],
    signed_on: datetime.date,
    stream: BinaryIO,
    size: int | None = None,
    original_name: str = "",
    actor,
) -> WitnessAuthorisation:
    """The owner or the supervisor names 1-2 witnesses in a signed letter (见证人授权书)."""
    roles = authorize(actor, project, "material.authorise")
    party = Party.OWNER if Role.OWNER in roles else Party.SUPERVISOR
    if not 1 <= len(witnesses or []) <= 2:
        raise InvalidInput(_("Name one or two witnesses."), field="witnesses")
    _not_in_future(signed_on, field="signed_on", label=_("The signing date"))
    # the witness stands for the owner or the supervisor: never the contractor whose samples they watch
    members = set(
        ProjectMembership.objects.filter(active_membership(), project=project, role__in=WITNESS_ROLES).values_list(
            "person_id", flat=True
        )
    )
    named = []
    for item in witnesses:
        person = Person.objects.filter(pk=item.get("person_id")).first()
        if person is None or person.pk not in members:
            raise InvalidInput(
                _("Person %(id)s is not owner or supervisor staff on project %(code)s.")
                % {"id": item.get("person_id"), "code": project.code},
                field="witnesses",
            )
        number = _text(
            item.get("certificate_number", ""),
            field="witnesses",
            label=_("the witness's certificate number"),
            limit=100,
        )
        named.append((person, number))
    if len({p.pk for p, _n in named}) != len(named):
        raise InvalidInput(_("Name each witness once."), field="witnesses")
    stored = _store(stream, size, _("The authorisation letter"))
    with transaction.atomic():
        letter = WitnessAuthorisation(project=project, authorised_by_party=party, signed_on=signed_on)
        letter.set_stored(stored, original_name=original_name, uploaded_by=actor)
        letter.save()
        for person, number in named:
            Witness.objects.create(authorisation=letter, person=person, certificate_number=number)
        record_event(
            "witness.authorised",
            actor=actor,
            project=project,
            target=letter,
            changes={
                "party": [None, party],
                "witnesses": [None, [{"name": p.name, "certificate_number": n} for p, n in named]],
                "signed_on": [None, signed_on],
                "sha256": [None, stored.sha256],
            },
        )
    return letter


def record_sample(
    project: Project,
    *,
    batch_id: int,
    code: str,
    taken_on: datetime.date,
    samplers: list[dict],
    lab_id: int,
    tests: list[str] | None = None,
    witness_person_id: int | None = None,
    specimens: int | None = None,
    is_retest: bool = False,
    actor,
) -> Sample:
    """Specimens taken by the contractor's samplers (at least two), in front of an authorised
    witness when there is one, for a testing lab; a retest takes the rule's multiple of specimens."""
    authorize(actor, project, "material.sample")
    code = _text(code, field="code", label=_("the sample code"), limit=100)
    _not_in_future(taken_on, field="taken_on", label=_("The sampling date"))
    cleaned = []
    for sampler in samplers or []:
        name = (sampler.get("name") or "").strip()
        number = (sampler.get("certificate_number") or "").strip()
        if not name or not number:
            raise InvalidInput(_("Each sampler needs a name and a certificate number."), field="samplers")
        cleaned.append({"name": name[:100], "certificate_number": number[:100]})
    if len(cleaned) < 2:
        raise InvalidInput(_("Samples are taken by at least two certified samplers."), field="samplers")
    lab = Organisation.objects.filter(pk=lab_id).first()
    if lab is None or lab.kind != OrganisationKind.TESTING_LAB:
        raise InvalidInput(_("Organisation %(id)s is not a testing lab.") % {"id": lab_id}, field="lab_id")
    witness = None
    if witness_person_id is not None:
        authorised = queries.witnesses_on(project, taken_on)
        if witness_person_id not in authorised:
            raise InvalidInput(
                _("Person %(id)s is not authorised in writing as a witness on %(date)s.")
                % {"id": witness_person_id, "date": taken_on.isoformat()},
                field="witness_person_id",
            )
        witness = authorised[witness_person_id].person
    with transaction.atomic():
        batch = _batch(project, batch_id, lock=True)
        rule = get_rule(batch.category)
        _not_before(
            taken_on, batch.delivered_on, field="taken_on", label=_("The sampling date"), other_label=_("the delivery")
        )
        if is_retest and batch.status != BatchStatus.FAILED:
            raise Conflict(_("Only a batch that failed a test is retested."), code="not_failed")
        if not is_retest and batch.status not in (BatchStatus.ACCEPTED, BatchStatus.RETEST_PASSED):
            raise Conflict(
                _("Batch %(number)s is %(status)s: samples are taken of batches accepted on entry.")
                % {"number": batch.batch_number, "status": batch.get_status_display()},
                code="batch_not_accepted",
            )
        asked = list(dict.fromkeys(tests or (rule.tests if rule else ())))
        unknown = [t for t in asked if rule and rule.tests and t not in rule.tests]
        if unknown or not asked:
            raise InvalidInput(
                _("Ask the lab for tests of %(category)s: %(choices)s.")
                % {"category": rule.name if rule else batch.category, "choices": ", ".join(rule.tests if rule else ())},
                field="tests",
            )
        base = rule.specimens_for(batch.quantity) if rule else 1
        needed = base * (rule.retest_factor if (rule and is_retest) else 1)
        specimens = needed if specimens is None else specimens
        if specimens < needed:
            raise InvalidInput(_("This sample needs at least %(n)s specimens.") % {"n": needed}, field="specimens")
        if Sample.objects.filter(batch__project=project, code=code).exists():
            raise Conflict(
                _("Sample code %(code)s is already used in this project.") % {"code": code}, code="sample_exists"
            )
        sample = Sample.objects.create(
            batch=batch,
            code=code,
            taken_on=taken_on,
            samplers=cleaned,
            witness=witness,
            lab=lab,
            tests=asked,
            specimens=specimens,
            is_retest=is_retest,
            recorded_by=actor,
        )
        record_event(
            "sample.recorded",
            actor=actor,
            project=project,
            target=sample,
            changes={
                "batch": [None, batch.pk],
                "code": [None, code],
                "taken_on": [None, taken_on],
                "witness": [None, witness.name if witness else None],
                "lab": [None, lab.name],
                "tests": [None, asked],
                "is_retest": [None, is_retest],
            },
        )
    return sample


def witness_sample(project: Project, *, batch_id: int, sample_id: int, actor) -> Sample:
    """The named witness confirms on the tablet that they saw the sample taken and sealed it."""
    authorize(actor, project, "material.witness")
    with transaction.atomic():
        sample = Sample.objects.select_for_update().filter(pk=sample_id, batch__project=project).first()
        if sample is None or sample.batch_id != batch_id:
            raise NotFound(_("No sample %(id)s in this batch.") % {"id": sample_id})
        me = person_of(actor)
        if sample.witness_id is None or me is None or me.pk != sample.witness_id:
            raise Conflict(_("Only the witness named on the sample confirms it."), code="not_the_witness")
        if sample.witness_confirmed_at is not None:
            return sample
        sample.witness_confirmed_at = timezone.now()
        sample.save(update_fields=["witness_confirmed_at"])
        record_event(
            "sample.witnessed",
            actor=actor,
            project=project,
            target=sample,
            changes={"witness_confirmed_at": [None, sample.witness_confirmed_at.isoformat()]},
        )
    return sample


def record_lab_report(
    project: Project,
    *,
    batch_id: int,
    sample_id: int,
    report_number: str,
    issued_on: datetime.date,
    results: list[dict],
    stream: BinaryIO,
    size: int | None = None,
    original_name: str = "",
    actor,
) -> LabReport:
    """A lab's report on a sample: a failed test fails the batch, flags its elements and opens a
    finding for the contractor on them (one per failure)."""
    authorize(actor, project, "material.report")
    batch = _batch(project, batch_id)
    sample = Sample.objects.filter(pk=sample_id, batch__project=project).select_related("batch").first()
    if sample is None:
        raise InvalidInput(
            _("No sample %(id)s in project %(code)s.") % {"id": sample_id, "code": project.code}, field="sample_id"
        )
    if sample.batch_id != batch.pk:
        raise InvalidInput(
            _("Sample %(sample)s is of batch %(other)s, not of batch %(batch)s.")
            % {"sample": sample.code, "other": sample.batch.batch_number, "batch": batch.batch_number},
            field="sample_id",
        )
    report_number = _text(report_number, field="report_number", label=_("the report number"), limit=100)
    _not_in_future(issued_on, field="issued_on", label=_("The report date"))
    _not_before(
        issued_on, sample.taken_on, field="issued_on", label=_("The report date"), other_label=_("the sampling")
    )
    cleaned = _results(sample, results)
    stored = _store(stream, size, _("The lab report"))
    is_passed = all(r["passed"] for r in cleaned)
    with transaction.atomic():
        batch = _batch(project, batch_id, lock=True)
        if LabReport.objects.filter(sample=sample).exists():
            raise Conflict(_("Sample %(code)s already has its report.") % {"code": sample.code}, code="report_exists")
        report = LabReport(
            sample=sample, report_number=report_number, issued_on=issued_on, results=cleaned, is_passed=is_passed
        )
        report.set_stored(stored, original_name=original_name, uploaded_by=actor)
        report.save()
        changes = {
            "sample": [None, sample.code],
            "report_number": [None, report_number],
            "is_passed": [None, is_passed],
            "failed_tests": [None, [r["test"] for r in cleaned if not r["passed"]]],
        }
        if not is_passed:
            old = _move(batch, "fail")
            batch.failures += 1
            batch.save(update_fields=["status", "failures"])
            changes["status"] = [old, batch.status]
        record_event("lab_report.recorded", actor=actor, project=project, target=report, changes=changes)
        if not is_passed:
            _open_failure_finding(project, batch, actor=actor)
    return report


def _results(sample: Sample, results: list[dict]) -> list[dict]:
    """One result per test asked: measured value, unit, requirement and pass / fail."""
    by_test = {}
    for item in results or []:
        test = (item.get("test") or "").strip()
        if test not in sample.tests:
            raise InvalidInput(
                _("%(test)s was not asked of sample %(code)s (asked: %(asked)s).")
                % {"test": repr(test), "code": sample.code, "asked": ", ".join(sample.tests)},
                field="results",
            )
        if not isinstance(item.get("passed"), bool):
            raise InvalidInput(_("Say whether %(test)s passed.") % {"test": test}, field="results")
        by_test[test] = {
            "test": test,
            "value": str(item.get("value", ""))[:50],
            "unit": str(item.get("unit", ""))[:20],
            "requirement": str(item.get("requirement", ""))[:100],
            "passed": item["passed"],
        }
    missing = [t for t in sample.tests if t not in by_test]
    if missing:
        raise InvalidInput(
            _("The report lacks the results of %(tests)s.") % {"tests": ", ".join(missing)}, field="results"
        )
    return [by_test[t] for t in sample.tests]


def _failure_uuid(batch: MaterialBatch) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"plumbline:material-batch:{batch.pk}:failure:{batch.failures}")


def _open_failure_finding(project: Project, batch: MaterialBatch, *, actor) -> None:
    """The finding for the contractor on the elements of a failed batch: one per failure (its
    UUID is the batch's and the failure's), opened when the batch has elements and the actor may
    open findings (an inspector recording the report or linking the elements)."""
    if batch.status != BatchStatus.FAILED or not (roles_in(actor, project) & allowed_roles("finding.open")):
        return
    link = batch.elements.select_related("version").order_by("-version__model_id", "-version__number").first()
    if link is None:
        return
    global_ids = list(batch.elements.filter(version=link.version).values_list("global_id", flat=True))
    failed = [
        f"{s.code}: {s.report.report_number}"
        for s in batch.samples.select_related("report").filter(report__is_passed=False)
    ]
    finding, _created = inspection_actions.open_finding(
        project,
        client_uuid=_failure_uuid(batch),
        category="structure",
        severity="major",
        title=_("Material failed its test: %(batch)s") % {"batch": queries.batch_label(batch)},
        description=_(
            "Failed lab reports: %(reports)s. Retest or return the batch and check the elements it went into."
        )
        % {"reports": "; ".join(failed)},
        version_id=link.version_id,
        global_ids=global_ids,
        responsible_party=Party.CONTRACTOR,
        actor=actor,
    )
    if batch.failure_finding_id != finding.pk:
        batch.failure_finding = finding
        batch.save(update_fields=["failure_finding"])


def record_batch_disposition(
    project: Project,
    *,
    batch_id: int,
    disposition: str,
    decided_on: datetime.date,
    note: str = "",
    approved_by_person_id: int | None = None,
    actor,
) -> MaterialBatch:
    """What became of a failed batch: returned, passed its retest on the rule's multiple of
    specimens, or an engineering treatment approved by the design project leader of that day."""
    authorize(actor, project, "material.dispose")
    if disposition not in DISPOSITIONS:
        raise InvalidInput(
            _("%(value)s is not a disposition: use returned, retest_passed or engineering_treatment.")
            % {"value": repr(disposition)},
            field="disposition",
        )
    _not_in_future(decided_on, field="decided_on", label=_("The decision date"))
    note = (note or "").strip()
    if disposition != "retest_passed" and not note:
        raise InvalidInput(_("Describe the disposition."), field="note")
    approver = None
    if disposition == "engineering_treatment":
        designer = appointments_at(project, decided_on)[Party.DESIGNER]
        if approved_by_person_id is None or designer is None or designer.leader_id != approved_by_person_id:
            raise InvalidInput(
                _("An engineering treatment is approved by the design project leader on %(date)s%(who)s.")
                % {
                    "date": decided_on.isoformat(),
                    "who": _(" (%(name)s)") % {"name": designer.leader.name} if designer else "",
                },
                field="approved_by_person_id",
                code="signer_not_in_role",
            )
        approver = designer.leader
    with transaction.atomic():
        batch = _batch(project, batch_id, lock=True)
        if batch.status == BatchStatus.FAILED and disposition == "retest_passed":
            _check_retest(batch)
        old = _move(batch, disposition)
        batch.disposition_note, batch.disposition_on, batch.treatment_approved_by = note, decided_on, approver
        batch.save(update_fields=["status", "disposition_note", "disposition_on", "treatment_approved_by"])
        record_event(
            "material_batch.disposed",
            actor=actor,
            project=project,
            target=batch,
            changes={
                "status": [old, batch.status],
                "disposition": [None, disposition],
                "note": [None, note],
                "approved_by": [None, approver.name if approver else None],
            },
        )
        if batch.failure_finding_id is not None and roles_in(actor, project) & allowed_roles("finding.verify"):
            _settle_failure_finding(project, batch, disposition, actor=actor)
    return batch


def _settle_failure_finding(project: Project, batch: MaterialBatch, disposition: str, *, actor) -> None:
    """A passed retest shows the material was sound: the failure's finding closes. A return or a
    treatment is written on the finding, which stays open: the elements the batch went into still
    need their rectification (removal, the approved treatment) and the inspector's verification."""
    notes = {
        "retest_passed": _("Closed: the batch %(batch)s passed its retest on double the specimens."),
        "returned": _("The batch %(batch)s was returned (%(note)s); rectify the elements it went into."),
        "engineering_treatment": _(
            "An engineering treatment of the batch %(batch)s was approved by %(who)s (%(note)s); carry it out on "
            "the elements it went into."
        ),
    }
    approver = batch.treatment_approved_by
    note = notes[disposition] % {
        "batch": queries.batch_label(batch),
        "note": batch.disposition_note,
        "who": approver.name if approver else "",
    }
    inspection_actions.record_settlement(
        project,
        finding_id=batch.failure_finding_id,
        note=note,
        closes=disposition == "retest_passed",
        actor=actor,
    )


def _check_retest(batch: MaterialBatch) -> None:
    retests = list(batch.samples.filter(is_retest=True).select_related("report"))
    reports = [queries.report_of(s) for s in retests]
    if any(r is not None and not r.is_passed for r in reports):
        raise Conflict(
            _("The retest failed too: the batch is rejected; return it or have a treatment approved."),
            code="retest_failed",
        )
    if not retests or any(r is None for r in reports):
        raise Conflict(
            _("Record the retest's lab report (on double the specimens) before recording that it passed."),
            code="retest_missing",
        )


def link_batch_elements(
    project: Project,
    *,
    batch_id: int,
    version_id: int,
    global_ids: list[str] | None = None,
    rule: dict | None = None,
    actor,
) -> dict:
    """Link a batch to the elements it went into: by GlobalId, or by a rule (IFC class and a
    material name or a property value, on a storey). Linking twice adds nothing."""
    authorize(actor, project, "material.link")
    version = _version(project, version_id, actor=actor)
    if bool(global_ids) == bool(rule):
        raise InvalidInput(_("Give either GlobalIds or a rule."), field="global_ids")
    chosen = _elements_in(version, global_ids) if global_ids else _by_rule(version, rule)
    if len(chosen) > MAX_LINKS:
        raise InvalidInput(_("Link at most %(n)s elements at a time.") % {"n": MAX_LINKS}, field="global_ids")
    with transaction.atomic():
        batch = _batch(project, batch_id, lock=True)
        if batch.entry_result == EntryResult.REJECTED:
            raise Conflict(
                _("Batch %(number)s was turned away on entry.") % {"number": batch.batch_number}, code="batch_returned"
            )
        have = set(batch.elements.filter(version=version).values_list("global_id", flat=True))
        new = [g for g in chosen if g not in have]
        BatchElement.objects.bulk_create(
            [BatchElement(batch=batch, version=version, global_id=g, rule=rule or None, linked_by=actor) for g in new]
        )
        if new:
            record_event(
                "material_batch.linked",
                actor=actor,
                project=project,
                target=batch,
                changes={"version": [None, version.pk], "global_ids": [None, new], "rule": [None, rule]},
            )
        if new and batch.status == BatchStatus.FAILED and batch.failure_finding_id is None:
            _open_failure_finding(project, batch, actor=actor)
    return {"batch_id": batch.pk, "version_id": version.pk, "linked": len(new), "total": batch.elements.count()}


def _by_rule(version, rule: dict) -> list[str]:
    ifc_class = (rule.get("ifc_class") or "").strip()
    if not ifc_class:
        raise InvalidInput(_("A rule names an IFC class."), field="rule.ifc_class")
    material = (rule.get("material") or "").strip() or None
    pset, prop = (rule.get("pset") or "").strip() or None, (rule.get("prop") or "").strip() or None
    if material is None and prop is None:
        raise InvalidInput(_("A rule names a material or a property value."), field="rule.material")
    storey = (rule.get("storey") or "").strip() or None
    ids = list(
        bim_queries.list_elements(
            version,
            ifc_class=ifc_class,
            storey=storey,
            material=material,
            pset=pset,
            prop=prop,
            value=rule.get("value"),
        ).values_list("global_id", flat=True)
    )
    if not ids:
        raise InvalidInput(_("The rule matches no element of this version."), field="rule")
    return ids
