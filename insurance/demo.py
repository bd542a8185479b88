"""The insurance app's part of the demo: building 1#'s units (those of the two modelled storeys on
their IfcSpaces), the demo home owner bound to 1-201 (apartment 2F01 of the model, so "my home"
shows its plan; the claims are on its storey's elements), a policy with the default cover, and
three claims: a waterproofing leak accepted in its window with the repair assigned, a decoration
defect declined as found after its cover ended, and one just filed on a wall of the demo model.

The demo project is still under construction, so the policy carries the completion acceptance
date cover counts from (written on the policy) for its claims to have a window at all."""

import datetime
import uuid

from bim.demo import MODEL_NAME
from bim.models import ModelVersion
from projects.models import Building

from . import actions

POLICY_NUMBER = "IDI-440106-2026-0001"
ACCEPTED_ON = datetime.date(2022, 6, 30)
# (number, floor, area m², name of its IfcSpace in the demo model or None)
UNITS = [
    (f"1-{floor}0{n}", floor, 89.5 if n == 1 else 62.3, f"{floor}F0{n}" if floor <= 2 else None)
    for floor in range(1, 7)
    for n in (1, 2)
]


def load(context) -> None:
    project, owner = context.project, context.owner
    building = Building.objects.get(project=project, name="1#")
    version = ModelVersion.objects.get(model__project=project, model__name=MODEL_NAME, status="ready")
    spaces = dict(version.spaces.values_list("name", "global_id"))
    units = {}
    for number, floor, area, space in UNITS:
        units[number] = actions.create_unit(
            project,
            building_id=building.pk,
            number=number,
            floor=floor,
            area_m2=area,
            space_global_ids=[spaces[space]] if space in spaces else [],
            actor=owner,
        )
    home = units["1-201"]
    actions.bind_home_owner(project, unit_id=home.pk, person_id=context.people["home_owner"].pk, actor=owner)
    orgs = context.organisations
    actions.create_policy(
        project,
        number=POLICY_NUMBER,
        insurer_id=orgs["insurer"].pk,
        tis_id=orgs["tis"].pk,
        premium_rate_percent="1.35",
        premium_amount="1350000.00",
        accepted_on=ACCEPTED_ON,
        actor=owner,
    )
    _load_claims(context, project, version, home)


def _load_claims(context, project, version, home) -> None:
    home_owner, tis, insurer = context.user("home_owner"), context.user("tis"), context.user("insurer")

    def element(name):
        return version.elements.get(name=name).global_id

    def claim(label, **fields):
        created, _ = actions.file_claim(
            project,
            client_uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-claim-{label}"),
            unit_id=home.pk,
            version_id=version.pk,
            actor=home_owner,
            **fields,
        )
        return created

    leak = claim(
        "leak",
        global_ids=[element("2F 楼板")],
        category="waterproofing",
        description="卫生间楼板渗水，楼下天花板出现水渍",
        found_on=datetime.date(2026, 10, 12),
        is_emergency=True,
    )
    actions.move_claim(project, claim_id=leak.pk, verb="survey", note="现场查勘：卫生间防水层破损，渗漏属实", actor=tis)
    actions.move_claim(project, claim_id=leak.pk, verb="accept", note="在保险期间内，属防水工程缺陷", actor=insurer)
    actions.move_claim(
        project, claim_id=leak.pk, verb="assign_repair", party="contractor", note="由施工单位返修", actor=insurer
    )
    paint = claim(
        "paint",
        global_ids=[element("2F 内隔墙")],
        category="decoration",
        description="隔墙墙面涂料起皮脱落",
        found_on=datetime.date(2026, 8, 20),
    )
    actions.move_claim(project, claim_id=paint.pk, verb="survey", note="现场查勘：墙面涂料起皮", actor=tis)
    actions.move_claim(
        project,
        claim_id=paint.pk,
        verb="decline",
        reasons=["after_window"],
        note="装饰装修工程保险期间已于2026-06-29届满",
        actor=insurer,
    )
    claim(
        "wall",
        global_ids=[element("2F 南墙")],
        description="南墙外墙内侧出现竖向裂缝",
        found_on=datetime.date(2026, 11, 25),
    )
