"""Every state change of the supervision app: the roster, draws and their signed results, credit
recomputation, contests and decisions, complaints and their passing on, webhooks and replays.
Each checks the actor's right first, runs in one transaction and writes one audit event."""

import datetime
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from inspections.queries import critical_findings_past_due, supervision_findings_under
from plumbline.core.audit.log import record_event
from plumbline.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from plumbline.core.limits import TEXT_LENGTH, require_fits
from projects.actions import end_drawn_memberships, grant_drawn_memberships
from projects.models import Organisation, Person, Project, ProjectStage
from projects.queries import (
    authorize,
    current_appointments_of,
    get_project,
    jurisdiction_of,
    letter_requirements_of,
    person_of,
)
from projects.workdays import add_working_days

from . import credit
from .draw import ALGORITHM, TIER_WEIGHTS, period_end, run_draw
from .models import (
    COUNTING_STATUSES,
    Complaint,
    ComplaintStatus,
    ComplaintStep,
    ComplaintStepKind,
    CreditEvent,
    CreditEventStatus,
    FormerEmployment,
    OrganisationCredit,
    Outcome,
    RosterInspector,
    SupervisionAssignment,
    SupervisionDraw,
    SupervisionResult,
    Webhook,
    WebhookDelivery,
    WebhookEventType,
)

DRAWN_STAGES = (ProjectStage.CONSTRUCTION,)  # the pool: projects under construction


# --- who is the department -------------------------------------------------------------------


def department_of(actor) -> Organisation:
    """The housing department the actor works for (PermissionDenied for everybody else)."""
    me = person_of(actor)
    if me is None or jurisdiction_of(actor) is None:
        raise PermissionDenied(gettext("Only staff of a housing department (住建部门) may do this."))
    return me.organisation


def _region_filter(department: Organisation, prefix: str = "") -> Q:
    from projects.validators import region_prefix

    return Q(**{f"{prefix}region_code__startswith": region_prefix(department.region_code)})


# --- the roster --------------------------------------------------------------------------------


def add_roster_inspector(*, person_id: int, former_employers: list[dict] | None = None, actor) -> RosterInspector:
    """Put a person of the department on its roster, with the organisations they worked for
    ({"organisation_id", "until"}: a conflict of interest for SUPERVISION_CONFLICT_YEARS after)."""
    department = department_of(actor)
    person = Person.objects.filter(pk=person_id, organisation=department).first()
    if person is None:
        raise InvalidInput(gettext("Only people of the department may be on its roster."), field="person_id")
    with transaction.atomic():
        if RosterInspector.objects.filter(department=department, person=person).exists():
            raise Conflict(gettext("%(name)s is on the roster already.") % {"name": person.name})
        inspector = RosterInspector.objects.create(department=department, person=person)
        for employment in former_employers or []:
            org = Organisation.objects.filter(pk=employment.get("organisation_id")).first()
            if org is None:
                raise InvalidInput(gettext("No such organisation."), field="former_employers")
            FormerEmployment.objects.create(inspector=inspector, organisation=org, until=employment.get("until"))
        record_event(
            "supervision.roster_added",
            actor=actor,
            organisation=department,
            target=inspector,
            changes={"person": [None, person.name], "former_employers": [None, former_employers or []]},
        )
    return inspector


# --- double random, one public ------------------------------------------------------------------


def _tiers_of(organisation_ids) -> dict[int, str]:
    return dict(
        OrganisationCredit.objects.filter(organisation_id__in=organisation_ids).values_list("organisation_id", "tier")
    )


def draw_pool(department: Organisation, *, on: datetime.date) -> dict:
    """The projects under construction in the region, each with its worst party's tier, and the
    department's active roster, each inspector with the organisations they may not inspect."""
    projects = list(Project.objects.filter(_region_filter(department), stage__in=DRAWN_STAGES).order_by("code"))
    current = current_appointments_of([p.pk for p in projects])
    orgs = {a.organisation_id: a.organisation for c in current.values() for a in c.values() if a is not None}
    tiers = _tiers_of(orgs)
    pool_projects = []
    for project in projects:
        party_orgs = sorted({a.organisation_id for a in current[project.pk].values() if a is not None})
        tier = credit.worst_tier(tiers.get(o, "A") for o in party_orgs)
        pool_projects.append(
            {
                "code": project.code,
                "name": project.name,
                "tier": tier,
                "weight": TIER_WEIGHTS[tier],
                "organisations": [orgs[o].credit_code for o in party_orgs],
            }
        )
    since = on.replace(year=on.year - settings.SUPERVISION_CONFLICT_YEARS)
    inspectors = []
    for inspector in (
        RosterInspector.objects.filter(department=department, is_active=True)
        .select_related("person")
        .prefetch_related("employments__organisation")
        .order_by("pk")
    ):
        conflicts = set()
        if inspector.person.organisation_id and inspector.person.organisation_id != department.pk:
            conflicts.add(inspector.person.organisation.credit_code)
        for e in inspector.employments.all():
            if e.until is None or e.until >= since:
                conflicts.add(e.organisation.credit_code)
        inspectors.append({"id": inspector.pk, "name": inspector.person.name, "conflicts": sorted(conflicts)})
    return {"projects": pool_projects, "inspectors": inspectors, "conflict_years": settings.SUPERVISION_CONFLICT_YEARS}


def create_supervision_draw(*, period: str, seed: str, inspectors_per_project: int = 2, actor) -> SupervisionDraw:
    """Draw the period's projects and inspectors from the pool as it stands, with a published seed."""
    department = department_of(actor)
    period, seed = (period or "").strip(), (seed or "").strip()
    if not seed:
        raise InvalidInput(gettext("A draw needs a published seed (e.g. the date and a public number)."), field="seed")
    if not period:
        raise InvalidInput(gettext("A draw needs its period, e.g. 2026-Q3."), field="period")
    if inspectors_per_project < 1:
        raise InvalidInput(gettext("At least one inspector goes to each project."), field="inspectors_per_project")
    pool = draw_pool(department, on=timezone.localdate())
    if not pool["inspectors"]:
        raise InvalidInput(gettext("The department's roster has no active inspector."), field="period")
    result = run_draw(seed=seed, period=period, pool=pool, inspectors_per_project=inspectors_per_project)
    try:
        with transaction.atomic():
            draw = SupervisionDraw.objects.create(
                department=department,
                period=period,
                seed=seed,
                inspectors_per_project=inspectors_per_project,
                algorithm=ALGORITHM,
                pool=pool,
                result=result,
                created_by=actor,
            )
            assignments = _assign_drawn_inspectors(draw)
            record_event(
                "supervision.draw_created",
                actor=actor,
                organisation=department,
                target=draw,
                changes={
                    "period": [None, period],
                    "seed": [None, seed],
                    "result": [None, result],
                    "assignments": [None, assignments],
                },
            )
    except IntegrityError:
        raise Conflict(gettext("The department has drawn period %(period)s already.") % {"period": period}) from None
    transaction.on_commit(lambda: _notify_draw(draw))
    return draw


def _assign_drawn_inspectors(draw: SupervisionDraw) -> list[dict]:
    """Each drawn inspector gets their project for the period: a drawn-inspector membership there
    (the right to log supervision findings) until the period's last day, or until the result is
    signed. In the draw's transaction."""
    last_day = period_end(draw.period)
    until = (
        timezone.make_aware(datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min))
        if last_day
        else None
    )
    roster = {
        i.pk: i
        for i in RosterInspector.objects.select_related("person__organisation").filter(department=draw.department)
    }
    made = []
    for row in draw.result:
        project = Project.objects.get(code=row["project"])
        inspectors = [roster[i["id"]] for i in row["inspectors"] if i["id"] in roster]
        memberships = grant_drawn_memberships(project, [i.person for i in inspectors], until=until)
        for inspector, membership in zip(inspectors, memberships, strict=True):
            SupervisionAssignment.objects.create(draw=draw, project=project, inspector=inspector, membership=membership)
            made.append({"project": project.code, "inspector": inspector.person.name, "until": until})
    return made


def _notify_draw(draw: SupervisionDraw) -> None:
    for row in draw.result:
        project = Project.objects.filter(code=row["project"]).first()
        if project is not None:
            _send(
                WebhookEventType.SUPERVISION,
                project,
                {"event": "supervision.drawn", "period": draw.period, "draw_id": draw.pk},
            )


def record_supervision_result(
    draw: SupervisionDraw,
    *,
    project_code: str,
    outcome: str,
    summary: str,
    violation_organisation_id: int | None = None,
    violation_points: int = 0,
    finding_ids: list[int] | None = None,
    actor,
) -> SupervisionResult:
    """Sign the result of a drawn project's inspection; a violation scores against the
    organisation at fault (3-10 points by severity), and the result cites the supervision
    findings its drawn inspectors logged (`finding_ids`). Signing ends their assignments."""
    department = department_of(actor)
    if draw.department_id != department.pk:
        raise NotFound(gettext("No draw %(id)s.") % {"id": draw.pk})
    drawn = {row["project"] for row in draw.result}
    if project_code not in drawn:
        raise InvalidInput(
            gettext("Project %(code)s was not drawn in %(period)s.") % {"code": project_code, "period": draw.period},
            field="project",
        )
    if outcome not in Outcome.values:
        raise InvalidInput(gettext("Unknown outcome %(value)s.") % {"value": repr(outcome)}, field="outcome")
    if not (summary or "").strip():
        raise InvalidInput(gettext("Say what the inspection found."), field="summary")
    cfg = credit.config()
    violator = None
    if violation_organisation_id is not None:
        violator = Organisation.objects.filter(pk=violation_organisation_id).first()
        if violator is None:
            raise InvalidInput(gettext("No such organisation."), field="violation_organisation_id")
        if not cfg["supervision_violation_min"] <= violation_points <= cfg["supervision_violation_max"]:
            raise InvalidInput(
                gettext("A violation scores %(min)d to %(max)d points.")
                % {"min": cfg["supervision_violation_min"], "max": cfg["supervision_violation_max"]},
                field="violation_points",
            )
    elif violation_points:
        raise InvalidInput(gettext("Name the organisation the points go to."), field="violation_organisation_id")
    project = Project.objects.get(code=project_code)
    memberships = list(
        SupervisionAssignment.objects.filter(draw=draw, project=project).values_list("membership_id", flat=True)
    )
    wanted = sorted(set(finding_ids or []))
    cited = list(supervision_findings_under(memberships).filter(project=project, pk__in=wanted))
    if len(cited) != len(wanted):
        missing = sorted(set(wanted) - {f.pk for f in cited})
        raise InvalidInput(
            gettext("Finding %(ids)s was not logged by this draw's inspectors on %(code)s.")
            % {"ids": ", ".join(f"#{i}" for i in missing), "code": project_code},
            field="finding_ids",
        )
    with transaction.atomic():
        if SupervisionResult.objects.filter(draw=draw, project=project).exists():
            raise Conflict(gettext("The result of %(code)s is signed already.") % {"code": project_code})
        result = SupervisionResult.objects.create(
            draw=draw,
            project=project,
            outcome=outcome,
            summary=summary.strip(),
            violation_organisation=violator,
            violation_points=violation_points if violator else 0,
            signed_by=actor,
        )
        result.findings.set(cited)
        ended = end_drawn_memberships(memberships)
        if violator is not None:
            _add_credit_events(
                [
                    _event(
                        violator.pk,
                        project.pk,
                        "supervision_violation",
                        f"supervision:{result.pk}",
                        violation_points,
                        timezone.localdate(),
                        summary.strip()[:500],
                    )
                ]
            )
            _recompute_scores([violator.pk], timezone.localdate())
        record_event(
            "supervision.result_signed",
            actor=actor,
            project=project,
            organisation=department,
            target=result,
            changes={
                "outcome": [None, outcome],
                "violation_points": [None, result.violation_points],
                "findings": [None, [f.pk for f in cited]],
                "assignments_ended": [None, len(ended)],
            },
        )
    payload = {"event": "supervision.result_signed", "period": draw.period, "outcome": outcome}
    transaction.on_commit(lambda: _send(WebhookEventType.SUPERVISION, project, payload))
    return result


def _send(event_type: str, project: Project, payload: dict) -> None:
    from .webhooks import send_event

    send_event(event_type, project, payload)


# --- quality credit --------------------------------------------------------------------------------


def _event(org_id, project_id, rule, key, points, on, description) -> CreditEvent:
    return CreditEvent(
        organisation_id=org_id,
        project_id=project_id,
        rule=rule,
        source_key=key,
        points=points,
        occurred_on=on,
        description=description,
    )


def _add_credit_events(events: list[CreditEvent]) -> list[CreditEvent]:
    """The events not scored before (by source key), created now."""
    known = set(
        CreditEvent.objects.filter(source_key__in=[e.source_key for e in events]).values_list("source_key", flat=True)
    )
    new = [e for e in events if e.source_key not in known]
    CreditEvent.objects.bulk_create(new, ignore_conflicts=True)
    return new


def _recompute_scores(organisation_ids, today: datetime.date) -> int:
    """Each organisation's points over the window and its tier; the number that changed."""
    since = credit.window_start(today)
    sums = dict(
        CreditEvent.objects.filter(
            organisation_id__in=organisation_ids, status__in=COUNTING_STATUSES, occurred_on__gte=since
        )
        .values_list("organisation_id")
        .annotate(points=Sum("points"))
        .values_list("organisation_id", "points")
    )
    existing = {c.organisation_id: c for c in OrganisationCredit.objects.filter(organisation_id__in=organisation_ids)}
    changed, now = 0, timezone.now()
    for org_id in organisation_ids:
        points = sums.get(org_id) or 0
        tier = credit.tier_of(points)
        row = existing.get(org_id)
        if row is None:
            OrganisationCredit.objects.create(organisation_id=org_id, points=points, tier=tier, computed_at=now)
            changed += points > 0
        elif (row.points, row.tier) != (points, tier):
            row.points, row.tier, row.computed_at = points, tier, now
            row.save(update_fields=["points", "tier", "computed_at"])
            changed += 1
    return changed


def _letter_events(today: datetime.date) -> list[CreditEvent]:
    """One point per letter per month (begun) it is overdue, against the appointed organisation."""
    project_ids = list(Project.objects.values_list("pk", flat=True))
    events = []
    points = credit.config()["letter_overdue"]
    requirements_of = {}
    for start in range(0, len(project_ids), SCORE_BATCH):
        requirements_of.update(letter_requirements_of(project_ids[start : start + SCORE_BATCH], today=today))
    for project_id, requirements in requirements_of.items():
        for r in requirements:
            if r.status != "overdue":
                continue
            months = (today - r.due_date).days // 30 + 1
            for month in range(months):
                on = r.due_date + datetime.timedelta(days=1 + 30 * month)
                events.append(
                    _event(
                        r.appointment.organisation_id,
                        project_id,
                        "letter_overdue",
                        f"letter_overdue:{r.appointment.pk}:{r.kind}:{month}",
                        points,
                        on,
                        gettext("%(letter)s overdue since %(date)s") % {"letter": r.describe(), "date": r.due_date},
                    )
                )
    return events


def _finding_events(today: datetime.date) -> list[CreditEvent]:
    """Critical findings open past their due date, against the responsible appointment's
    organisation (the current contractor when none was named)."""
    findings = list(critical_findings_past_due(today=today))
    current = current_appointments_of({f.project_id for f in findings})
    points = credit.config()["critical_finding_past_due"]
    events = []
    for f in findings:
        appointment = f.responsible_appointment or current[f.project_id].get("contractor")
        if appointment is None:
            continue
        events.append(
            _event(
                appointment.organisation_id,
                f.project_id,
                "critical_finding_past_due",
                f"critical_finding_past_due:{f.pk}",
                points,
                f.due_date + datetime.timedelta(days=1),
                gettext("critical finding #%(id)d %(title)s open past %(date)s")
                % {"id": f.pk, "title": f.title, "date": f.due_date},
            )
        )
    return events


def _material_events(today: datetime.date) -> list[CreditEvent]:
    """A lab report failing a mandatory category, against the project's contractor (who brought
    the batch on site and answers for it; the manufacturer is not an organisation of the
    register): one event per failed report."""
    from acceptance.materials.queries import failed_mandatory_reports

    reports = failed_mandatory_reports()
    current = current_appointments_of({r["project_id"] for r in reports})
    points = credit.config()["material_test_failed"]
    events = []
    for r in reports:
        contractor = current[r["project_id"]].get("contractor")
        if contractor is None:
            continue
        events.append(
            _event(
                contractor.organisation_id,
                r["project_id"],
                "material_test_failed",
                f"material_test_failed:{r['report_id']}",
                points,
                r["issued_on"],
                gettext("mandatory test failed: %(batch)s, report %(number)s")
                % {"batch": r["batch"], "number": r["report_number"]},
            )
        )
    return events


def _claim_events(today: datetime.date) -> list[CreditEvent]:
    """A defect claim the insurer accepted, against the organisation its repair is assigned to."""
    from insurance.queries import upheld_claims

    points = credit.config()["claim_upheld"]
    return [
        _event(
            c["organisation_id"],
            c["project_id"],
            "claim_upheld",
            f"claim_upheld:{c['claim_id']}",
            points,
            c["accepted_on"],
            gettext("defect claim #%(id)d upheld (%(category)s)") % {"id": c["claim_id"], "category": c["category"]},
        )
        for c in upheld_claims()
    ]


# the sources of credit events found by looking (the others are scored when they happen)
CREDIT_SOURCES = [_letter_events, _finding_events, _material_events, _claim_events]


def recompute_credit(*, today: datetime.date | None = None, actor=None) -> dict:
    """Score what happened since the last run and recompute every organisation's points and tier.
    Run by the beat task and after events; running it again changes nothing."""
    if actor is not None and not actor.is_staff:
        department_of(actor)
    today = today or timezone.localdate()
    found = [e for source in CREDIT_SOURCES for e in source(today)]
    with transaction.atomic():
        new = _add_credit_events(found)
        org_ids = set(CreditEvent.objects.values_list("organisation_id", flat=True).distinct())
        org_ids |= set(OrganisationCredit.objects.values_list("organisation_id", flat=True))
        changed = _recompute_scores(sorted(org_ids), today)
        if new or changed:
            record_event(
                "credit.recomputed",
                actor=actor,
                changes={"events_added": [0, len(new)], "scores_changed": [0, changed]},
            )
    return {"events_added": len(new), "scores_changed": changed}


def require_contester(event_id: int, actor) -> CreditEvent:
    """The event, if the actor is an admin of its organisation (NotFound when they may not see
    it, PermissionDenied when they see it but may not contest it)."""
    from .queries import get_credit_event

    event = get_credit_event(event_id, user=actor)
    me = person_of(actor)
    if me is None or me.organisation_id != event.organisation_id or not me.is_organisation_admin:
        raise PermissionDenied(gettext("Only the organisation's admins may contest its credit events."))
    return event


def contest_credit_event(event_id: int, *, reason: str, actor) -> CreditEvent:
    """The organisation's admin contests an event, once."""
    event = require_contester(event_id, actor)
    if not (reason or "").strip():
        raise InvalidInput(gettext("Say why the event is contested."), field="reason")
    with transaction.atomic():
        event = CreditEvent.objects.select_for_update().get(pk=event.pk)
        if event.contested_at is not None:
            raise Conflict(gettext("This event has been contested already: an event is contested once."))
        event.status, event.contest_reason = CreditEventStatus.CONTESTED, reason.strip()
        event.contested_by, event.contested_at = actor, timezone.now()
        event.save(update_fields=["status", "contest_reason", "contested_by", "contested_at"])
        record_event(
            "credit.contested",
            actor=actor,
            project=event.project,
            organisation=event.organisation,
            target=event,
            changes={"status": [CreditEventStatus.COUNTED, event.status], "reason": [None, event.contest_reason]},
        )
    return event


def decide_credit_contest(event_id: int, *, accept: bool, note: str, actor) -> CreditEvent:
    """The department of the event's project upholds the event (it counts) or accepts the contest
    (it no longer counts); an event of no project, any department."""
    department = department_of(actor)
    from .queries import get_credit_event

    event = get_credit_event(event_id, user=actor)
    if (
        event.project is not None
        and not Project.objects.filter(_region_filter(department), pk=event.project_id).exists()
    ):
        raise PermissionDenied(gettext("The department of the project's region decides this contest."))
    if not (note or "").strip():
        raise InvalidInput(gettext("Give the reasons of the decision."), field="note")
    with transaction.atomic():
        event = CreditEvent.objects.select_for_update().get(pk=event.pk)
        if event.status != CreditEventStatus.CONTESTED:
            raise Conflict(gettext("Only a contested event awaits a decision."))
        event.status = CreditEventStatus.ANNULLED if accept else CreditEventStatus.UPHELD
        event.decision_note, event.decided_by, event.decided_at = note.strip(), actor, timezone.now()
        event.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
        _recompute_scores([event.organisation_id], timezone.localdate())
        record_event(
            "credit.decided",
            actor=actor,
            project=event.project,
            organisation=event.organisation,
            target=event,
            changes={"status": [CreditEventStatus.CONTESTED, event.status], "note": [None, event.decision_note]},
        )
    return event


# --- first responsibility (首负责任制) ---------------------------------------------------------------


def _receiver(project: Project, actor) -> Organisation:
    """Who first receives a complaint: the filer's own organisation when it is a party of the
    project (it took the call), else the owner (建设单位), who answers home owners and the public."""
    current = current_appointments_of([project.pk])[project.pk]
    me = person_of(actor)
    party_orgs = {a.organisation_id: a.organisation for a in current.values() if a is not None}
    if me is not None and me.organisation_id in party_orgs:
        return party_orgs[me.organisation_id]
    owner = current.get("owner")
    if owner is None:
        raise InvalidInput(gettext("The project has no owner appointed to receive complaints."), field="project")
    return owner.organisation


def file_complaint(
    project: Project,
    *,
    complainant_name: str,
    description: str,
    complainant_contact: str = "",
    channel: str = "web",
    actor,
) -> Complaint:
    """A complaint goes to the first organisation that receives it, with a deadline."""
    if actor is not None and actor.is_authenticated:
        authorize(actor, project, "complaint.file")
    require_fits(description, field="description", limit=TEXT_LENGTH, label=gettext("Description"))
    if not (description or "").strip():
        raise InvalidInput(gettext("Describe the problem."), field="description")
    if not (complainant_name or "").strip():
        raise InvalidInput(gettext("Give a name to answer to."), field="complainant_name")
    if channel not in ("web", "sign_qr", "phone"):
        raise InvalidInput(gettext("Unknown channel %(value)s.") % {"value": repr(channel)}, field="channel")
    filer = actor if actor is not None and actor.is_authenticated else None
    since = timezone.now() - datetime.timedelta(days=1)
    # the same text sent again (a double tap, a resend, a flood) files nothing twice
    if Complaint.objects.filter(project=project, description=description.strip(), created_at__gte=since).exists():
        raise Conflict(
            gettext("This problem was reported with the same words within the last day; it is being handled."),
            code="duplicate_complaint",
        )
    receiver = _receiver(project, filer)
    due = add_working_days(timezone.localdate(), settings.COMPLAINT_DUE_WORKING_DAYS)
    with transaction.atomic():
        complaint = Complaint.objects.create(
            project=project,
            complainant_name=complainant_name.strip()[:100],
            complainant_contact=(complainant_contact or "").strip()[:100],
            channel=channel,
            description=description.strip(),
            first_responsible=receiver,
            current_holder=receiver,
            due_date=due,
            filed_by=filer,
        )
        ComplaintStep.objects.create(
            complaint=complaint, kind=ComplaintStepKind.RECEIVED, to_organisation=receiver, actor=filer
        )
        record_event(
            "complaint.filed",
            actor=filer,
            project=project,
            organisation=receiver,
            target=complaint,
            changes={"first_responsible": [None, receiver.name], "due_date": [None, due], "channel": [None, channel]},
        )
    return complaint


def require_holder(complaint_id: int, actor) -> Complaint:
    """The complaint, if the actor works for the organisation that holds it now."""
    from .queries import get_complaint

    complaint = get_complaint(complaint_id, user=actor)
    _holder_staff(complaint, actor)
    return complaint


def _holder_staff(complaint: Complaint, actor) -> Organisation:
    me = person_of(actor)
    if me is None or me.organisation_id != complaint.current_holder_id:
        raise PermissionDenied(gettext("Only the organisation that holds the complaint may do this."))
    return me.organisation


def pass_on_complaint(complaint_id: int, *, organisation_id: int, note: str, actor) -> Complaint:
    """Pass the complaint on to the party that caused it, with a record; the first organisation
    still answers for it by the deadline."""
    from .queries import get_complaint

    complaint = get_complaint(complaint_id, user=actor)
    me = _holder_staff(complaint, actor)
    if not (note or "").strip():
        raise InvalidInput(gettext("Say why the complaint is passed on."), field="note")
    current = current_appointments_of([complaint.project_id])[complaint.project_id]
    parties = {a.organisation_id: a.organisation for a in current.values() if a is not None}
    if organisation_id not in parties or organisation_id == me.pk:
        raise InvalidInput(
            gettext("A complaint is passed on to another party of the project."), field="organisation_id"
        )
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if complaint.status != ComplaintStatus.OPEN:
            raise Conflict(gettext("The complaint is answered already."))
        complaint.current_holder = parties[organisation_id]
        complaint.save(update_fields=["current_holder"])
        ComplaintStep.objects.create(
            complaint=complaint,
            kind=ComplaintStepKind.PASSED_ON,
            from_organisation=me,
            to_organisation=complaint.current_holder,
            note=note.strip(),
            actor=actor,
        )
        record_event(
            "complaint.passed_on",
            actor=actor,
            project=complaint.project,
            target=complaint,
            changes={"current_holder": [me.name, complaint.current_holder.name], "note": [None, note.strip()]},
        )
    return complaint


def answer_complaint(complaint_id: int, *, note: str, actor) -> Complaint:
    from .queries import get_complaint

    complaint = get_complaint(complaint_id, user=actor)
    me = _holder_staff(complaint, actor)
    if not (note or "").strip():
        raise InvalidInput(gettext("Write the answer."), field="note")
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if complaint.status != ComplaintStatus.OPEN:
            raise Conflict(gettext("The complaint is answered already."))
        complaint.status = ComplaintStatus.ANSWERED
        complaint.save(update_fields=["status"])
        ComplaintStep.objects.create(
            complaint=complaint, kind=ComplaintStepKind.ANSWERED, from_organisation=me, note=note.strip(), actor=actor
        )
        record_event(
            "complaint.answered",
            actor=actor,
            project=complaint.project,
            target=complaint,
            changes={"status": [ComplaintStatus.OPEN, ComplaintStatus.ANSWERED]},
        )
    return complaint


# --- webhooks -----------------------------------------------------------------------------------------


def check_webhook_url(url: str) -> str:
    """http(s) only; loopback, private and link-local addresses only where the settings allow them
    (SUPERVISION_WEBHOOK_ALLOW_LOOPBACK, for tests)."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(gettext("A webhook URL starts with http:// or https:// and names a host."), field="url")
    if not settings.SUPERVISION_WEBHOOK_ALLOW_LOOPBACK and is_internal_host(parts.hostname):
        raise InvalidInput(gettext("A webhook may not point at a loopback or private address."), field="url")
    return parts.geturl()


def is_internal_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


def create_webhook(*, url: str, event_types: list[str], project_code: str | None = None, actor) -> Webhook:
    """A subscription for one project (its owner) or for the department's whole region."""
    project = department = None
    if project_code:
        project = get_project(project_code, user=actor, action="webhook.manage")
    else:
        department = department_of(actor)
    url = check_webhook_url(url)
    unknown = sorted(set(event_types or []) - set(WebhookEventType.values))
    if not event_types or unknown:
        raise InvalidInput(
            gettext("Event types are some of %(types)s.") % {"types": ", ".join(WebhookEventType.values)},
            field="event_types",
        )
    with transaction.atomic():
        webhook = Webhook.objects.create(
            project=project,
            department=department,
            url=url,
            event_types=sorted(set(event_types)),
            created_by=actor,
        )
        record_event(
            "webhook.created",
            actor=actor,
            project=project,
            organisation=department,
            target=webhook,
            changes={"url": [None, url], "event_types": [None, webhook.event_types]},
        )
    return webhook


def replay_webhook_delivery(delivery_id: int, *, actor) -> WebhookDelivery:
    """Send a logged delivery's payload again, as a new delivery."""
    from .queries import get_delivery
    from .tasks import deliver_webhook

    original = get_delivery(delivery_id, user=actor)
    with transaction.atomic():
        replay = WebhookDelivery.objects.create(
            webhook=original.webhook,
            event_type=original.event_type,
            event_id=original.event_id,
            payload=original.payload,
            replay_of=original,
        )
        record_event(
            "webhook.replayed",
            actor=actor,
            project=original.webhook.project,
            organisation=original.webhook.department,
            target=replay,
            changes={"replay_of": [None, original.pk]},
        )
    transaction.on_commit(lambda: deliver_webhook.delay(replay.pk))
    return replay


def record_delivery_attempt(delivery_id: int, *, code: int | None, error: str, final: bool) -> WebhookDelivery:
    """The outcome of one attempt, in the delivery's log (by the delivery task: a system record,
    not a person's action, so it is kept in the log rather than the audit trail)."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        delivery.attempts += 1
        delivery.response_code, delivery.error = code, error[:500]
        delivery.last_attempt_at = timezone.now()
        delivery.log = [*delivery.log, {"at": delivery.last_attempt_at.isoformat(), "code": code, "error": error[:500]}]
        ok = code is not None and 200 <= code < 300
        if ok:
            delivery.status = "delivered"
        elif final:
            delivery.status = "failed"
        delivery.save(update_fields=["attempts", "response_code", "error", "last_attempt_at", "log", "status"])
    return delivery


# --- the dashboard's stored scores (derived data) --------------------------------------------------

SCORE_BATCH = 500  # projects scored together: a few aggregate queries each, whatever the region


def refresh_project_scores(project_ids, *, today: datetime.date | None = None) -> int:
    """Score the projects again, in every language of the site, and store the scores (a derived
    read model, like the ingest's bulk rows: no audit event; the events it derives from have
    theirs). Returns the number of projects scored."""
    from django.utils import translation

    from .models import ProjectScore
    from .scoring import score_projects

    today = today or timezone.localdate()
    ids = sorted(set(project_ids))
    languages = [code for code, _name in settings.LANGUAGES]
    for start in range(0, len(ids), SCORE_BATCH):
        projects = list(Project.objects.filter(pk__in=ids[start : start + SCORE_BATCH]))
        scored = {}
        for language in languages:
            with translation.override(language):
                for row in score_projects(projects, today=today):
                    scored.setdefault(row.project.pk, []).append((language, row))
        rows = []
        for project_id, by_language in scored.items():
            first = by_language[0][1]
            reasons = [
                {
                    "component": r.component,
                    "code": r.code,
                    "points": r.points,
                    "message": {language: row.reasons[i].message for language, row in by_language},
                }
                for i, r in enumerate(first.reasons)
            ]
            codes = " ".join(sorted({r.code for r in first.reasons} | {r.component for r in first.reasons}))
            rows.append(
                ProjectScore(
                    project_id=project_id,
                    score=first.score,
                    reasons=reasons,
                    codes=f" {codes} ",
                    is_stale=False,
                    computed_on=today,
                )
            )
        ProjectScore.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["project"],
            update_fields=["score", "reasons", "codes", "is_stale", "computed_on"],
        )
    return len(ids)


def refresh_stale_scores(projects, *, today: datetime.date | None = None) -> int:
    """Score again those of `projects` (a queryset) whose stored score is missing, marked stale or
    of an earlier day: before a dashboard is read, so what it shows is current."""
    today = today or timezone.localdate()
    stale = projects.filter(
        Q(supervision_score__isnull=True)
        | Q(supervision_score__is_stale=True)
        | Q(supervision_score__computed_on__lt=today)
    ).values_list("pk", flat=True)
    return refresh_project_scores(list(stale), today=today)
