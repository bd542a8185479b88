"""Reads of findings and checklists, scoped to the user (finding.view, checklist.view), and the moves a
user may make next."""

import json
from datetime import timedelta

from django.db import connection
from django.db.models import BooleanField, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext as _

from bim import queries as bim_queries
from bim.models import Element, ModelVersion, Storey
from plumbline.core.errors import InvalidInput, NotFound
from plumbline.core.permissions import allowed_roles
from projects.models import Party, Person, Project
from projects.queries import authorize, members_of, person_of, roles_in
from storage import get_storage

from .models import (
    FINDING_MOVES,
    MOVE_ACTIONS,
    OVERDUE_STATUSES,
    Checklist,
    ChecklistTemplate,
    Finding,
    FindingSource,
    FindingsReport,
    FindingStatus,
    ReportStatus,
)


def list_findings(
    project: Project,
    *,
    user,
    status: str | None = None,
    severity: str | None = None,
    category: str | None = None,
    storey: str | None = None,
    global_id: str | None = None,
    source: str | None = None,
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
    if source:
        if source not in FindingSource.values:
            raise InvalidInput(
                _("%(value)s is not a source of findings: use site or supervision.") % {"value": repr(source)},
                field="source",
            )
        qs = qs.filter(source=source)
    if global_id:
        # the element under every GlobalId it has had: records follow accepted remaps
        on_element = Q()
        for alias in sorted(bim_queries.global_id_aliases(project, global_id)):
            on_element |= _global_id_in_list(alias)
        qs = qs.filter(on_element)
    return qs.order_by("-created_at")


def search_findings(
    project: Project,
    *,
    user,
    ifc_class: str | None = None,
    responsible_party: str | None = None,
    assignee: str | None = None,
    overdue: bool | None = None,
    **filters,
) -> QuerySet[Finding]:
    """The findings list as the API and the pages show it: list_findings' filters (`filters`), and
    the element class of any of its elements, the responsible party, the assignee ("me", "none"
    or a person id) and whether it is overdue; each row with its location (`storey_name`,
    `element_name`, `element_class` of its first element)."""
    rows = list_findings(project, user=user, **filters)
    if responsible_party:
        if responsible_party not in Party.values:
            raise InvalidInput(
                _("%(value)s is not one of the five parties.") % {"value": repr(responsible_party)},
                field="responsible_party",
            )
        rows = rows.filter(responsible_party=responsible_party)
    if assignee:
        rows = rows.filter(_assigned_to(assignee, user))
    if overdue is not None:
        today = timezone.localdate()
        late = Q(status__in=OVERDUE_STATUSES, due_date__lt=today)
        on_time = Q(due_date__isnull=True) | Q(due_date__gte=today) | ~Q(status__in=OVERDUE_STATUSES)
        rows = rows.filter(late if overdue else on_time)
    if ifc_class:
        rows = rows.filter(_on_element_of_class(ifc_class))
    return with_location(rows)


def _assigned_to(assignee: str, user) -> Q:
    if assignee == "me":
        me = person_of(user)
        return Q(assignee=me) if me is not None else Q(pk__in=[])
    if assignee == "none":
        return Q(assignee__isnull=True)
    if assignee.isascii() and assignee.isdigit() and len(assignee) <= 18:  # an id the database can hold
        return Q(assignee_id=int(assignee))
    raise InvalidInput(
        _("assignee is me, none or a person's id, not %(value)s.") % {"value": repr(assignee)}, field="assignee"
    )


def _on_element_of_class(ifc_class: str) -> RawSQL:
    """Findings with an element of this IFC class (exactly as the file spells it) among their
    elements in the version they were logged on. The GlobalId list is a JSON array: expanded by
    jsonb_array_elements_text on PostgreSQL, json_each on SQLite."""
    finding, element = Finding._meta.db_table, Element._meta.db_table
    if connection.vendor == "postgresql":
        each = f'jsonb_array_elements_text("{finding}"."global_ids") AS listed(value)'
    else:
        each = f'json_each("{finding}"."global_ids") AS listed'
    sql = (
        f'EXISTS (SELECT 1 FROM {each} JOIN "{element}" ON "{element}"."global_id" = listed.value '
        f'WHERE "{element}"."version_id" = "{finding}"."version_id" AND "{element}"."ifc_class" = %s)'
    )
    return RawSQL(sql, [ifc_class], output_field=BooleanField())


def with_location(rows: QuerySet[Finding]) -> QuerySet[Finding]:
    """Each finding with where it is: its storey's name and its first element's name and class
    (on the version it was logged on), and its assignee."""
    on_version = {"version_id": OuterRef("version_id")}
    storeys = Storey.objects.filter(**on_version, global_id=OuterRef("storey_global_id"))
    elements = Element.objects.filter(**on_version, global_id=OuterRef("first_global_id"))
    return rows.select_related("assignee").annotate(
        first_global_id=KeyTextTransform("0", "global_ids"),
        storey_name=Subquery(storeys.values("name")[:1]),
        element_name=Subquery(elements.values("name")[:1]),
        element_class=Subquery(elements.values("ifc_class")[:1]),
    )


def location_of(finding: Finding) -> dict:
    """A finding's storey name and first element's name and class: those with_location annotated,
    else looked up (a single finding's page or answer)."""
    if hasattr(finding, "element_class"):
        return {key: getattr(finding, key) for key in ("storey_name", "element_name", "element_class")}
    location = {"storey_name": None, "element_name": None, "element_class": None}
    if finding.version_id is None:
        return location
    if finding.storey_global_id:
        storey = Storey.objects.filter(version_id=finding.version_id, global_id=finding.storey_global_id).first()
        location["storey_name"] = storey.name if storey else None
    if finding.global_ids:
        element = Element.objects.filter(version_id=finding.version_id, global_id=finding.global_ids[0]).first()
        if element is not None:
            location["element_name"], location["element_class"] = element.name, element.ifc_class
    finding.storey_name, finding.element_name, finding.element_class = location.values()
    return location


def list_assignable_people(finding: Finding, *, user) -> QuerySet[Person]:
    """Whom the finding may be given to: the people of the responsible party's organisation
    working on the project (none when it has no responsible party)."""
    authorize(user, finding.project, "finding.view")
    if finding.responsible_appointment_id is None:
        return Person.objects.none()
    return members_of(finding.project, finding.responsible_appointment.organisation_id)


def list_finding_storeys(project: Project, *, user) -> list[tuple[str, str]]:
    """(GlobalId, name) of the storeys the project's findings are on, for the list's filter."""
    authorize(user, project, "finding.view")
    listed = Finding.objects.filter(project=project).exclude(storey_global_id="").values("storey_global_id")
    names = dict(
        Storey.objects.filter(version__model__project=project, global_id__in=listed)
        .order_by("version__number")
        .values_list("global_id", "name")
    )  # the newest version's name wins
    return sorted(names.items(), key=lambda pair: pair[1] or pair[0])


def list_element_classes(project: Project, *, user) -> list[str]:
    """The IFC classes of the elements of each model's latest ready version, for the list's filter."""
    latest = {}
    for version in bim_queries.list_ready_versions(project, user=user):
        latest.setdefault(version.model_id, version.pk)
    classes = Element.objects.filter(version_id__in=latest.values()).values_list("ifc_class", flat=True)
    return sorted(set(classes.distinct()))


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


REPORT_LINK_LIFETIME = timedelta(minutes=30)


def get_findings_report(project: Project, report_id: int, *, user) -> FindingsReport:
    """A findings report the user asked for (a report holds what its requester's list showed:
    it is theirs to read)."""
    authorize(user, project, "finding.export")
    found = FindingsReport.objects.filter(project=project, pk=report_id, requested_by=user).first()
    if found is None:
        raise NotFound(_("No findings report %(id)s in project %(code)s.") % {"id": report_id, "code": project.code})
    return found


def report_download_url(report: FindingsReport) -> str | None:
    """A signed link to a made report's file, valid for REPORT_LINK_LIFETIME; None before it is made."""
    if report.status != ReportStatus.DONE or not report.file_key:
        return None
    name = f"{report.project.code} {_('Findings report')} {report.pk}.{report.format}"
    return get_storage().presigned_url(report.file_key, REPORT_LINK_LIFETIME, filename=name)


# --- many projects at once (the housing department's region dashboard and credit) ---------------


def open_findings_of(project_ids, *, today) -> dict[int, dict[str, dict]]:
    """Open findings (not closed) of many projects in one query: {project_id: {severity:
    {"open": n, "overdue": n past their due date, "oldest": date the oldest reached us}}}."""
    from django.db.models import Count, Min

    from .models import FindingStatus

    found: dict[int, dict[str, dict]] = {pk: {} for pk in project_ids}
    rows = (
        Finding.objects.filter(project_id__in=list(found))
        .exclude(status=FindingStatus.CLOSED)
        .values("project_id", "severity")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)), oldest=Min("created_at"))
        .order_by()
    )
    for row in rows:
        found[row["project_id"]][row["severity"]] = {
            "open": row["open"],
            "overdue": row["overdue"],
            "oldest": row["oldest"],
        }
    return found


def findings_per_month_of(project_ids, *, since) -> list[tuple]:
    """(month, severity, number of findings opened) over many projects since a date, oldest first."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    return list(
        Finding.objects.filter(project_id__in=project_ids, created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values_list("month", "severity")
        .annotate(n=Count("id"))
        .order_by("month", "severity")
    )


def critical_findings_past_due(*, today) -> QuerySet[Finding]:
    """Critical findings still open after their due date, with the appointment responsible."""
    from .models import FindingStatus, Severity

    return (
        Finding.objects.filter(severity=Severity.CRITICAL, due_date__lt=today)
        .exclude(status=FindingStatus.CLOSED)
        .select_related("responsible_appointment")
        .only("id", "project_id", "title", "due_date", "responsible_appointment__organisation_id")
    )


def supervision_findings_under(membership_ids) -> QuerySet[Finding]:
    """The findings drawn inspectors logged under these memberships (the draw's assignments), for
    the department's draw page; the caller (supervision) has checked the department."""
    return (
        Finding.objects.filter(source=FindingSource.SUPERVISION, supervision_membership_id__in=list(membership_ids))
        .select_related("created_by", "supervision_membership__person")
        .order_by("project_id", "created_at")
    )


# --- BCF-API 3.0 ------------------------------------------------------------------------------


def list_findings_for_bcf(project: Project, *, user):
    """The project's findings as BCF-API topics, with what a topic shows prefetched."""
    from .exchange import findings_for_export

    authorize(user, project, "finding.view")
    return findings_for_export(project)


def get_finding_by_guid(project: Project, guid: str, *, user) -> Finding:
    """A finding by its topic Guid (our client UUID); invisible or unknown -> 404."""
    import uuid

    from .exchange import findings_for_export

    authorize(user, project, "finding.view")
    try:
        key = uuid.UUID(str(guid))
    except ValueError:
        key = None
    finding = findings_for_export(project).filter(client_uuid=key).first() if key else None
    if finding is None:
        raise NotFound(_("No topic %(guid)s in project %(code)s.") % {"guid": guid, "code": project.code})
    return finding


def next_statuses(finding: Finding, *, user) -> list[str]:
    """The statuses the user's next moves lead the finding to (a BCF topic's authorization)."""
    return [FINDING_MOVES[verb][1] for verb in next_moves(finding, user=user) if verb != "submit_rectification"]


def read_photo(photo) -> tuple[bytes, str]:
    from storage import get_storage

    with get_storage().open(photo.file_key) as handle:
        return handle.read(), photo.content_type


def finding_events(finding: Finding):
    from plumbline.core.audit.models import AuditEvent

    return AuditEvent.objects.filter(
        project=finding.project, target_type="Finding", target_id=str(finding.pk)
    ).order_by("sequence")
