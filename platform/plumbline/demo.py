"""The demo data a newcomer sees after `make run`: loaded once, through the same actions users call."""

import datetime
import io

from django.contrib.auth import get_user_model
from django.db import transaction

from plumbline.permissions import Role
from projects import actions
from projects.models import OrganisationKind, Party, Project
from projects.validators import credit_code_check_character, id_number_check_digit

PASSWORD = "plumbline-demo"
PROJECT_CODE = "GZ-2026-001"


def credit_code(first17: str) -> str:
    return first17 + credit_code_check_character(first17)


def id_number(first17: str) -> str:
    return first17 + id_number_check_digit(first17)


# (key, kind, name, first 17 characters of the credit code, region code)
ORGANISATIONS = [
    ("owner", OrganisationKind.OWNER, "广州珠江置业有限公司", "91440101MA59A1B2C", ""),
    ("survey", OrganisationKind.SURVEY, "广东省岩土勘察设计研究院", "12440000455800123", ""),
    ("design", OrganisationKind.DESIGN, "广州市城市规划设计有限公司", "91440101190434567", ""),
    ("contractor", OrganisationKind.CONTRACTOR, "中建华南建设集团有限公司", "91440101MA5CXY12K", ""),
    ("supervisor", OrganisationKind.SUPERVISOR, "广州建设监理咨询有限公司", "91440104231245678", ""),
    ("tis", OrganisationKind.TIS, "华南工程风险管理有限公司", "91440106MA5D12345", ""),
    ("insurer", OrganisationKind.INSURER, "南方财产保险股份有限公司广州分公司", "91440101MA59QWERT", ""),
    ("authority", OrganisationKind.HOUSING_AUTHORITY, "广州市住房和城乡建设局", "11440100007502139", "440100"),
    ("authority_sz", OrganisationKind.HOUSING_AUTHORITY, "深圳市住房和建设局", "11440300007548901", "440300"),
]

# (username, name, organisation key, role in the demo project or None, ID number first 17, qualification)
PEOPLE = [
    ("owner", "李建国", "owner", Role.OWNER, "44010619750312451", "高级工程师"),
    ("surveyor", "陈土根", "survey", Role.SURVEY, "44010219700805331", "注册土木工程师(岩土)"),
    ("designer", "王设计", "design", Role.DESIGN, "44010319780214221", "一级注册建筑师"),
    ("contractor", "张施工", "contractor", Role.CONTRACTOR, "44010419800611781", "一级注册建造师"),
    ("inspector", "赵监理", "supervisor", Role.INSPECTOR, "44010519850920661", "注册监理工程师"),
    ("chief_inspector", "钱总监", "supervisor", Role.CHIEF_INSPECTOR, "44010619720101551", "注册监理工程师"),
    ("tis", "孙风控", "tis", Role.TIS_INSPECTOR, "44010619880707441", "注册结构工程师"),
    ("insurer", "周保险", "insurer", Role.INSURER, "44010619900303331", ""),
    ("home_owner", "吴业主", None, Role.HOME_OWNER, "44010619920412221", ""),
    ("auditor", "郑审计", "authority", None, "44010619830518111", ""),
    ("auditor_sz", "冯审计", "authority_sz", None, "44030419840202991", ""),
    ("outsider", "何路人", "contractor", None, "44010619950101881", ""),
]


def _describe(name: str, org_key: str | None, role: Role | None) -> str:
    if role is not None:
        return f"{name}, {role.label}"
    if org_key in ("authority", "authority_sz"):
        region = "Guangzhou: sees the demo project" if org_key == "authority" else "Shenzhen: does not see it"
        return f"{name}, housing-department auditor ({region})"
    return f"{name}, contractor staff outside the demo project"


LOGINS: list[tuple[str, str]] = [("admin", "platform administrator (Django admin at /admin/)")] + [
    (username, _describe(name, org_key, role)) for username, name, org_key, role, _, _ in PEOPLE
]


def load() -> bool:
    """Create the demo data unless it exists; True when it was created now."""
    User = get_user_model()
    with transaction.atomic():
        if Project.objects.filter(code=PROJECT_CODE).exists():
            return False
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            admin = User.objects.create_superuser("admin", "admin@plumbline.example", PASSWORD)
        orgs = {
            key: actions.create_organisation(
                credit_code=credit_code(code17), name=name, kind=kind, region_code=region, actor=admin
            )
            for key, kind, name, code17, region in ORGANISATIONS
        }
        people = {}
        for username, name, org_key, _role, id17, qualification in PEOPLE:
            people[username] = actions.register_person(
                username=username,
                name=name,
                organisation_id=orgs[org_key].pk if org_key else None,
                id_number=id_number(id17),
                qualification=qualification,
                certificate_number=f"{username.upper()}-2026-{len(people) + 1:04d}" if qualification else "",
                password=PASSWORD,
                is_organisation_admin=username == "owner",
                actor=admin,
            )
        owner = people["owner"].user
        project = actions.create_project(
            code=PROJECT_CODE,
            name="珠江新城保障性住房项目",
            address="广州市天河区珠江新城花城大道88号",
            region_code="440106",
            site_location={"type": "Point", "coordinates": [113.3245, 23.1195]},
            building_count=2,
            design_service_life_years=50,
            actor=owner,
        )
        for username, _name, _org, role, _id, _q in PEOPLE:
            if role is not None and role != Role.OWNER:
                actions.add_project_member(project, person_id=people[username].pk, role=role, actor=owner)
        load_register(project, orgs, people, owner)
    load_model(project, people["contractor"].user, people["designer"].user)
    load_findings(project, people["inspector"].user, people["contractor"].user)
    load_checklists(project, people["chief_inspector"].user, people["inspector"].user)
    return True


def load_findings(project, inspector, contractor) -> None:
    """Findings in each state on elements of the demo model, with photos."""
    import uuid

    from bim.models import ModelVersion
    from inspections import actions as inspection_actions
    from plumbline.celery import tasks_in_this_process

    version = ModelVersion.objects.get(model__project=project, model__name="1# Architecture")

    def element(name):
        return version.elements.get(name=name).global_id

    def photo(finding, who, label):
        inspection_actions.add_finding_photo(
            project,
            finding_id=finding.pk,
            client_uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-{label}"),
            stream=io.BytesIO(finding_photo_png(label)),
            original_name=f"{label}.png",
            actor=who,
        )

    def finding(label, title, names, category, severity, **extra):
        created, _ = inspection_actions.open_finding(
            project,
            client_uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-finding-{label}"),
            version_id=version.pk,
            global_ids=[element(n) for n in names],
            category=category,
            severity=severity,
            title=title,
            actor=inspector,
            **extra,
        )
        photo(created, inspector, f"{label}-found")
        return created

    with tasks_in_this_process():
        finding(
            "crack",
            "墙体裂缝 Crack in the south wall",
            ["1F south wall"],
            "structure",
            "major",
            description="0.3 mm crack, 1.2 m long, near the entrance door.",
        )
        sealing = finding("sealing", "窗框渗水 Window frame leaks", ["1F window W1"], "waterproofing", "minor")
        photo(sealing, contractor, "sealing-fixed")
        inspection_actions.move_finding(
            project,
            finding_id=sealing.pk,
            verb="submit_rectification",
            note="Resealed with silicone, tested with water.",
            actor=contractor,
        )
        column = finding("honeycomb", "柱蜂窝麻面 Honeycombing on column C2", ["1F column C2"], "structure", "critical")
        photo(column, contractor, "honeycomb-fixed")
        inspection_actions.move_finding(
            project,
            finding_id=column.pk,
            verb="submit_rectification",
            note="Repaired with high-strength mortar.",
            actor=contractor,
        )
        inspection_actions.move_finding(project, finding_id=column.pk, verb="verify", note="Accepted.", actor=inspector)


DEMO_CHECKLIST_ITEMS = [
    ("砌块强度等级符合设计 Block strength class as designed", False),
    ("水平灰缝砂浆饱满度 ≥ 80% Bed joints at least 80% filled", True),
    ("拉结筋每 500 mm 设置 Tie bars every 500 mm", True),
    ("墙面垂直度 ≤ 5 mm Plumb within 5 mm per storey", False),
    ("构造柱马牙槎 Toothing at constructional columns", False),
]


def load_checklists(project, chief, inspector) -> None:
    """A masonry checklist: one filled and completed on the 2F north wall (its failed item is now a
    finding), one half filled on the 1F south wall."""
    import uuid

    from bim.models import ModelVersion
    from inspections import actions as inspection_actions
    from plumbline.celery import tasks_in_this_process

    version = ModelVersion.objects.get(model__project=project, model__name="1# Architecture")
    template = inspection_actions.create_checklist_template(
        project,
        name="砌体工程检查 Masonry before plastering",
        category="structure",
        description="GB 50203: check before the wall is plastered.",
        items=[{"text": text, "photo_required": photo} for text, photo in DEMO_CHECKLIST_ITEMS],
        actor=chief,
    )
    items = list(template.items.all())

    def start(label, wall):
        checklist, _ = inspection_actions.start_checklist(
            project,
            client_uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-checklist-{label}"),
            template_id=template.pk,
            version_id=version.pk,
            global_ids=[version.elements.get(name=wall).global_id],
            actor=inspector,
        )
        return checklist

    def answer(checklist, item, result, note=""):
        inspection_actions.answer_checklist_item(
            project, checklist_id=checklist.pk, item_id=item.pk, result=result, note=note, actor=inspector
        )
        if item.photo_required and result != "na":
            inspection_actions.add_checklist_photo(
                project,
                checklist_id=checklist.pk,
                item_id=item.pk,
                client_uuid=uuid.uuid5(checklist.client_uuid, f"photo-{item.position}"),
                stream=io.BytesIO(finding_photo_png(f"checklist {checklist.pk} item {item.position}")),
                original_name=f"item-{item.position}.png",
                actor=inspector,
            )

    with tasks_in_this_process():
        done = start("2f-north", "2F north wall")
        answer(done, items[0], "pass")
        answer(done, items[1], "pass")
        answer(done, items[2], "fail", "拉结筋缺失 Tie bars missing in the top three courses near the corner.")
        answer(done, items[3], "pass")
        answer(done, items[4], "na", "No constructional column in this wall.")
        inspection_actions.complete_checklist(project, checklist_id=done.pk, actor=inspector)
        half = start("1f-south", "1F south wall")
        answer(half, items[0], "pass")
        answer(half, items[1], "pass")


def finding_photo_png(label: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (210, 205, 195))
    draw = ImageDraw.Draw(image)
    draw.line([(80, 120), (300, 260), (560, 330)], fill=(60, 60, 60), width=5)
    draw.text((20, 20), label, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def load_model(project, contractor, designer) -> None:
    """The demo building's IFC model, built in code and ingested now, so a plan shows at once."""
    from bim import actions as bim_actions
    from bim.ifc.build import demo_ids, demo_model
    from plumbline.celery import tasks_in_this_process

    data = demo_model("IFC4").to_string().encode()
    with tasks_in_this_process():
        version, _ = bim_actions.upload_model_version(
            project,
            stream=io.BytesIO(data),
            original_name="1#-architecture.ifc",
            model_name="1# Architecture",
            size=len(data),
            actor=contractor,
        )
        rules = bim_actions.upload_ids(
            project, stream=io.BytesIO(demo_ids()), original_name="fire-ratings.ids", actor=designer
        )
        bim_actions.request_ids_run(project, version_id=version.pk, ids_id=rules.pk, actor=designer)


# party -> (organisation key, leader username)
LEADERS = {
    Party.OWNER: ("owner", "owner"),
    Party.SURVEYOR: ("survey", "surveyor"),
    Party.DESIGNER: ("design", "designer"),
    Party.CONTRACTOR: ("contractor", "contractor"),
    Party.SUPERVISOR: ("supervisor", "chief_inspector"),
}
APPOINTED_ON = datetime.date(2026, 3, 2)
CONSTRUCTION_FROM = datetime.date(2026, 4, 1)


def load_register(project, orgs, people, owner) -> None:
    """The five parties appointed with both letters each, construction started, a sign on 1#."""
    from signage import actions as signage_actions

    for party, (org_key, username) in LEADERS.items():
        leader = people[username]
        appointment = actions.appoint_party(
            project,
            party=party,
            organisation_id=orgs[org_key].pk,
            leader_id=leader.pk,
            start_date=APPOINTED_ON,
            actor=owner,
        )
        for kind, title in (("authorisation", "法定代表人授权书"), ("commitment", "工程质量终身责任承诺书")):
            actions.upload_letter(
                project,
                appointment_id=appointment.pk,
                kind=kind,
                signed_on=APPOINTED_ON,
                stream=io.BytesIO(letter_pdf(f"{title} - {project.name}", f"{leader.name} ({Party(party).label})")),
                original_name=f"{party}-{kind}.pdf",
                actor=leader.user,
            )
    actions.change_project_stage(project, stage="construction", on=CONSTRUCTION_FROM, actor=owner)
    sign = signage_actions.record_sign(
        project,
        building="1#",
        material="granite",
        material_note="黑色, 金色阴刻宋体字 (black, gold engraved Song characters)",
        width_mm=800,
        height_mm=600,
        thickness_mm=20,
        location_text="1#楼南侧主入口左侧墙面, 距地面约2米",
        coordinates={"type": "Point", "coordinates": [113.32452, 23.11948]},
        installed_on=datetime.date(2026, 4, 3),
        actor=owner,
    )
    signage_actions.add_sign_photo(
        project, sign_id=sign.pk, stream=io.BytesIO(sign_photo_png()), original_name="sign-1.png", actor=owner
    )


def letter_pdf(title: str, signer: str) -> bytes:
    """A one-page PDF standing in for a scanned, signed letter."""
    text = f"{title} / signed by {signer}".encode("unicode_escape").decode("ascii").replace("(", "[").replace(")", "]")
    stream = f"BT /F1 12 Tf 50 780 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def sign_photo_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 300), (25, 25, 28))
    draw = ImageDraw.Draw(image)
    draw.rectangle([10, 10, 390, 290], outline=(201, 162, 39), width=4)
    for i, line in enumerate(["PROJECT SIGN 1#", "OWNER / SURVEY / DESIGN", "CONTRACTOR / SUPERVISOR", "50 YEARS"]):
        draw.text((40, 60 + 50 * i), line, fill=(201, 162, 39))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
