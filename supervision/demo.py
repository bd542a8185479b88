"""The supervision app's part of the demo: the Guangzhou department's roster (one inspector came
from the demo contractor, so is never drawn for its project), a draw for 2026-Q4 with its
published seed, its signed result with a violation scored against the owner, a complaint from the
home owner, and the credit recomputed."""

from django.db import transaction

from projects import actions as project_actions
from projects.demo import PASSWORD, id_number

from . import actions

PERIOD = "2026-Q4"
SEED = "2026-10-08 体彩排列三 第2026264期"
# (username, name, ID number first 17, former employer key or None)
INSPECTORS = [
    ("gz_inspector", "王督查", "44010419860214331", None),
    ("gz_inspector2", "林督查", "44010619870321441", "contractor"),
]


def load(context) -> None:
    authority = context.organisations["authority"]
    auditor = context.user("auditor")
    with transaction.atomic():
        people = [context.people["auditor"]]
        former = {}
        for username, name, id17, employer in INSPECTORS:
            person = project_actions.register_person(
                username=username,
                name=name,
                organisation_id=authority.pk,
                id_number=id_number(id17),
                password=PASSWORD,
                actor=context.admin,
            )
            people.append(person)
            if employer:
                former[person.pk] = [{"organisation_id": context.organisations[employer].pk, "until": "2025-06-30"}]
        for person in people:
            actions.add_roster_inspector(person_id=person.pk, former_employers=former.get(person.pk), actor=auditor)
    draw = actions.create_supervision_draw(period=PERIOD, seed=SEED, inspectors_per_project=2, actor=auditor)
    if any(row["project"] == context.project.code for row in draw.result):
        actions.record_supervision_result(
            draw,
            project_code=context.project.code,
            outcome="issues",
            summary="施工现场未公示五方责任主体项目负责人信息；2#楼二层梁钢筋保护层厚度抽检不合格，责令整改。",
            violation_organisation_id=context.organisations["owner"].pk,
            violation_points=3,
            actor=auditor,
        )
    actions.file_complaint(
        context.project,
        complainant_name="吴业主",
        complainant_contact="138****5678",
        description="小区北门道路积水严重，雨后无法通行。",
        actor=context.user("home_owner"),
    )
    actions.recompute_credit(actor=auditor)
