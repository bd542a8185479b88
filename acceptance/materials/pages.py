"""Tablet pages for building materials: the project's batches with the witness report, and a
batch's page with its certificates, samples, lab reports and elements, where the contractor
records a sample on site and the named witness confirms it. They call the same actions and
queries as the API."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from bim import queries as bim_queries
from plumbline.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from plumbline.core.forms import FormState, new_form, submit
from plumbline.core.permissions import allowed_roles
from projects.dates import parse_iso_date
from projects.queries import get_project, list_organisations, person_of, roles_in
from storage import get_storage

from . import actions, queries
from .models import BatchStatus, CertificateKind
from .sampling import get_rule, name_of_test, rules

PLANS = 3  # storey plans drawn on a batch's page at most
HIGHLIGHTED = 500  # elements marked on them at most

# status -> colour class on the tablet
STATUS_TONE = {
    BatchStatus.DELIVERED: "pending",
    BatchStatus.ACCEPTED: "ok",
    BatchStatus.FAILED: "bad",
    BatchStatus.RETURNED: "gone",
    BatchStatus.RETEST_PASSED: "ok",
    BatchStatus.TREATED: "ok",
}


def _project(request, code):
    try:
        return get_project(code, user=request.user, action="material.view")
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None


def _may(request, project, action) -> bool:
    return bool(roles_in(request.user, project) & allowed_roles(action))


def _batch(request, project, batch_id):
    try:
        return queries.get_batch(project, batch_id, user=request.user)
    except NotFound:
        raise Http404 from None


def _plans(batch) -> tuple[list[dict], str]:
    """The storey plans of the newest version the batch is linked in, and the CSS marking its
    elements on them (GlobalIds are [0-9A-Za-z_$], safe inside a quoted attribute selector)."""
    link = batch.elements.select_related("version").order_by("-version__finished_at", "-version_id").first()
    if link is None:
        return [], ""
    ids = list(batch.elements.filter(version=link.version).values_list("global_id", flat=True)[:HIGHLIGHTED])
    storeys = {}
    for element in link.version.elements.filter(global_id__in=ids).select_related("storey"):
        if element.storey is not None:
            storeys.setdefault(element.storey.pk, element.storey)
    plans = [
        {"storey": storey.name, "svg": mark_safe(bim_queries.storey_plan_svg(storey))}  # escaped by bim.ifc.plan
        for storey in sorted(storeys.values(), key=lambda s: (s.elevation or 0, s.name))[:PLANS]
    ]
    css = ",".join(f'.plan [data-global-id="{g}"]' for g in ids if g.replace("_", "").replace("$", "").isalnum())
    return plans, mark_safe(css)  # GlobalIds checked above: no quote or markup can get in


@login_required
@require_GET
def materials_page(request, code: str):
    return _materials(request, _project(request, code), new_form({"delivered_on": timezone.localdate().isoformat()}))


def _materials(request, project, form: FormState):
    batches = list(queries.list_batches(project, user=request.user))
    rows = [
        {
            "batch": b,
            "state": queries.sampling_state(b),
            "tone": STATUS_TONE.get(b.status, ""),
            "name": queries.category_name(b.category),
        }
        for b in batches
    ]
    return render(
        request,
        "materials/batches.html",
        {
            "project": project,
            "rows": rows,
            "witness_report": queries.witness_report(project),
            "form": form,
            "may_register": _may(request, project, "material.register"),
            "categories": [(key, rule.name) for key, rule in rules().items()],
            "today": timezone.localdate().isoformat(),
        },
        status=form.status,
    )


@login_required
@require_GET
def batch_page(request, code: str, batch_id: int):
    project = _project(request, code)
    return _batch_view(request, project, _batch(request, project, batch_id), new_form())


def _batch_view(request, project, batch, form: FormState, form_name: str = "", form_sample: int | None = None):
    storage = get_storage()
    me = person_of(request.user)
    samples = []
    for sample in batch.samples.all():
        report = queries.report_of(sample)
        samples.append(
            {
                "sample": sample,
                "tests": [name_of_test(t) for t in sample.tests],
                "report": report,
                "results": [{**r, "name": name_of_test(r["test"])} for r in report.results] if report else [],
                "report_url": storage.presigned_url(
                    report.file_key, timedelta(minutes=30), filename=report.original_name or f"lab-report-{report.pk}"
                )
                if report
                else "",
                "may_confirm": me is not None and sample.witness_id == me.pk and not sample.is_witnessed,
                "is_form": sample.pk == form_sample,  # the lab-report form sent back with its message
            }
        )
    rule = get_rule(batch.category)
    plans, marked = _plans(batch)
    today = timezone.localdate()
    may_sample = _may(request, project, "material.sample") and batch.status in (
        BatchStatus.ACCEPTED,
        BatchStatus.RETEST_PASSED,
        BatchStatus.FAILED,
    )
    return render(
        request,
        "materials/batch.html",
        {
            "project": project,
            "batch": batch,
            "category_name": queries.category_name(batch.category),
            "tone": STATUS_TONE.get(batch.status, ""),
            "state": queries.sampling_state(batch),
            "certificates": [
                {
                    "certificate": c,
                    "url": storage.presigned_url(
                        c.file_key, timedelta(minutes=30), filename=c.original_name or c.get_kind_display()
                    ),
                }
                for c in batch.certificates.all()
            ],
            "samples": samples,
            "elements": queries.batch_elements(batch),
            "plans": plans,
            "marked": marked,
            "may_sample": may_sample,
            "is_retest": batch.status == BatchStatus.FAILED,
            "tests": [(t, name_of_test(t)) for t in (rule.tests if rule else ())],
            "witnesses": list(queries.witnesses_on(project, today).values()),
            "labs": list(list_organisations(user=request.user, kind="testing_lab")),
            "today": today.isoformat(),
            "form": form,
            "form_name": form_name,
            "form_sample": form_sample,
            "may_register": _may(request, project, "material.register"),
            "may_inspect": _may(request, project, "material.inspect") and batch.status == BatchStatus.DELIVERED,
            "may_report": _may(request, project, "material.report"),
            "certificate_kinds": CertificateKind.choices,
        },
        status=form.status,
    )


@login_required
@require_POST
def record_sample(request, code: str, batch_id: int):
    project = _project(request, code)
    batch = _batch(request, project, batch_id)
    form = request.POST

    def take():
        samplers = [
            {"name": form.get(f"sampler_{i}_name", ""), "certificate_number": form.get(f"sampler_{i}_certificate", "")}
            for i in (1, 2)
            if form.get(f"sampler_{i}_name") or form.get(f"sampler_{i}_certificate")
        ]
        witness = form.get("witness_person_id") or None
        return actions.record_sample(
            project,
            batch_id=batch.pk,
            code=form.get("code", ""),
            taken_on=parse_iso_date(form.get("taken_on", ""), field="taken_on", label=gettext("The sampling date")),
            samplers=samplers,
            lab_id=int(form.get("lab_id") or 0) if (form.get("lab_id") or "0").isdigit() else 0,
            tests=form.getlist("tests"),
            witness_person_id=int(witness) if witness and witness.isdigit() else None,
            is_retest=form.get("is_retest") == "1",
            actor=request.user,
        )

    outcome = submit(
        request,
        take,
        done=reverse("material-batch", args=[project.code, batch.pk]),
        success=lambda sample: (
            gettext("Sample %(code)s recorded; the witness confirms it on their tablet.") % {"code": sample.code}
            if sample.witness_id
            else gettext("Sample %(code)s recorded without a witness.") % {"code": sample.code}
        ),
    )
    if not isinstance(outcome, FormState):
        return outcome
    return _batch_view(request, project, batch, outcome, form_name="sample")


@login_required
@require_POST
def new_batch(request, code: str):
    """The contractor records a delivered batch (the API's create_material_batch)."""
    project = _project(request, code)
    form = request.POST

    def record():
        quantity = (form.get("quantity") or "").strip()
        try:
            amount = Decimal(quantity)
        except InvalidOperation:
            raise InvalidInput(gettext("The quantity is a number, e.g. 60 or 12.5."), field="quantity") from None
        if not amount.is_finite():
            raise InvalidInput(gettext("The quantity is a number, e.g. 60 or 12.5."), field="quantity")
        return actions.create_material_batch(
            project,
            category=form.get("category", ""),
            product=form.get("product", ""),
            manufacturer=form.get("manufacturer", ""),
            batch_number=form.get("batch_number", ""),
            quantity=amount,
            unit=form.get("unit", ""),
            specification=form.get("specification", ""),
            delivered_on=parse_iso_date(
                form.get("delivered_on", ""), field="delivered_on", label=gettext("The delivery date")
            ),
            actor=request.user,
        )

    outcome = submit(
        request,
        record,
        done=lambda batch: reverse("material-batch", args=[project.code, batch.pk]),
        success=gettext("The batch is recorded; add its certificates and inspect it on entry."),
    )
    if not isinstance(outcome, FormState):
        return outcome
    return _materials(request, project, outcome)


@login_required
@require_POST
def add_certificate(request, code: str, batch_id: int):
    """A batch's certificate (PDF or image), or, with `result`, its entry inspection."""
    project = _project(request, code)
    batch = _batch(request, project, batch_id)
    form = request.POST
    upload = request.FILES.get("file")
    is_inspection = "result" in form

    def file_it():
        if is_inspection:
            return actions.inspect_material_batch(
                project,
                batch_id=batch.pk,
                result=form.get("result", ""),
                inspected_on=parse_iso_date(
                    form.get("inspected_on", ""), field="inspected_on", label=gettext("The inspection date")
                ),
                note=form.get("note", ""),
                actor=request.user,
            )
        if upload is None:
            raise InvalidInput(gettext("Choose the certificate's file (PDF, JPEG or PNG)."), field="file")
        return actions.add_batch_certificate(
            project,
            batch_id=batch.pk,
            kind=form.get("kind", ""),
            number=form.get("number", ""),
            stream=upload,
            size=upload.size,
            original_name=upload.name,
            actor=request.user,
        )

    outcome = submit(
        request,
        file_it,
        done=reverse("material-batch", args=[project.code, batch.pk]),
        success=gettext("The entry inspection is recorded.")
        if is_inspection
        else gettext("The certificate is on file."),
    )
    if not isinstance(outcome, FormState):
        return outcome
    return _batch_view(
        request,
        project,
        _batch(request, project, batch_id),
        outcome,
        form_name="inspection" if is_inspection else "certificate",
    )


@login_required
@require_POST
def record_report(request, code: str, batch_id: int, sample_id: int):
    """The lab's report on a sample: its number, date, file and each asked test's result."""
    project = _project(request, code)
    batch = _batch(request, project, batch_id)
    form = request.POST
    upload = request.FILES.get("file")
    sample = batch.samples.filter(pk=sample_id).first()
    if sample is None:
        raise Http404

    def report():
        if upload is None:
            raise InvalidInput(gettext("Choose the lab report's file (PDF, JPEG or PNG)."), field="file")
        results = []
        for test in sample.tests:
            verdict = form.get(f"passed_{test}", "")
            results.append(
                {
                    "test": test,
                    "value": form.get(f"value_{test}", ""),
                    "unit": form.get(f"unit_{test}", ""),
                    "requirement": form.get(f"requirement_{test}", ""),
                    "passed": {"1": True, "0": False}.get(verdict),
                }
            )
        return actions.record_lab_report(
            project,
            batch_id=batch.pk,
            sample_id=sample.pk,
            report_number=form.get("report_number", ""),
            issued_on=parse_iso_date(form.get("issued_on", ""), field="issued_on", label=gettext("The report date")),
            results=results,
            stream=upload,
            size=upload.size,
            original_name=upload.name,
            actor=request.user,
        )

    outcome = submit(
        request,
        report,
        done=reverse("material-batch", args=[project.code, batch.pk]),
        success=lambda r: gettext("Lab report %(number)s is on file.") % {"number": r.report_number},
    )
    if not isinstance(outcome, FormState):
        return outcome
    return _batch_view(
        request, project, _batch(request, project, batch_id), outcome, form_name="report", form_sample=sample.pk
    )


@login_required
@require_POST
def witness_sample(request, code: str, batch_id: int, sample_id: int):
    project = _project(request, code)
    try:
        sample = actions.witness_sample(project, batch_id=batch_id, sample_id=sample_id, actor=request.user)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, gettext("You confirmed witnessing sample %(code)s.") % {"code": sample.code})
    return redirect("material-batch", code=project.code, batch_id=batch_id)


def element_batches_section(request, project, version, element) -> str:
    """The material batches that went into an element, with their samples and lab reports, for
    its card on the plan ("" when none did, or for who may not read materials)."""
    if not _may(request, project, "material.view"):
        return ""
    batches = (
        queries.batches_linked_to(project, {element.global_id})
        .prefetch_related("samples__report")
        .order_by("delivered_on", "pk")
    )
    rows = [
        {
            "batch": batch,
            "label": queries.batch_label(batch),
            "tone": STATUS_TONE.get(batch.status, ""),
            "samples": [
                {"sample": sample, "report": queries.report_of(sample)}
                for sample in sorted(batch.samples.all(), key=lambda s: (s.taken_on, s.pk))
            ],
        }
        for batch in batches
    ]
    return render_to_string("materials/_element_batches.html", {"project": project, "rows": rows}, request=request)


def failed_batch_marks(request, project, version) -> list[dict]:
    """The storey plan's mark for the elements of failed batches without their disposition."""
    if not _may(request, project, "material.view"):
        return []
    return [
        {
            "name": "material_failed",
            "label": gettext("material failed its test"),
            "colour": "#a61b1b",
            "global_ids": queries.flagged_global_ids(project, version),
        }
    ]
