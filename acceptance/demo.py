"""The acceptance app's part of the demo: building 1#'s split approved, its lots generated from the
demo model, the foundation division accepted, and the main structure under way (storey 1F's
rebar lot accepted, 2F's inspected and waiting for the supervisor: the materials demo blocks it
with a failed rebar batch; the cast-in-place structure lots on the concrete walls generated), signed by the contractor's foreman, quality inspector and technical
lead, who join the project here and whom the contractor designates in those capacities."""

import datetime
import io
import uuid

from django.db import transaction
from django.utils import timezone

from plumbline.core.permissions import Role
from projects import actions as project_actions
from projects.demo import APPOINTED_ON, PASSWORD, id_number, letter_pdf

from . import actions
from .models import AcceptanceNode, Capacity, DocumentKind, Level

# (username, name, ID number first 17, qualification): the contractor's site staff who sign lots
SITE_STAFF = [
    ("foreman", "王工长", "44010619860415331", "专业工长"),
    ("quality_inspector", "刘质检", "44010619870723221", "专业质量检查员"),
    ("technical_lead", "陈技术", "44010619790909111", "高级工程师"),
]
SITE_CAPACITY_OF = [Capacity.FOREMAN, Capacity.QUALITY_INSPECTOR, Capacity.TECHNICAL_LEAD]
REBAR, CONCRETE, CAST_IN_PLACE, SPREAD_FOOTING = "020102", "020103", "020105", "010202"
CONCRETE_CLASSES = ["IfcColumn", "IfcSlab"]


def load(context) -> None:
    """`context` is the projects demo's DemoContext, with the building records and the model ingested."""
    project = context.project
    building = context.buildings["1#"]
    today = timezone.localdate()
    with transaction.atomic():
        for (username, name, id17, qualification), capacity in zip(SITE_STAFF, SITE_CAPACITY_OF, strict=True):
            person = project_actions.register_person(
                username=username,
                name=name,
                organisation_id=context.organisations["contractor"].pk,
                id_number=id_number(id17),
                qualification=qualification,
                certificate_number=f"{username.upper()}-2026-0001",
                password=PASSWORD,
                actor=context.admin,
            )
            context.people[username] = person
            project_actions.add_project_member(project, person_id=person.pk, role=Role.CONTRACTOR, actor=context.owner)
            actions.designate_site_staff(
                project,
                person_id=person.pk,
                capacity=capacity,
                start_date=APPOINTED_ON,
                actor=context.user("contractor"),
            )
        contractor, chief = context.user("contractor"), context.user("chief_inspector")
        actions.propose_acceptance_plan(
            project,
            building_id=building.pk,
            sub_items=[
                {"code": SPREAD_FOOTING},
                {"code": REBAR},
                {"code": CONCRETE, "covers": [REBAR]},
                {"code": CAST_IN_PLACE},
            ],
            actor=contractor,
        )
        actions.approve_acceptance_plan(project, building_id=building.pk, actor=chief)
        for code in (REBAR, CONCRETE):
            actions.generate_inspection_lots(
                project,
                building_id=building.pk,
                sub_item_code=code,
                ifc_classes=CONCRETE_CLASSES,
                material="混凝土",
                actor=contractor,
            )
        # the cast-in-place structure's lots on the concrete walls, one per storey, not inspected yet
        actions.generate_inspection_lots(
            project,
            building_id=building.pk,
            sub_item_code=CAST_IN_PLACE,
            ifc_classes=["IfcWall"],
            material="混凝土",
            actor=contractor,
        )
        _accept_foundation(context, building, today)
        rebar_lots = list(
            AcceptanceNode.objects.filter(building=building, parent__code=REBAR, level=Level.INSPECTION_LOT).order_by(
                "code"
            )
        )
        for lot in rebar_lots:
            _inspect(context, lot, today, rebar_items(lot_size=lot.elements.count()))
        _sign_lot(context, rebar_lots[0], today, with_supervisor=True)
        _sign_lot(context, rebar_lots[1], today, with_supervisor=False)


def _accept_foundation(context, building, today) -> None:
    """The foundation division (spread footings by construction section) accepted all the way up."""
    project = context.project
    sub_item = AcceptanceNode.objects.get(building=building, level=Level.SUB_ITEM, code=SPREAD_FOOTING)
    lot = actions.add_inspection_lot(
        project,
        sub_item_id=sub_item.pk,
        name="钢筋混凝土扩展基础 第1施工段 (轴1-4)",
        zone="第1施工段",
        capacity_quantity=120,
        capacity_unit="m3",
        actor=context.user("contractor"),
    )
    _inspect(context, lot, today, footing_items())
    _sign_lot(context, lot, today, with_supervisor=True)
    _sign(context, sub_item, today, "technical_lead", "inspector")
    sub_division = sub_item.parent
    _sign(context, sub_division, today, "technical_lead", "contractor", "chief_inspector")
    division = sub_division.parent
    actions.upload_acceptance_document(
        project,
        node_id=division.pk,
        kind=DocumentKind.SAFETY_FUNCTION_TEST,
        title="地基承载力检测报告",
        stream=io.BytesIO(letter_pdf("地基承载力检测报告 1#", "广东省建设工程质量安全检测总站")),
        original_name="foundation-bearing-test.pdf",
        actor=context.user("contractor"),
    )
    _sign(context, division, today, "technical_lead", "contractor", "chief_inspector", "surveyor", "designer")


def _inspect(context, lot, day, items) -> None:
    actions.record_lot_inspection(
        context.project,
        lot_id=lot.pk,
        client_uuid=uuid.uuid4(),
        inspected_on=day,
        items=items,
        note="现场实测实量",
        actor=context.user("quality_inspector"),
    )


def _sign_lot(context, lot, day, *, with_supervisor: bool) -> None:
    signers = ["quality_inspector", "foreman"] + (["inspector"] if with_supervisor else [])
    _sign(context, lot, day, *signers)


def _sign(context, node, day: datetime.date, *usernames) -> None:
    for username in usernames:
        actions.sign_acceptance(context.project, node_id=node.pk, signed_on=day, actor=context.user(username))


def _points(values, design, low, high) -> list[dict]:
    return [
        {"label": f"测点{i + 1}", "measured": v, "design": design, "tolerance_low": low, "tolerance_high": high}
        for i, v in enumerate(values)
    ]


def rebar_items(lot_size: int) -> list[dict]:
    """Rebar installation (钢筋安装) checks: GB 50204 main-control and general items."""
    return [
        {"kind": "main", "name": "受力钢筋的牌号、规格和数量", "result": "pass"},
        {"kind": "main", "name": "受力钢筋的安装位置、锚固方式", "result": "pass"},
        {"kind": "general", "name": "绑扎钢筋网 网眼尺寸 (mm)", "points": _points([8, -5, 12, 3, 0], 0, -20, 20)},
        {"kind": "general", "name": "纵向受力钢筋 保护层厚度 (mm)", "points": _points([2, -3, 4, 6, 1], 0, -5, 5)},
    ]


def footing_items() -> list[dict]:
    """Spread footing (钢筋混凝土扩展基础) checks, a lot of 120 m3: eight points per general item."""
    return [
        {"kind": "main", "name": "混凝土强度等级", "result": "pass"},
        {"kind": "main", "name": "轴线位置", "result": "pass"},
        {
            "kind": "general",
            "name": "基础顶面标高 (mm)",
            "points": _points([3, -4, 6, 10, -2, 0, 5, -8], 0, -15, 15),
        },
        {
            "kind": "general",
            "name": "截面尺寸 (mm)",
            "points": _points([2, 4, -3, 6, 1, -5, 0, 3], 0, -8, 8),
        },
    ]
