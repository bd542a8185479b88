"""The materials part of the demo: a testing lab, the owner's letter naming the supervising
engineer as witness, a rebar batch that failed its tensile test (its lab report filed, the 2F
columns flagged and a finding opened on them), a concrete batch that passed, and bagged cement
sampled without a witness, so the witness report shows one mandatory category below 30%."""

import datetime
import io
from decimal import Decimal

from bim import queries as bim_queries
from projects import actions as project_actions
from projects.demo import credit_code, letter_pdf
from projects.models import OrganisationKind

from . import actions

LAB = ("广州市建设工程质量安全检测中心", "12440100455801234")
DAY = datetime.date(2026, 5, 6)


def _pdf(title: str) -> io.BytesIO:
    return io.BytesIO(letter_pdf(title, "demo"))


def load(context) -> None:
    project, contractor, inspector = context.project, context.user("contractor"), context.user("inspector")
    lab = project_actions.create_organisation(
        credit_code=credit_code(LAB[1]), name=LAB[0], kind=OrganisationKind.TESTING_LAB, actor=context.admin
    )
    context.organisations["lab"] = lab
    witness = context.people["inspector"]
    actions.authorise_witnesses(
        project,
        witnesses=[{"person_id": witness.pk, "certificate_number": "粤见证-2026-0231"}],
        signed_on=datetime.date(2026, 4, 2),
        stream=_pdf("见证人授权书"),
        original_name="witness-authorisation.pdf",
        actor=context.owner,
    )
    version = bim_queries.latest_ready_version(project, user=contractor)
    samplers = [
        {"name": "刘取样", "certificate_number": "粤取样-2026-0107"},
        {"name": "黄取样", "certificate_number": "粤取样-2026-0108"},
    ]

    def batch(category, product, spec, maker, number, quantity, unit, variant="", rule=None, green=("", "")):
        made = actions.create_material_batch(
            project,
            category=category,
            product=product,
            specification=spec,
            manufacturer=maker,
            batch_number=number,
            quantity=Decimal(quantity),
            unit=unit,
            rule_variant=variant,
            delivered_on=DAY,
            green_label_number=green[0],
            green_label_grade=green[1],
            actor=contractor,
        )
        actions.add_batch_certificate(
            project,
            batch_id=made.pk,
            kind="product",
            number=f"HG-{number}",
            stream=_pdf(f"产品合格证 {product} {number}"),
            original_name=f"certificate-{number}.pdf",
            actor=contractor,
        )
        actions.inspect_material_batch(
            project,
            batch_id=made.pk,
            result="accepted",
            inspected_on=DAY,
            note="外观、规格与合格证相符",
            actor=contractor,
        )
        if rule and version is not None:
            actions.link_batch_elements(project, batch_id=made.pk, version_id=version.pk, rule=rule, actor=contractor)
        return made

    def sample(made, code, *, witnessed, day=DAY + datetime.timedelta(days=1)):
        taken = actions.record_sample(
            project,
            batch_id=made.pk,
            code=code,
            taken_on=day,
            samplers=samplers,
            lab_id=lab.pk,
            witness_person_id=witness.pk if witnessed else None,
            actor=contractor,
        )
        if witnessed:
            actions.witness_sample(project, batch_id=made.pk, sample_id=taken.pk, actor=inspector)
        return taken

    def report(made, taken, number, failed=()):
        actions.record_lab_report(
            project,
            batch_id=made.pk,
            sample_id=taken.pk,
            report_number=number,
            issued_on=taken.taken_on + datetime.timedelta(days=3),
            results=[
                {
                    "test": t,
                    "value": "365" if t in failed else "合格",
                    "requirement": "≥400" if t in failed else "",
                    "passed": t not in failed,
                }
                for t in taken.tests
            ],
            stream=_pdf(f"检测报告 {number}"),
            original_name=f"report-{number}.pdf",
            actor=inspector,
        )

    # rebar for the 2F columns: 2 samplings (120 t, one per 60 t); the first fails its yield strength
    rebar = batch(
        "rebar",
        "热轧带肋钢筋",
        "HRB400E Φ25",
        "广东韶钢松山股份有限公司",
        "GJ2605-118",
        "120",
        "t",
        rule={"ifc_class": "IfcColumn", "material": "混凝土", "storey": "2F"},
    )
    report(rebar, sample(rebar, "GJ-2026-001", witnessed=True), "BG-2026-05-0211", failed=("yield_strength",))
    # concrete for the 2F slab: 3 samplings of 300 m3, all passed, two witnessed
    concrete = batch(
        "concrete_cubes",
        "预拌混凝土",
        "C30",
        "广州建滔混凝土有限公司",
        "HNT2605-032",
        "300",
        "m3",
        rule={"ifc_class": "IfcSlab", "material": "C30", "storey": "2F"},
        green=("GBML-2026-HNT-0032", "二星级"),
    )
    for i in range(3):
        report(concrete, sample(concrete, f"HNT-2026-00{i + 1}", witnessed=i < 2), f"BG-2026-05-03{i + 1:02d}")
    # bagged cement: 2 samplings of 400 t, neither witnessed: the category is below 30%
    cement = batch(
        "cement", "普通硅酸盐水泥", "P·O 42.5", "华润水泥(罗定)有限公司", "SN2605-007", "400", "t", variant="bagged"
    )
    for i in range(2):
        report(cement, sample(cement, f"SN-2026-00{i + 1}", witnessed=False), f"BG-2026-05-04{i + 1:02d}")
