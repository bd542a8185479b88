"""`plumbline load_region`: a region of N realistic projects for measuring the dashboard, with its
department and an auditor. A generator, not a user: it writes rows in bulk (like bim/ingest.py),
deterministically from `seed`, so that 2,000 projects with a million findings load in minutes.

Each project has its five parties appointed (a replacement leader on some, whose letters are then
late or missing), letters on file as one stored PDF shared by all, signs on completed projects
(some recorded on foam), and findings of every severity, most closed, some past their due date.
From construction on: its buildings with their acceptance tree (unit project, a division down
to a sub-item, inspection lots, most accepted on completed projects, a few failed), material
batches of the mandatory categories with their witnessed samples (a few batches failed without
a disposition, a few projects witnessing too little), an IDI policy on most, and defect claims
on completed projects (some past their deadline).
"""

import datetime
import io
import json
import random
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import F, JSONField
from django.utils import timezone

from inspections.models import Category, Finding, FindingStatus, Severity
from projects.models import (
    FIVE_PARTIES,
    LiabilityLetter,
    Organisation,
    OrganisationKind,
    Party,
    PartyAppointment,
    Person,
    Project,
    ProjectStage,
)
from projects.queries import current_appointments_of
from projects.validators import credit_code_check_character, id_number_check_digit
from signage.models import PermanentSign
from signage.queries import sign_content
from storage import get_storage

REGION = "440400"  # 珠海市: apart from the demo's Guangzhou and Shenzhen
PREFIX = "ZH"
KIND_OF_PARTY = {
    Party.OWNER: OrganisationKind.OWNER,
    Party.SURVEYOR: OrganisationKind.SURVEY,
    Party.DESIGNER: OrganisationKind.DESIGN,
    Party.CONTRACTOR: OrganisationKind.CONTRACTOR,
    Party.SUPERVISOR: OrganisationKind.SUPERVISOR,
}
DISTRICTS = ["香洲区", "斗门区", "金湾区"]
NAMES = ["海湾花园", "滨海新城", "金湾雅苑", "横琴广场", "斗门保障房", "情侣路商业", "唐家学校", "拱北医院"]
AUDITOR = "zh_auditor"


def _credit_code(n: int, kind_digit: int) -> str:
    first17 = f"914404{kind_digit}{n:010d}"[:17]
    return first17 + credit_code_check_character(first17)


def _id_number(n: int) -> str:
    first17 = f"44040219{70 + n % 25:02d}0101{n % 1000:03d}"[:17]
    return first17 + id_number_check_digit(first17)


def existing(prefix: str = PREFIX) -> int:
    return Project.objects.filter(code__startswith=f"{prefix}-").count()


def load_region(
    *, projects: int, findings_per_project: int = 50, findings: int | None = None, seed: int = 19, log=lambda line: None
) -> dict:
    """Add projects until the region has `projects` (it is never shrunk); returns what it added.
    `findings`: the findings the database should hold in all, spread over the added projects
    (instead of `findings_per_project`)."""
    rng = random.Random(seed)
    have = existing()
    today = timezone.localdate()
    User = get_user_model()
    password = make_password(None)
    with transaction.atomic():
        department, _ = Organisation.objects.get_or_create(
            credit_code=_credit_code(0, 1),
            defaults={
                "name": "珠海市住房和城乡建设局",
                "kind": OrganisationKind.HOUSING_AUTHORITY,
                "region_code": REGION,
            },
        )
        if not User.objects.filter(username=AUDITOR).exists():
            user = User.objects.create(username=AUDITOR, password=password)
            Person.objects.create(user=user, name="珠海审计", organisation=department, id_number=_id_number(0))
        # a pool of organisations, one leader each: a tenth of the projects per kind
        pool_size = max(5, projects // 10)
        orgs: dict[str, list[Organisation]] = {}
        for digit, (party, kind) in enumerate(KIND_OF_PARTY.items(), start=2):
            wanted = [_credit_code(i, digit) for i in range(1, pool_size + 1)]
            known = set(Organisation.objects.filter(credit_code__in=wanted).values_list("credit_code", flat=True))
            Organisation.objects.bulk_create(
                [
                    Organisation(credit_code=c, name=f"珠海{party.label[:2]}单位{i}", kind=kind)
                    for i, c in enumerate(wanted, start=1)
                    if c not in known
                ]
            )
            orgs[party] = list(Organisation.objects.filter(credit_code__in=wanted).order_by("credit_code"))
        all_orgs = [o for group in orgs.values() for o in group]
        leaders = {p.organisation_id: p for p in Person.objects.filter(organisation__in=all_orgs)}
        missing = [o for o in all_orgs if o.pk not in leaders]
        users = User.objects.bulk_create(
            [User(username=f"zh-leader-{o.credit_code}", password=password) for o in missing]
        )
        Person.objects.bulk_create(
            [
                Person(
                    user=u, name=f"负责人{o.pk}", organisation=o, id_number=_id_number(o.pk), qualification="注册建造师"
                )
                for u, o in zip(users, missing, strict=True)
            ]
        )
        leaders = {p.organisation_id: p for p in Person.objects.filter(organisation__in=all_orgs)}
        added = list(
            Project.objects.bulk_create(
                [
                    Project(
                        code=f"{PREFIX}-{n:05d}",
                        name=f"{rng.choice(NAMES)}{n}期",
                        address=f"珠海市{rng.choice(DISTRICTS)}{n}号",
                        region_code=REGION[:4] + f"{rng.choice((2, 3, 4)):02d}",
                        building_count=rng.randint(1, 6),
                        stage=rng.choices(
                            [ProjectStage.PREPARATION, ProjectStage.CONSTRUCTION, ProjectStage.COMPLETED],
                            weights=[1, 6, 3],
                        )[0],
                        construction_started_on=today - datetime.timedelta(days=rng.randint(60, 900)),
                    )
                    for n in range(have + 1, projects + 1)
                ]
            )
        )
        if not added:
            return {"projects": 0, "findings": 0}
        added = list(Project.objects.filter(code__in=[p.code for p in added]))
        appointments = []
        for project in added:
            start = project.construction_started_on - datetime.timedelta(days=30)
            for party in FIVE_PARTIES:
                org = rng.choice(orgs[party])
                if rng.random() < 0.08:  # a replacement leader 40-200 days ago: letters due since
                    changed = max(
                        today - datetime.timedelta(days=rng.randint(40, 200)), start + datetime.timedelta(days=10)
                    )
                    appointments.append(
                        PartyAppointment(
                            project=project,
                            party=party,
                            organisation=org,
                            leader=leaders[org.pk],
                            start_date=start,
                            end_date=changed - datetime.timedelta(days=1),
                        )
                    )
                    org = rng.choice(orgs[party])
                    start = changed
                appointments.append(
                    PartyAppointment(
                        project=project, party=party, organisation=org, leader=leaders[org.pk], start_date=start
                    )
                )
        PartyAppointment.objects.bulk_create(appointments, batch_size=2000)
        stored = get_storage().put(io.BytesIO(b"%PDF-1.4\n% load_region letter\n"), content_type="application/pdf")
        admin = User.objects.filter(is_superuser=True).first() or User.objects.get(username=AUDITOR)
        letters = []
        for a in PartyAppointment.objects.filter(project__in=added, end_date__isnull=True):
            for kind in ("authorisation", "commitment"):
                if rng.random() < 0.03:
                    continue  # missing
                letter = LiabilityLetter(appointment=a, kind=kind, signed_on=a.start_date)
                letter.set_stored(stored, original_name=f"{kind}.pdf", uploaded_by=admin)
                letters.append(letter)
        LiabilityLetter.objects.bulk_create(letters, batch_size=2000)
        current = current_appointments_of([p.pk for p in added if p.stage == ProjectStage.COMPLETED])
        signs = [
            PermanentSign(
                project=p,
                building=f"{b}#",
                content=sign_content(p, f"{b}#", current=current[p.pk]),
                material="foam" if rng.random() < 0.05 else "granite",
                width_mm=800,
                height_mm=600,
                thickness_mm=20,
                location_text="主入口",
            )
            for p in added
            if p.stage == ProjectStage.COMPLETED
            for b in range(1, p.building_count + (0 if rng.random() < 0.1 else 1))
        ]
        PermanentSign.objects.bulk_create(signs, batch_size=2000)
    if findings is not None:
        findings_per_project = -(-max(0, findings - Finding.objects.count()) // len(added))
    findings = _load_findings(added, findings_per_project, rng, admin, today, log)
    extra = _load_acceptance_materials_insurance(added, rng, admin, today, log)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the planner's statistics of the new rows, as autovacuum gets to later
    return {"projects": len(added), "findings": findings, **extra}


BATCH_CATEGORIES = (
    ("rebar", "热轧带肋钢筋", "t", 40, 120),
    ("cement", "普通硅酸盐水泥", "t", 100, 600),
    ("mortar_cubes", "预拌砂浆", "m3", 100, 500),
)


def _load_acceptance_materials_insurance(projects, rng: random.Random, author, today, log) -> dict:
    """Buildings and acceptance trees, material batches and samples, policies and claims of the
    projects under construction or completed, in bulk."""
    from decimal import Decimal

    from acceptance.materials.models import BatchStatus, EntryResult, MaterialBatch, Sample
    from acceptance.models import AcceptanceNode, Level, NodeStatus
    from insurance.models import ClaimStatus, DefectCategory, DefectClaim, Policy
    from projects.models import Building

    built = [p for p in projects if p.stage != ProjectStage.PREPARATION]
    if not built:
        return {"batches": 0, "lots": 0, "claims": 0}
    services = {}
    for digit, kind in ((7, OrganisationKind.INSURER), (8, OrganisationKind.TIS), (9, OrganisationKind.TESTING_LAB)):
        services[kind], _created = Organisation.objects.get_or_create(
            credit_code=_credit_code(1, digit), defaults={"name": f"珠海{kind.label[:4]}1", "kind": kind}
        )
    owners = {
        a.project_id: a.organisation_id
        for a in PartyAppointment.objects.filter(project__in=built, party=Party.OWNER, end_date__isnull=True)
    }
    with transaction.atomic():
        buildings = Building.objects.bulk_create(
            [
                Building(project=p, name=f"{b}#", storeys_above_ground=rng.randint(6, 33))
                for p in built
                for b in range(1, p.building_count + 1)
            ],
            batch_size=2000,
        )
        done = {p.pk: p.stage == ProjectStage.COMPLETED for p in projects}
        # the tree, one level at a time (each level's rows need their parents' keys)
        levels = [
            (Level.UNIT_PROJECT, "", "单位工程"),
            (Level.DIVISION, "02", "主体结构"),
            (Level.SUB_DIVISION, "0201", "混凝土结构"),
            (Level.SUB_ITEM, "020101", "钢筋"),
        ]
        parents: list = [None] * len(buildings)
        for level, code, name in levels:
            parents = AcceptanceNode.objects.bulk_create(
                [
                    AcceptanceNode(
                        project_id=b.project_id,
                        building=b,
                        parent=parent,
                        level=level,
                        code=code or b.name,
                        name=f"{b.name}{name}",
                        status=NodeStatus.ACCEPTED
                        if done[b.project_id] and rng.random() < 0.85
                        else NodeStatus.PENDING,
                    )
                    for b, parent in zip(buildings, parents, strict=True)
                ],
                batch_size=2000,
            )
        lots = []
        for b, sub_item in zip(buildings, parents, strict=True):
            for n in range(1, rng.randint(4, 12)):
                status = (
                    NodeStatus.ACCEPTED
                    if rng.random() < (0.95 if done[b.project_id] else 0.5)
                    else rng.choices([NodeStatus.PENDING, NodeStatus.INSPECTED, NodeStatus.FAILED], weights=[6, 3, 1])[
                        0
                    ]
                )
                lots.append(
                    AcceptanceNode(
                        project_id=b.project_id,
                        building=b,
                        parent=sub_item,
                        level=Level.INSPECTION_LOT,
                        code=f"020101-{n:03d}",
                        name=f"{b.name}{n}层钢筋检验批",
                        storey_name=f"{n}F",
                        status=status,
                    )
                )
        AcceptanceNode.objects.bulk_create(lots, batch_size=5000)
        batches = []
        for p in built:
            for category, product, unit, low, high in BATCH_CATEGORIES:
                for n in range(rng.randint(1, 3)):
                    failed = rng.random() < 0.03
                    batches.append(
                        MaterialBatch(
                            project=p,
                            category=category,
                            product=product,
                            manufacturer="珠海建材有限公司",
                            batch_number=f"{p.code}-{category}-{n}",
                            quantity=Decimal(rng.randint(low, high)),
                            unit=unit,
                            delivered_on=p.construction_started_on + datetime.timedelta(days=rng.randint(1, 50)),
                            status=BatchStatus.FAILED if failed else BatchStatus.ACCEPTED,
                            entry_result=EntryResult.ACCEPTED,
                            failures=int(failed),
                            created_by=author,
                        )
                    )
        batches = MaterialBatch.objects.bulk_create(batches, batch_size=5000)
        lab = services[OrganisationKind.TESTING_LAB]
        witnessing = {p.pk: rng.random() < 0.9 for p in built}  # a tenth witness too little
        now = timezone.now()
        samples = [
            Sample(
                batch=batch,
                code=f"S-{batch.pk}-{i}",
                taken_on=batch.delivered_on,
                samplers=[
                    {"name": "取样员甲", "certificate_number": "QY001"},
                    {"name": "取样员乙", "certificate_number": "QY002"},
                ],
                witness_id=None,
                witness_confirmed_at=now if witnessing[batch.project_id] else None,
                lab=lab,
                tests=["strength"],
                recorded_by=author,
            )
            for batch in batches
            for i in range(1, 3)
        ]
        # a witnessed sample names its witness: the supervisor's leader on the project
        supervisors = {
            a.project_id: a.leader_id
            for a in PartyAppointment.objects.filter(project__in=built, party=Party.SUPERVISOR, end_date__isnull=True)
        }
        for sample in samples:
            if sample.witness_confirmed_at is not None:
                sample.witness_id = supervisors.get(sample.batch.project_id)
        Sample.objects.bulk_create(samples, batch_size=5000)
        insurer, tis = services[OrganisationKind.INSURER], services[OrganisationKind.TIS]
        policies = Policy.objects.bulk_create(
            [
                Policy(
                    project=p,
                    number=f"IDI-{p.code}",
                    insurer=insurer,
                    tis=tis,
                    insured_id=owners.get(p.pk, insurer.pk),
                    premium_rate_percent=Decimal("1.500"),
                    premium_amount=Decimal("1500000.00"),
                    created_by=author,
                )
                for p in built
                if rng.random() < 0.9
            ],
            batch_size=2000,
        )
        claims = []
        for policy in policies:
            if not done[policy.project_id]:
                continue
            for _n in range(rng.choices([0, 1, 2, 3], weights=[4, 3, 2, 1])[0]):
                found = today - datetime.timedelta(days=rng.randint(1, 60))
                status = rng.choices(
                    [ClaimStatus.FILED, ClaimStatus.SURVEYED, ClaimStatus.REPAIR_ASSIGNED, ClaimStatus.CLOSED],
                    weights=[2, 1, 1, 4],
                )[0]
                claims.append(
                    DefectClaim(
                        project_id=policy.project_id,
                        policy=policy,
                        category=rng.choice(DefectCategory.values),
                        description="墙面渗水",
                        found_on=found,
                        status=status,
                        is_covered=True,
                        survey_due=timezone.make_aware(
                            datetime.datetime.combine(found + datetime.timedelta(days=3), datetime.time(18))
                        ),
                        decision_due=found + datetime.timedelta(days=rng.randint(10, 40)),
                        repair_finish_due=found + datetime.timedelta(days=rng.randint(30, 90)),
                        filed_by=author,
                    )
                )
        DefectClaim.objects.bulk_create(claims, batch_size=5000)
    log(f"{len(lots)} lots, {len(batches)} batches, {len(claims)} claims")
    return {"batches": len(batches), "lots": len(lots), "claims": len(claims)}


def _load_findings(projects, per_project: int, rng: random.Random, author, today, log) -> int:
    """`per_project` findings on each project, opened over the last year, most closed. On
    PostgreSQL they go in by COPY (a million in about a minute), elsewhere by bulk inserts."""
    categories, severities, statuses = Category.values, Severity.values, FindingStatus.values
    now = timezone.now()

    def rows():
        for project in projects:
            for _ in range(per_project):
                yield (
                    project.pk,
                    rng.choice(categories),
                    rng.choices(severities, weights=[6, 3, 1])[0],
                    rng.choices(statuses, weights=[2, 1, 7])[0],
                    today + datetime.timedelta(days=rng.randint(-60, 30)),
                    now - datetime.timedelta(days=rng.randint(0, 365), seconds=rng.randint(0, 86399)),
                )

    if connection.vendor == "postgresql":
        return _copy_findings(rows(), author, log)
    total, batch = 0, []
    for project_id, category, severity, status, due, opened in rows():
        batch.append(
            Finding(
                project_id=project_id,
                category=category,
                severity=severity,
                title="抽检发现问题",
                status=status,
                due_date=due,
                observed_at=opened,
                created_by=author,
            )
        )
        if len(batch) >= 20000:
            total += _insert_findings(batch, log, total)
            batch = []
    return total + (_insert_findings(batch, log, total) if batch else 0)


def _insert_findings(batch, log, before: int) -> int:
    with transaction.atomic():
        created = Finding.objects.bulk_create(batch, batch_size=5000)
        # created_at is set on insert (auto_now_add): back-date it to when the finding was observed
        Finding.objects.filter(pk__in=[f.pk for f in created]).update(created_at=F("observed_at"))
    log(f"{before + len(batch)} findings")
    return len(batch)


def _copy_findings(rows, author, log) -> int:
    """COPY the findings in, as text lines: the columns each row varies, the rest as one
    prototype finding has them (its defaults)."""
    prototype = Finding(project_id=0, title="抽检发现问题", created_by=author)
    varied = ["project_id", "category", "severity", "status", "due_date", "observed_at", "created_at"]
    constant = {}
    for f in Finding._meta.concrete_fields:
        if f.primary_key or f.column in varied or f.column == "client_uuid":
            continue
        value = f.pre_save(prototype, add=True)
        if value is None:
            constant[f.column] = r"\N"
        elif isinstance(f, JSONField):
            constant[f.column] = json.dumps(value)
        elif isinstance(value, datetime.datetime):
            constant[f.column] = value.isoformat()
        else:
            constant[f.column] = str(value)
    columns = [*varied, *constant, "client_uuid"]
    tail = "\t".join(constant.values())
    table = connection.ops.quote_name(Finding._meta.db_table)
    sql = f"COPY {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) FROM STDIN"
    total, lines = 0, []
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for project_id, category, severity, status, due, opened in rows:
            at = opened.isoformat()
            lines.append(f"{project_id}\t{category}\t{severity}\t{status}\t{due}\t{at}\t{at}\t{tail}\t{uuid.uuid4()}\n")
            total += 1
            if len(lines) == 50000:
                copy.write("".join(lines))
                lines = []
                log(f"{total} findings")
        copy.write("".join(lines))
    log(f"{total} findings")
    return total
