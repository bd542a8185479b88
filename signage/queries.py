"""Reading signs, generating what a sign should say from the register, and checking signs."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from plumbline.core.errors import NotFound
from projects.models import LEADER_TITLE, Party, Project
from projects.queries import authorize, current_appointments, current_appointments_of

from .materials import describe_accepted, get_material
from .models import PermanentSign, SignStatus


def sign_content(project: Project, building: str, *, current=None) -> dict:
    """What a sign for `building` must show today (DOMAIN.md section 3); `current`: the project's
    current appointments when the caller has them already."""
    parties = []
    for party, appointment in (current if current is not None else current_appointments(project)).items():
        parties.append(
            {
                "party": party,
                "party_label": str(Party(party).label),
                "organisation": appointment.organisation.name if appointment else None,
                "leader": appointment.leader.name if appointment else None,
                "leader_title": str(LEADER_TITLE[party]),
            }
        )
    return {
        "project_name": project.name,
        "building": building,
        "parties": parties,
        "design_service_life_years": project.design_service_life_years,
        "construction_started_on": project.construction_started_on.isoformat()
        if project.construction_started_on
        else None,
        "completed_on": project.completed_on.isoformat() if project.completed_on else None,
    }


@dataclass(frozen=True)
class SignProblem:
    """One way a sign differs from the register or is not permanent: a stable `code` for clients,
    a `message` in the request's language, and the `field` of the sign it is about."""

    code: str
    message: str
    field: str


# Problems of the sign itself, as opposed to the register having changed since it was made.
MATERIAL_PROBLEMS = frozenset({"material_not_permanent", "material_unrecognised"})


def _shown(value, empty) -> str:
    return str(value) if value not in (None, "") else str(empty)


def check_sign(sign: PermanentSign, *, current=None, expected=None) -> list[SignProblem]:
    """Where the sign no longer matches the register, or is not permanent. `expected`: what a sign
    of the project shows today (`sign_content`; its building is not compared), when the caller
    checks several signs of one project."""
    problems = []
    expected = expected or sign_content(sign.project, sign.building, current=current)
    shown = {p["party"]: p for p in sign.content.get("parties", [])}
    for party in expected["parties"]:
        on_sign = shown.get(party["party"], {})
        for field, what, code in (
            ("organisation", _("organisation"), "party_organisation_changed"),
            ("leader", party["leader_title"], "party_leader_changed"),
        ):
            if on_sign.get(field) != party[field]:
                message = _("%(party)s %(what)s: the sign shows %(shown)s, the register names %(registered)s") % {
                    "party": party["party_label"],
                    "what": what,
                    "shown": _shown(on_sign.get(field), _("nothing")),
                    "registered": _shown(party[field], _("nobody")),
                }
                problems.append(SignProblem(code, message, f"content.parties.{party['party']}.{field}"))
    for field, what, code in (
        ("project_name", _("project name"), "project_name_changed"),
        ("design_service_life_years", _("design service life"), "design_service_life_changed"),
        ("construction_started_on", _("start date"), "start_date_changed"),
        ("completed_on", _("completion date"), "completion_date_changed"),
    ):
        if sign.content.get(field) != expected[field]:
            message = _("%(what)s: the sign shows %(shown)s, the register has %(registered)s") % {
                "what": what,
                "shown": _shown(sign.content.get(field), _("nothing")),
                "registered": _shown(expected[field], _("nothing")),
            }
            problems.append(SignProblem(code, message, f"content.{field}"))
    if not sign.material:
        problems.append(
            SignProblem(
                "material_unrecognised",
                _(
                    "The material was recorded as %(text)s, which names none of the permanent materials: "
                    "check the sign and record it again with one of %(accepted)s."
                )
                % {"text": _shown(sign.material_note, _("nothing")), "accepted": describe_accepted()},
                "material",
            )
        )
    elif get_material(sign.material) is None:
        problems.append(
            SignProblem(
                "material_not_permanent",
                _("%(material)s is not one of the permanent materials accepted: %(accepted)s.")
                % {"material": sign.material, "accepted": describe_accepted()},
                "material",
            )
        )
    return problems


def list_signs(project: Project, *, user, include_retired: bool = False) -> QuerySet[PermanentSign]:
    authorize(user, project, "register.view")
    qs = PermanentSign.objects.filter(project=project).prefetch_related("photos")
    return qs if include_retired else qs.filter(status=SignStatus.ACTIVE)


def get_sign(project: Project, sign_id: int, *, user) -> PermanentSign:
    authorize(user, project, "register.view")
    sign = PermanentSign.objects.filter(project=project, pk=sign_id).prefetch_related("photos").first()
    if sign is None:
        raise NotFound(_("No sign %(id)s in project %(code)s.") % {"id": sign_id, "code": project.code})
    return sign


def get_public_sign(token: str) -> PermanentSign:
    """A sign by the token in its QR code: public, for anyone who scans it."""
    sign = PermanentSign.objects.select_related("project").filter(public_token=token).first()
    if sign is None:
        raise NotFound(_("No sign with this code."))
    return sign


def material_name(sign: PermanentSign) -> str:
    """The sign's material in the request's language; the code itself if no longer configured,
    and empty when an old free-text material named none of the list."""
    material = get_material(sign.material)
    return material.name if material else sign.material


def public_url(sign: PermanentSign) -> str:
    return f"{settings.SITE_URL}/signs/{sign.public_token}/"


def signs_for_archive(project: Project) -> QuerySet[PermanentSign]:
    """Every sign of the project, retired ones included, with photos (for the quality archive)."""
    return PermanentSign.objects.filter(project=project).prefetch_related("photos").order_by("building", "created_at")


def sign_problems_of(project_ids, *, current=None) -> dict[int, dict]:
    """For many projects in at most three queries (region dashboards): each project's active
    signs counted and their problems, {project_id: {"signs": n, "problems": [SignProblem]}}.
    `current`: the projects' `current_appointments_of`, when the caller has it."""
    project_ids = list(project_ids)
    current = current if current is not None else current_appointments_of(project_ids)
    found = {pk: {"signs": 0, "problems": []} for pk in project_ids}
    expected = {}
    for sign in PermanentSign.objects.filter(project_id__in=project_ids, status=SignStatus.ACTIVE).select_related(
        "project"
    ):
        if sign.project_id not in expected:
            expected[sign.project_id] = sign_content(sign.project, sign.building, current=current[sign.project_id])
        found[sign.project_id]["signs"] += 1
        found[sign.project_id]["problems"] += check_sign(sign, expected=expected[sign.project_id])
    return found
