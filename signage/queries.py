"""Reading signs, generating what a sign should say from the register, and checking signs."""

from django.conf import settings
from django.db.models import QuerySet

from plumbline.errors import NotFound
from projects.models import LEADER_TITLE, Party, Project
from projects.queries import authorize, current_appointments

from .models import PermanentSign, SignStatus


def sign_content(project: Project, building: str) -> dict:
    """What a sign for `building` must show today (DOMAIN.md section 3)."""
    parties = []
    for party, appointment in current_appointments(project).items():
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


def is_permanent_material(material: str) -> bool:
    text = (material or "").lower()
    return any(m.lower() in text for m in settings.SIGN_PERMANENT_MATERIALS)


def check_sign(sign: PermanentSign) -> list[str]:
    """Where the sign no longer matches the register, or is not permanent."""
    problems = []
    expected = sign_content(sign.project, sign.building)
    shown = {p["party"]: p for p in sign.content.get("parties", [])}
    for party in expected["parties"]:
        on_sign = shown.get(party["party"], {})
        for field, what in (("organisation", "organisation"), ("leader", party["leader_title"])):
            if on_sign.get(field) != party[field]:
                problems.append(
                    f"{party['party_label']} {what}: the sign shows {on_sign.get(field) or 'nothing'}, "
                    f"the register names {party[field] or 'nobody'}"
                )
    for field, what in (
        ("project_name", "project name"),
        ("design_service_life_years", "design service life"),
        ("construction_started_on", "start date"),
        ("completed_on", "completion date"),
    ):
        if sign.content.get(field) != expected[field]:
            problems.append(
                f"{what}: the sign shows {sign.content.get(field) or 'nothing'}, "
                f"the register has {expected[field] or 'nothing'}"
            )
    if not is_permanent_material(sign.material):
        problems.append(f"material {sign.material!r} is not a permanent material (e.g. marble, granite, metal)")
    return problems


def list_signs(project: Project, *, user, include_retired: bool = False) -> QuerySet[PermanentSign]:
    authorize(user, project, "register.view")
    qs = PermanentSign.objects.filter(project=project).prefetch_related("photos")
    return qs if include_retired else qs.filter(status=SignStatus.ACTIVE)


def get_sign(project: Project, sign_id: int, *, user) -> PermanentSign:
    authorize(user, project, "register.view")
    sign = PermanentSign.objects.filter(project=project, pk=sign_id).prefetch_related("photos").first()
    if sign is None:
        raise NotFound(f"No sign {sign_id} in project {project.code}.")
    return sign


def get_public_sign(token: str) -> PermanentSign:
    """A sign by the token in its QR code: public, for anyone who scans it."""
    sign = PermanentSign.objects.select_related("project").filter(public_token=token).first()
    if sign is None:
        raise NotFound("No sign with this code.")
    return sign


def public_url(sign: PermanentSign) -> str:
    return f"{settings.SITE_URL}/signs/{sign.public_token}/"


def signs_for_archive(project: Project) -> QuerySet[PermanentSign]:
    """Every sign of the project, retired ones included, with photos (for the quality archive)."""
    return PermanentSign.objects.filter(project=project).prefetch_related("photos").order_by("building", "created_at")
