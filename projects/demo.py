"""The projects app's part of the demo: the organisations, the people (one per persona), the demo
project with its members, and the register (the five parties appointed, both letters each,
construction started). It hands what it made up to the next apps' demos in a `DemoContext`."""

import datetime
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from plumbline.core.permissions import Role

from . import actions
from .models import Organisation, OrganisationKind, Party, Person, Project
from .validators import credit_code_check_character, id_number_check_digit

PASSWORD = "plumbline-demo"
PROJECT_CODE = "GZ-2026-001"


@dataclass
class DemoContext:
    """What the demos of the lower apps created, passed to each next app's `load(context)`."""

    admin: object = None
    organisations: dict[str, Organisation] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    project: Project | None = None
    buildings: dict = field(default_factory=dict)

    def user(self, username: str):
        return self.people[username].user

    @property
    def owner(self):
        return self.user("owner")


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

# party -> (organisation key, leader username)
LEADERS = {
    Party.OWNER: ("owner", "owner"),
    Party.SURVEYOR: ("survey", "surveyor"),
    Party.DESIGNER: ("design", "designer"),
    Party.CONTRACTOR: ("contractor", "contractor"),
    Party.SUPERVISOR: ("supervisor", "chief_inspector"),
}
# the architect-in-charge pilot (建筑师负责制): Foshan's department runs the system in its region and
# a school project there has an architect in charge beside its owner; the Guangzhou demo project
# and its personas stay as they are (Guangzhou does not run the system); the demo developer builds
# the school, led by another of its staff
AIC_REGION = "440600"
AIC_PROJECT_CODE = "FS-2026-001"
AIC_ORGANISATIONS = [
    ("authority_fs", OrganisationKind.HOUSING_AUTHORITY, "佛山市住房和城乡建设局", "11440600007512345", "440600"),
]
# (username, name, organisation key, ID number first 17, qualification)
AIC_PEOPLE = [
    ("auditor_fs", "梁审计", "authority_fs", "44060419850606121", ""),
    ("owner_fs", "何建设", "owner", "44060619790909231", "高级工程师"),
    ("architect", "林建筑", "design", "44010419810707341", "一级注册建筑师"),
]
ARCHITECT_REGISTRATION = "2011440600123"
APPOINTED_ON = datetime.date(2026, 3, 2)
CONSTRUCTION_FROM = datetime.date(2026, 4, 1)


def is_loaded() -> bool:
    """The demo is loaded once: its project is the mark."""
    return Project.objects.filter(code=PROJECT_CODE).exists()


def load(context: DemoContext) -> None:
    """The site administrator, the organisations, the people, the project and its register."""
    User = get_user_model()
    with transaction.atomic():
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            admin = User.objects.create_superuser("admin", "admin@plumbline.example", PASSWORD)
        context.admin = admin
        context.organisations = {
            key: actions.create_organisation(
                credit_code=credit_code(code17), name=name, kind=kind, region_code=region, actor=admin
            )
            for key, kind, name, code17, region in ORGANISATIONS
        }
        people = context.people
        for username, name, org_key, _role, id17, qualification in PEOPLE:
            people[username] = actions.register_person(
                username=username,
                name=name,
                organisation_id=context.organisations[org_key].pk if org_key else None,
                id_number=id_number(id17),
                qualification=qualification,
                certificate_number=f"{username.upper()}-2026-{len(people) + 1:04d}" if qualification else "",
                password=PASSWORD,
                is_organisation_admin=username == "owner",
                actor=admin,
            )
        owner = context.owner
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
        context.project = project
        for username, _name, _org, role, _id, _q in PEOPLE:
            if role is not None and role != Role.OWNER:
                actions.add_project_member(project, person_id=people[username].pk, role=role, actor=owner)
        _load_register(context)
        _load_buildings(context)
        _load_architect_in_charge(context)


BUILDINGS = [
    ("1#", "住宅", 2, 0, "1860.00"),
    ("2#", "住宅", 18, 1, "12650.00"),
]


def _load_buildings(context: DemoContext) -> None:
    """The two buildings of the project (1# is linked to its IfcBuilding by the bim demo)."""
    context.buildings = {
        name: actions.create_building(
            context.project,
            name=name,
            use=use,
            storeys_above_ground=above,
            storeys_below_ground=below,
            floor_area_m2=area,
            actor=context.owner,
        )
        for name, use, above, below, area in BUILDINGS
    }


def _load_register(context: DemoContext) -> None:
    """The five parties appointed with both letters each, construction started."""
    project, owner = context.project, context.owner
    for party, (org_key, username) in LEADERS.items():
        leader = context.people[username]
        appointment = actions.appoint_party(
            project,
            party=party,
            organisation_id=context.organisations[org_key].pk,
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


def _load_architect_in_charge(context: DemoContext) -> None:
    """Foshan switches the system on; its pilot project appoints its owner's leader and an
    architect in charge, who files the commitment letter and signs off a design change for the owner."""
    admin = context.admin
    for key, kind, name, code17, region in AIC_ORGANISATIONS:
        context.organisations[key] = actions.create_organisation(
            credit_code=credit_code(code17), name=name, kind=kind, region_code=region, actor=admin
        )
    for username, name, org_key, id17, qualification in AIC_PEOPLE:
        context.people[username] = actions.register_person(
            username=username,
            name=name,
            organisation_id=context.organisations[org_key].pk,
            id_number=id_number(id17),
            qualification=qualification,
            certificate_number=ARCHITECT_REGISTRATION if username == "architect" else "",
            password=PASSWORD,
            actor=admin,
        )
    actions.set_architect_in_charge_system(enabled=True, actor=context.user("auditor_fs"))
    owner = context.user("owner_fs")
    project = actions.create_project(
        code=AIC_PROJECT_CODE,
        name="顺德容桂中心小学改扩建工程",
        address="佛山市顺德区容桂街道文华路18号",
        region_code="440606",
        design_service_life_years=50,
        actor=owner,
    )
    actions.appoint_party(
        project,
        party=Party.OWNER,
        organisation_id=context.organisations["owner"].pk,
        leader_id=context.people["owner_fs"].pk,
        start_date=APPOINTED_ON,
        actor=owner,
    )
    architect = context.people["architect"]
    appointment = actions.appoint_architect_in_charge(
        project,
        organisation_id=context.organisations["design"].pk,
        architect_id=architect.pk,
        registration_number=ARCHITECT_REGISTRATION,
        start_date=APPOINTED_ON,
        actor=owner,
    )
    actions.upload_letter(
        project,
        appointment_id=appointment.pk,
        kind="commitment",
        signed_on=APPOINTED_ON,
        stream=io.BytesIO(letter_pdf(f"工程质量终身责任承诺书 - {project.name}", f"{architect.name} (建筑师负责制)")),
        original_name="architect-commitment.pdf",
        actor=architect.user,
    )
    change = actions.propose_design_change(
        project, description="教学楼首层报告厅取消两根中柱，改为预应力混凝土大梁，跨度18米。", actor=owner
    )
    actions.sign_off_design_change(
        project, change_id=change.pk, signed_on=datetime.date(2026, 3, 20), actor=architect.user
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
