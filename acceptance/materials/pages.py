"""Tablet pages for building materials: the project's batches with the witness report, and a
batch's page with its certificates, samples, lab reports and elements, where the contractor
records a sample on site and the named witness confirms it. They call the same actions and
queries as the API."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from bim import queries as bim_queries
from plumbline.core.errors import DomainError, NotFound, PermissionDenied
from plumbline.core.permissions import allowed_roles
from projects.dates import parse_iso_date
from projects.queries import get_project, list_organisations, person_of, roles_in
from storage import get_storage

from . import actions, queries
from .models import BatchStatus
from .sampling import get_rule, name_of_test

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
    project = _project(request, code)
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
        {"project": project, "rows": rows, "witness_report": queries.witness_report(project)},
    )


@login_required
@require_GET
def batch_page(request, code: str, batch_id: int):
    project = _project(request, code)
    batch = _batch(request, project, batch_id)
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
        },
    )


@login_required
@require_POST
def record_sample(request, code: str, batch_id: int):
    project = _project(request, code)
    form = request.POST
    try:
        samplers = [
            {"name": form.get(f"sampler_{i}_name", ""), "certificate_number": form.get(f"sampler_{i}_certificate", "")}
            for i in (1, 2)
            if form.get(f"sampler_{i}_name") or form.get(f"sampler_{i}_certificate")
        ]
        witness = form.get("witness_person_id") or None
        sample = actions.record_sample(
            project,
            batch_id=batch_id,
            code=form.get("code", ""),
            taken_on=parse_iso_date(form.get("taken_on", ""), field="taken_on", label=gettext("The sampling date")),
            samplers=samplers,
            lab_id=int(form.get("lab_id") or 0),
            tests=form.getlist("tests"),
            witness_person_id=int(witness) if witness and witness.isdigit() else None,
            is_retest=form.get("is_retest") == "1",
            actor=request.user,
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            gettext("Sample %(code)s recorded; the witness confirms it on their tablet.") % {"code": sample.code}
            if sample.witness_id
            else gettext("Sample %(code)s recorded without a witness.") % {"code": sample.code},
        )
    return redirect("material-batch", code=project.code, batch_id=batch_id)


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
