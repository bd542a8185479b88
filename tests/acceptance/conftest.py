"""A second building for acceptance tests: 2#, three storeys of columns and slabs built in code
with ifcopenshell.api, uploaded as its own model and linked to the building record."""

import datetime
import io
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from bim import actions as bim_actions
from bim.ifc.build import ModelBuilder
from projects.demo import letter_pdf

STOREYS = (("1F", 0.0), ("2F", 3.0), ("3F", 6.0))
COLUMNS = [(0.2, 0.2), (9.8, 0.2), (0.2, 7.8), (9.8, 7.8)]


def tower_model(storeys=STOREYS, columns=COLUMNS, name="2#"):
    """Building 2#: per storey a slab and a column at each of `columns`; returns the builder."""
    builder = ModelBuilder("IFC4", f"珠江新城 {name}")
    builder.building.Name = name
    for level, elevation in storeys:
        storey = builder.storey(level, elevation)
        builder.slab(storey, f"{level} slab", [(0, 0), (10, 0), (10, 8), (0, 8)])
        for i, (x, y) in enumerate(columns):
            builder.column(storey, f"{level} column K{i + 1}", x, y)
    return builder


@pytest.fixture
def users(world):
    names = [
        "owner", "contractor", "inspector", "chief_inspector", "surveyor", "designer", "outsider",
        "foreman", "quality_inspector", "technical_lead",
    ]  # fmt: skip
    return {u.username: u for u in get_user_model().objects.filter(username__in=names)}


@pytest.fixture
def upload_model(world, django_capture_on_commit_callbacks):
    """Upload a model built in code as the demo contractor; it comes back ingested."""

    def do(builder, model_name="2# Structure", name="2#.ifc"):
        data = builder.model.to_string().encode()
        with django_capture_on_commit_callbacks(execute=True):
            version, _ = bim_actions.upload_model_version(
                world["project"],
                stream=io.BytesIO(data),
                original_name=name,
                model_name=model_name,
                size=len(data),
                actor=world["users"]["contractor"],
            )
        version.refresh_from_db()
        assert version.status == "ready", version.failure_reason
        return version

    return do


@pytest.fixture
def tower(world, upload_model):
    """Building 2# linked to its IfcBuilding in a freshly uploaded model: (building, version, builder)."""
    from projects.actions import update_building

    builder = tower_model()
    version = upload_model(builder)
    building = world["project"].buildings.get(name="2#")
    update_building(
        world["project"],
        building_id=building.pk,
        changes={"ifc_global_ids": [builder.building.GlobalId]},
        actor=world["users"]["owner"],
    )
    return building, version, builder


def pdf_upload(api, path, **fields):
    """POST a one-page PDF with form fields, as `api`'s persona."""
    data = {
        **fields,
        "file": SimpleUploadedFile("doc.pdf", letter_pdf("doc", "signer"), content_type="application/pdf"),
    }
    return api.client.post(f"/api/v1{path}", data=data, headers=api.headers)


def passing_items(points=2):
    return [
        {"kind": "main", "name": "受力钢筋牌号规格数量", "result": "pass"},
        {
            "kind": "general",
            "name": "保护层厚度",
            "points": [{"measured": 2.0, "tolerance_low": -5, "tolerance_high": 5} for _ in range(points)],
        },
    ]


@pytest.fixture
def api(users, client):
    """`api["foreman"]`: an ApiClient signed in with a fresh token of that user (English)."""
    from plumbline.core.accounts.actions import create_api_token
    from tests.conftest import ApiClient

    class Clients(dict):
        def __missing__(self, name):
            self[name] = ApiClient(client, create_api_token("tests", actor=users[name]).raw)
            return self[name]

    return Clients()


# --- the materials demo's blockers, settled for the tests of acceptance's own rules -------------
# The demo leaves building 1#'s 2F rebar lot blocked by a failed rebar batch (and the finding it
# opened on the 2F columns) and the unit projects blocked by unwitnessed cement: what the demo is
# meant to show. Tests of the signing rules settle these first, through the same actions, so they
# keep testing their own rule; tests/acceptance/test_scenario_with_materials.py tests the blocking.

RETEST_DAY = datetime.date(2026, 5, 20)
SAMPLERS = [
    {"name": "刘取样", "certificate_number": "粤取样-2026-0107"},
    {"name": "黄取样", "certificate_number": "粤取样-2026-0108"},
]


def settle_demo_rebar(world) -> None:
    """The failed rebar batch: retest on double specimens, passed, recorded as its disposition,
    and its second required sampling reported; its finding on the 2F columns rectified and verified."""
    from acceptance.materials import actions as material_actions
    from acceptance.materials.models import MaterialBatch
    from inspections import actions as inspection_actions
    from inspections.demo import finding_photo_png
    from projects.models import Organisation

    project, people = world["project"], world["users"]
    contractor, inspector = people["contractor"], people["inspector"]
    rebar = MaterialBatch.objects.get(project=project, category="rebar", batch_number="GJ2605-118")
    retest = material_actions.record_sample(
        project,
        batch_id=rebar.pk,
        code="GJ-2026-001-R",
        taken_on=RETEST_DAY,
        samplers=SAMPLERS,
        lab_id=Organisation.objects.get(kind="testing_lab").pk,
        witness_person_id=inspector.person.pk,
        is_retest=True,
        actor=contractor,
    )
    material_actions.witness_sample(project, batch_id=rebar.pk, sample_id=retest.pk, actor=inspector)
    material_actions.record_lab_report(
        project,
        batch_id=rebar.pk,
        sample_id=retest.pk,
        report_number="BG-2026-05-0299",
        issued_on=RETEST_DAY + datetime.timedelta(days=2),
        results=[{"test": t, "value": "合格", "passed": True} for t in retest.tests],
        stream=io.BytesIO(letter_pdf("复检报告", "lab")),
        actor=inspector,
    )
    material_actions.record_batch_disposition(
        project, batch_id=rebar.pk, disposition="retest_passed", decided_on=RETEST_DAY, actor=inspector
    )
    # 120 t takes two samplings (one per 60 t): the demo took only the failed one
    second = material_actions.record_sample(
        project,
        batch_id=rebar.pk,
        code="GJ-2026-002",
        taken_on=RETEST_DAY,
        samplers=SAMPLERS,
        lab_id=Organisation.objects.get(kind="testing_lab").pk,
        actor=contractor,
    )
    material_actions.record_lab_report(
        project,
        batch_id=rebar.pk,
        sample_id=second.pk,
        report_number="BG-2026-05-0298",
        issued_on=RETEST_DAY + datetime.timedelta(days=2),
        results=[{"test": t, "value": "合格", "passed": True} for t in second.tests],
        stream=io.BytesIO(letter_pdf("检测报告", "lab")),
        actor=inspector,
    )
    rebar.refresh_from_db()
    inspection_actions.add_finding_photo(
        project,
        finding_id=rebar.failure_finding_id,
        client_uuid=uuid.uuid4(),
        stream=io.BytesIO(finding_photo_png("retested")),
        actor=contractor,
    )
    # a passed retest closes the batch's finding itself (the material was sound); an older flow
    # left it open for the rectification and its verification
    from inspections.models import Finding

    if Finding.objects.get(pk=rebar.failure_finding_id).status != "closed":
        for verb, who in (("submit_rectification", contractor), ("verify", inspector)):
            inspection_actions.move_finding(
                project, finding_id=rebar.failure_finding_id, verb=verb, note="复检合格", actor=who
            )


def witness_demo_cement(world) -> None:
    """A third cement sample taken with the supervising engineer as witness: 1 of the 2 required."""
    from acceptance.materials import actions as material_actions
    from acceptance.materials.models import MaterialBatch
    from projects.models import Organisation

    project, inspector = world["project"], world["users"]["inspector"]
    cement = MaterialBatch.objects.get(project=project, category="cement", batch_number="SN2605-007")
    sample = material_actions.record_sample(
        project,
        batch_id=cement.pk,
        code="SN-2026-003",
        taken_on=RETEST_DAY,
        samplers=SAMPLERS,
        lab_id=Organisation.objects.get(kind="testing_lab").pk,
        witness_person_id=inspector.person.pk,
        actor=world["users"]["contractor"],
    )
    material_actions.witness_sample(project, batch_id=cement.pk, sample_id=sample.pk, actor=inspector)


@pytest.fixture
def demo_rebar_settled(world):
    settle_demo_rebar(world)


@pytest.fixture
def demo_cement_witnessed(world):
    witness_demo_cement(world)
