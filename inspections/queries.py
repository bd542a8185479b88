"""Reads of findings and checklists, scoped to the user (finding.view, checklist.view), and the moves a
user may make next."""

import json

from django.db import connection
from django.db.models import Func, IntegerField, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _

from bim import queries as bim_queries
from bim.models import ModelVersion
from plumbline.core.errors import NotFound
from plumbline.core.permissions import allowed_roles
from projects.models import Project
from projects.queries import authorize, roles_in

from .models import FINDING_MOVES, MOVE_ACTIONS, Checklist, ChecklistTemplate, Finding, FindingStatus


def list_findings(
    project: Project,
    *,
    user,
    status: str | None = None,
    severity: str | None = None,
    category: str | None = None,
    storey: str | None = None,
    global_id: str | None = None,
) -> QuerySet[Finding]:
    authorize(user, project, "finding.view")
    qs = Finding.objects.filter(project=project).select_related("created_by", "responsible_appointment__leader")
    if status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    if category:
        qs = qs.filter(category=category)
    if storey:
        qs = qs.filter(storey_global_id=storey)
    if global_id:
        # the element under every GlobalId it has had: records follow accepted remaps
        on_element = Q()
        for alias in sorted(bim_queries.global_id_aliases(project, global_id)):
            on_element |= _global_id_in_list(alias)
        qs = qs.filter(on_element)
    return qs.order_by("-created_at")


def open_findings_on(project: Project, global_ids: set[str], *, severities: tuple[str, ...]) -> list[Finding]:
    """Findings not yet closed, of these severities, on any of the elements (under every GlobalId
    they have had): what keeps an acceptance of those elements from passing."""
    if not global_ids:
        return []
    wanted = bim_queries.global_ids_with_aliases(project, set(global_ids))
    candidates = Finding.objects.filter(project=project, severity__in=severities).exclude(status=FindingStatus.CLOSED)
    return [f for f in candidates.order_by("pk") if wanted.intersection(f.global_ids or [])]


def note_element_changes(findings: list[Finding], version: ModelVersion) -> None:
    """Set on each finding where its elements are in `version` (`followed_global_ids`, following
    accepted remaps) and `element_change`: "moved" or "changed" when an element of a finding
    logged on an earlier version of the same model has moved or changed since, else ""."""
    by_version: dict[int, list[Finding]] = {}
    for finding in findings:
        finding.followed_global_ids = list(finding.global_ids) if finding.version_id == version.pk else []
        finding.element_change = ""
        if finding.version_id and finding.version_id != version.pk and finding.global_ids:
            by_version.setdefault(finding.version_id, []).append(finding)
    for since in ModelVersion.objects.filter(pk__in=by_version, model_id=version.model_id, number__lt=version.number):
        group = by_version[since.pk]
        followed = bim_queries.follow_elements(version, since, sorted({g for f in group for g in f.global_ids}))
        for finding in group:
            steps = [followed[g] for g in finding.global_ids]
            finding.followed_global_ids = [s.global_id for s in steps if s.global_id]
            changes = set().union(*(s.changes for s in steps))
            finding.element_change = "moved" if "moved" in changes else "changed" if changes else ""


def note_changes_since_logged(finding: Finding) -> None:
    """`element_change` of a finding against the newest ready version of the model it was logged on."""
    finding.element_change = ""
    if finding.version_id is None:
        return
    newest = ModelVersion.objects.filter(model__versions=finding.version_id, status="ready").order_by("-number").first()
    if newest is not None and newest.pk != finding.version_id:
        note_element_changes([finding], newest)


def list_plan_pins(project: Project, version: ModelVersion, storey, *, user, limit: int) -> list[tuple]:
    """The pins of a storey plan: the newest findings on this storey logged on this version or an
    earlier one of the same model, those on elements followed to where the elements are now (by
    GlobalId and accepted remaps). Each pin: (finding id, x, y, status, title, change)."""
    earlier = ModelVersion.objects.filter(model_id=version.model_id, number__lte=version.number)
    findings = list(list_findings(project, user=user, storey=storey.global_id).filter(version__in=earlier)[:limit])
    note_element_changes(findings, version)
    on_elements = bim_queries.pin_positions(version, [f.followed_global_ids for f in findings if f.point_x is None])
    pins = []
    for f in findings:
        if f.point_x is not None:
            position = (f.point_x, f.point_y)
        else:
            position = on_elements.get(f.followed_global_ids[0]) if f.followed_global_ids else None
        if position:
            pins.append((f.pk, position[0], position[1], f.status, f.title, f.element_change))
    return pins


def get_finding(project: Project, finding_id: int, *, user) -> Finding:
    authorize(user, project, "finding.view")
    finding = (
        Finding.objects.filter(project=project, pk=finding_id)
        .select_related("responsible_appointment__leader", "responsible_appointment__organisation", "created_by")
        .prefetch_related("steps__actor__person", "photos")
        .first()
    )
    if finding is None:
        raise NotFound(_("No finding %(id)s in project %(code)s.") % {"id": finding_id, "code": project.code})
    return finding


def next_moves(finding: Finding, *, user) -> list[str]:
    """The moves this user may make on the finding now."""
    roles = roles_in(user, finding.project)
    return [
        verb
        for verb, (sources, _target) in FINDING_MOVES.items()
        if finding.status in sources and roles & allowed_roles(MOVE_ACTIONS[verb])
    ]


def export_bcf(project: Project, *, user, version: str = "2.1") -> bytes:
    """Every finding the user may see, as a BCF file."""
    from .bcf import VERSIONS
    from .exchange import export_bcf as build

    authorize(user, project, "finding.view")
    if version not in VERSIONS:
        from plumbline.core.errors import InvalidInput

        raise InvalidInput(
            _("BCF version %(version)s is not supported: use 2.1 or 3.0.") % {"version": repr(version)},
            field="bcf_version",
        )
    return build(project, version=version)


def list_checklist_templates(project: Project, *, user) -> QuerySet[ChecklistTemplate]:
    authorize(user, project, "checklist.view")
    return ChecklistTemplate.objects.filter(project=project).prefetch_related("items").order_by("name")


def get_checklist_template(project: Project, template_id: int, *, user) -> ChecklistTemplate:
    template = list_checklist_templates(project, user=user).filter(pk=template_id).first()
    if template is None:
        raise NotFound(
            _("No checklist template %(id)s in project %(code)s.") % {"id": template_id, "code": project.code}
        )
    return template


def list_checklists(project: Project, *, user, status: str | None = None) -> QuerySet[Checklist]:
    authorize(user, project, "checklist.view")
    qs = Checklist.objects.filter(project=project).select_related("template", "created_by__person")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def get_checklist(project: Project, checklist_id: int, *, user) -> Checklist:
    checklist = (
        list_checklists(project, user=user)
        .filter(pk=checklist_id)
        .prefetch_related("template__items", "answers", "photos")
        .first()
    )
    if checklist is None:
        raise NotFound(_("No checklist %(id)s in project %(code)s.") % {"id": checklist_id, "code": project.code})
    return checklist


def checklist_rows(checklist: Checklist) -> list[dict]:
    """The template's items in order, each with its answer (if any) and photos."""
    answers = {a.item_id: a for a in checklist.answers.all()}
    photos: dict[int, list] = {}
    for photo in checklist.photos.all():
        photos.setdefault(photo.item_id, []).append(photo)
    rows = []
    for item in checklist.template.items.all():
        answer = answers.get(item.pk)
        rows.append(
            {
                "id": item.pk,
                "position": item.position,
                "text": item.text,
                "photo_required": item.photo_required,
                "result": answer.result if answer else None,
                "note": answer.note if answer else "",
                "severity": answer.severity if answer else "",
                "finding_id": answer.finding_id if answer else None,
                "photos": photos.get(item.pk, []),
            }
        )
    return rows


def _global_id_in_list(global_id: str):
    """Findings whose GlobalId list holds `global_id` exactly: GlobalIds differ by case alone
    (their alphabet has both), so no case-insensitive match. JSON containment on PostgreSQL; on
    SQLite, which lacks it, instr() on the stored JSON text, which is case-sensitive."""
    if connection.vendor == "postgresql":
        return Q(global_ids__contains=[global_id])
    position = Func(
        Cast("global_ids", TextField()), Value(json.dumps(global_id)), function="instr", output_field=IntegerField()
    )
    return Q(GreaterThan(position, 0))
