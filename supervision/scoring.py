"""A project's completeness score for the region dashboard: 100 less the points of its reasons.

The score is a list of components, one function per source (the register and its letters, the
permanent signs, the open findings, acceptance progress, failed material batches and the witness
share, the insurance policy and claims). Each component takes a `Batch` (the projects of one dashboard page, or of a whole region)
and returns {project_id: [Reason]} from a bounded number of aggregate queries, never one query per
project; a new source is one function and one line in COMPONENTS.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from acceptance.materials.queries import material_problems_of
from acceptance.queries import acceptance_progress_of
from inspections.queries import open_findings_of
from insurance.queries import insurance_state_of
from projects.models import LetterKind, Party, Project, ProjectStage
from projects.queries import current_appointments_of, letter_requirements_of
from signage.queries import sign_problems_of

FULL_SCORE = 100

# points each reason takes off (Plumbline's defaults)
POINTS = {
    "party_missing": 10,
    "letter_missing": 5,
    "letter_overdue": 8,
    "letter_filed_late": 2,
    "sign_missing": 5,
    "sign_not_permanent": 5,
    "sign_discrepancy": 3,
    "finding_critical": 6,
    "finding_major": 3,
    "finding_minor": 1,
    "finding_overdue": 2,
    "acceptance_progress": 0,  # for the reader: how far acceptance has come
    "acceptance_failed": 2,  # per inspection lot failed and not inspected again
    "acceptance_unaccepted": 5,  # per unit project not accepted once the project is completed
    "material_failed": 5,  # per failed batch without disposition
    "witness_below": 4,  # per mandatory category witnessed below the threshold
    "policy_missing": 10,  # no IDI policy from construction on
    "claim_open": 1,
    "claim_overdue": 3,
}
# the most one component takes off, so one bad source does not hide the others
COMPONENT_CAP = {
    "register": 50,
    "signs": 30,
    "findings": 50,
    "acceptance": 30,
    "materials": 30,
    "insurance": 30,
}
SIGNED_STAGES = {ProjectStage.COMPLETED, ProjectStage.WARRANTY}  # a sign goes up after completion


@dataclass(frozen=True)
class Reason:
    component: str
    code: str  # stable, for clients and filters
    message: str  # for a person, in the request's language
    points: int


@dataclass
class Batch:
    """The projects scored together, and what several components read (fetched once)."""

    projects: list[Project]
    today: datetime.date

    @cached_property
    def ids(self) -> list[int]:
        return [p.pk for p in self.projects]

    @cached_property
    def current(self) -> dict:
        return current_appointments_of(self.ids)


def register_reasons(batch: Batch) -> dict[int, list[Reason]]:
    """Parties not appointed; letters missing (from construction on), overdue or filed late."""
    requirements = letter_requirements_of(batch.ids, today=batch.today, current=batch.current)
    found: dict[int, list[Reason]] = {}
    for project in batch.projects:
        reasons = found.setdefault(project.pk, [])
        for party, appointment in batch.current[project.pk].items():
            if appointment is None:
                message = _("no %(party)s appointed") % {"party": Party(party).label}
                reasons.append(Reason("register", "party_missing", message, POINTS["party_missing"]))
        for r in requirements[project.pk]:
            if r.status == "on_file" or (r.status == "missing" and project.stage == ProjectStage.PREPARATION):
                continue
            what = _("%(party)s: %(leader)s's %(letter)s") % {
                "party": Party(r.appointment.party).label,
                "leader": r.appointment.leader.name,
                "letter": LetterKind(r.kind).label,
            }
            if r.status == "missing":
                message = _("%(letter)s is not on file") % {"letter": what}
            elif r.status == "overdue":
                message = _("%(letter)s is overdue since %(date)s") % {"letter": what, "date": r.due_date}
            else:
                message = _("%(letter)s was filed late (due %(date)s)") % {"letter": what, "date": r.due_date}
            code = f"letter_{r.status}"
            reasons.append(Reason("register", code, message, POINTS[code]))
    return found


def sign_reasons(batch: Batch) -> dict[int, list[Reason]]:
    """Buildings without a sign after completion; signs that differ from the register or are not
    permanent."""
    signs = sign_problems_of(batch.ids, current=batch.current)
    found: dict[int, list[Reason]] = {}
    for project in batch.projects:
        reasons = found.setdefault(project.pk, [])
        missing = project.building_count - signs[project.pk]["signs"]
        if project.stage in SIGNED_STAGES and missing > 0:
            message = ngettext(
                "%(n)d building has no permanent sign", "%(n)d buildings have no permanent sign", missing
            ) % {"n": missing}
            reasons.append(Reason("signs", "sign_missing", message, POINTS["sign_missing"] * missing))
        for problem in signs[project.pk]["problems"]:
            code = "sign_not_permanent" if problem.code.startswith("material_") else "sign_discrepancy"
            reasons.append(Reason("signs", code, problem.message, POINTS[code]))
    return found


SEVERITY_CODES = (("critical", "finding_critical"), ("major", "finding_major"), ("minor", "finding_minor"))


def finding_reasons(batch: Batch) -> dict[int, list[Reason]]:
    """Open findings by severity and age, and those past their due date."""
    from inspections.models import Severity

    open_findings = open_findings_of(batch.ids, today=batch.today)
    found: dict[int, list[Reason]] = {}
    for project in batch.projects:
        reasons = found.setdefault(project.pk, [])
        overdue = 0
        for severity, code in SEVERITY_CODES:
            row = open_findings[project.pk].get(severity)
            if not row:
                continue
            overdue += row["overdue"]
            days = (batch.today - row["oldest"].date()).days
            message = ngettext(
                "%(n)d open %(severity)s finding, the oldest %(days)d days old",
                "%(n)d open %(severity)s findings, the oldest %(days)d days old",
                row["open"],
            ) % {"n": row["open"], "severity": Severity(severity).label, "days": days}
            reasons.append(Reason("findings", code, message, POINTS[code] * row["open"]))
        if overdue:
            message = ngettext(
                "%(n)d finding open past its due date", "%(n)d findings open past their due date", overdue
            ) % {"n": overdue}
            reasons.append(Reason("findings", "finding_overdue", message, POINTS["finding_overdue"] * overdue))
    return found


def acceptance_reasons(batch: Batch) -> dict[int, list[Reason]]:
    """How far acceptance has come (lots and unit projects accepted), failed lots, and unit
    projects not accepted once the project is completed."""
    progress = acceptance_progress_of(batch.ids)
    found: dict[int, list[Reason]] = {}
    for project in batch.projects:
        reasons = found.setdefault(project.pk, [])
        p = progress[project.pk]
        if not p["lots"] and not p["units"]:
            continue
        share = round(100 * p["lots_accepted"] / p["lots"]) if p["lots"] else 0
        message = _(
            "%(accepted)d of %(lots)d inspection lots accepted (%(share)d%%), "
            "%(units_accepted)d of %(units)d unit projects"
        ) % {"accepted": p["lots_accepted"], "lots": p["lots"], "share": share, **p}
        reasons.append(Reason("acceptance", "acceptance_progress", message, POINTS["acceptance_progress"]))
        if p["lots_failed"]:
            message = ngettext(
                "%(n)d inspection lot failed its inspection",
                "%(n)d inspection lots failed their inspection",
                p["lots_failed"],
            ) % {"n": p["lots_failed"]}
            reasons.append(
                Reason("acceptance", "acceptance_failed", message, POINTS["acceptance_failed"] * p["lots_failed"])
            )
        missing = p["units"] - p["units_accepted"]
        if project.stage in SIGNED_STAGES and missing > 0:
            message = ngettext(
                "%(n)d unit project not accepted after completion",
                "%(n)d unit projects not accepted after completion",
                missing,
            ) % {"n": missing}
            reasons.append(
                Reason("acceptance", "acceptance_unaccepted", message, POINTS["acceptance_unaccepted"] * missing)
            )
    return found


def material_reasons(batch: Batch) -> dict[int, list[Reason]]:
    """Failed material batches without a disposition, and mandatory categories whose witnessed
    share of the required samples is below the threshold."""
    problems = material_problems_of(batch.ids)
    found: dict[int, list[Reason]] = {}
    for project in batch.projects:
        reasons = found.setdefault(project.pk, [])
        for label in problems[project.pk]["failed"]:
            message = _("%(batch)s failed a test and has no disposition") % {"batch": label}
            reasons.append(Reason("materials", "material_failed", message, POINTS["material_failed"]))
        for row in problems[project.pk]["witness"]:
            if not row["is_below"]:
                continue
            message = _("%(category)s: %(share)d%% of the required samples witnessed (at least %(threshold)d%%)") % {
                "category": row["name"],
                "share": round(100 * row["share"]),
                "threshold": round(100 * row["threshold"]),
            }
            reasons.append(Reason("materials", "witness_below", message, POINTS["witness_below"]))
    return found


def insurance_reasons(batch: Batch) -> dict[int, list[Reason]]:
    """No IDI policy from construction on; open claims, and those past their next deadline."""
    state = insurance_state_of(batch.ids, today=batch.today)
    found: dict[int, list[Reason]] = {}
    for project in batch.projects:
        reasons = found.setdefault(project.pk, [])
        s = state[project.pk]
        if not s["policies"] and project.stage != ProjectStage.PREPARATION:
            reasons.append(Reason("insurance", "policy_missing", _("no IDI policy on file"), POINTS["policy_missing"]))
        if s["open_claims"]:
            message = ngettext("%(n)d open defect claim", "%(n)d open defect claims", s["open_claims"]) % {
                "n": s["open_claims"]
            }
            reasons.append(Reason("insurance", "claim_open", message, POINTS["claim_open"] * s["open_claims"]))
        if s["overdue_claims"]:
            message = ngettext(
                "%(n)d claim past its deadline", "%(n)d claims past their deadline", s["overdue_claims"]
            ) % {"n": s["overdue_claims"]}
            reasons.append(Reason("insurance", "claim_overdue", message, POINTS["claim_overdue"] * s["overdue_claims"]))
    return found


# (component, function): each reads a whole batch of projects in a bounded number of queries
COMPONENTS: list[tuple[str, Callable[[Batch], dict[int, list[Reason]]]]] = [
    ("register", register_reasons),
    ("signs", sign_reasons),
    ("findings", finding_reasons),
    ("acceptance", acceptance_reasons),
    ("materials", material_reasons),
    ("insurance", insurance_reasons),
]

COMPONENT_LABELS = {
    "register": gettext_lazy("parties and letters"),
    "signs": gettext_lazy("permanent signs"),
    "findings": gettext_lazy("open findings"),
    "acceptance": gettext_lazy("acceptance progress"),
    "materials": gettext_lazy("material batches and witnessing"),
    "insurance": gettext_lazy("insurance policy and claims"),
}


@dataclass
class ProjectScore:
    project: Project
    score: int
    reasons: list[Reason] = field(default_factory=list)


def score_projects(projects, *, today: datetime.date) -> list[ProjectScore]:
    """Each project's score and reasons, in the order given."""
    batch = Batch(list(projects), today)
    reasons: dict[int, list[Reason]] = {p.pk: [] for p in batch.projects}
    for name, component in COMPONENTS:
        for project_id, found in component(batch).items():
            reasons[project_id] += _capped(found, COMPONENT_CAP.get(name))
    return [
        ProjectScore(p, max(0, FULL_SCORE - sum(r.points for r in reasons[p.pk])), reasons[p.pk])
        for p in batch.projects
    ]


def _capped(reasons: list[Reason], cap: int | None) -> list[Reason]:
    """The reasons with their points trimmed, the last ones first, so they add up to `cap`."""
    if cap is None or sum(r.points for r in reasons) <= cap:
        return reasons
    left, kept = cap, []
    for r in reasons:
        points = min(r.points, left)
        left -= points
        kept.append(Reason(r.component, r.code, r.message, points))
    return kept
