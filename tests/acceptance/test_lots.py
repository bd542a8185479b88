"""Lots generated from the model: one per storey (or zone) with the elements a rule picks, the
rule re-run on a newer version (new elements added, vanished ones listed, remapped ones followed),
GB 50300 table 3.0.9, how a lot's check items pass, and bad input refused with nothing written."""

import uuid

import pytest
from django.utils import timezone

from acceptance import rules
from acceptance.models import AcceptanceNode, LotElement, LotInspection
from plumbline.core.audit.models import AuditEvent
from tests.acceptance.conftest import passing_items, tower_model

REBAR = "020102"


@pytest.fixture
def split(world, tower, api):
    building, version, builder = tower
    code = world["project"].code
    base = f"/projects/{code}/buildings/{building.pk}/acceptance"
    assert api["contractor"].post(f"{base}/plan", {"sub_items": [{"code": REBAR}]}).status_code == 200
    assert api["chief_inspector"].post(f"{base}/plan/approve").status_code == 200
    return base


@pytest.mark.parametrize(
    ("capacity", "samples"),
    [(1, 1), (2, 2), (15, 2), (16, 3), (25, 3), (26, 5), (90, 5), (91, 8), (150, 8), (151, 13), (280, 13)]
    + [(281, 20), (500, 20), (501, 32), (1200, 32), (1201, 50), (3200, 50), (5000, 50)],
)
def test_the_minimum_sample_size_follows_table_3_0_9(capacity, samples):
    assert rules.minimum_sample_size(capacity) == samples


@pytest.mark.parametrize(
    ("points", "pass_rate", "passed", "reason"),
    [
        ([True] * 8 + [False] * 2, None, True, ""),  # 80% is enough by default
        ([True] * 7 + [False] * 3, None, False, "pass_rate_low"),
        ([True] * 7 + [False] * 3, 0.7, True, ""),  # the item's own rate
        ([True] * 10, 0.9, True, ""),
    ],
)
def test_a_general_item_passes_on_its_share_of_passing_points(points, pass_rate, passed, reason):
    item = {"kind": "general", "points": [{"passed": p} for p in points], "pass_rate": pass_rate}
    outcome = rules.judge_item(item)
    assert (outcome.passed, outcome.reason) == (passed, reason)


def test_one_serious_defect_fails_a_general_item_and_one_bad_point_a_main_item():
    general = {"kind": "general", "points": [{"passed": True}] * 9 + [{"passed": True, "serious_defect": True}]}
    assert rules.judge_item(general).reason == "serious_defect"
    main = {
        "kind": "main",
        "points": [
            {"measured": 3.0, "tolerance_low": -5, "tolerance_high": 5},
            {"measured": 6.0, "tolerance_low": -5, "tolerance_high": 5},
        ],
    }
    assert rules.judge_item(main).reason == "main_point_failed"


def test_every_sub_item_of_the_catalogue_hangs_on_a_sub_division_and_a_division():
    entries = rules.catalogue()
    assert (
        entries["020102"].name == "钢筋" and entries["0201"].name == "混凝土结构" and entries["02"].name == "主体结构"
    )
    for entry in entries.values():
        if entry.level == "sub_item":
            assert entries[entries[entry.parent].parent].level == "division"


def test_rerunning_a_rule_on_a_new_version_adds_new_elements_and_lists_vanished_ones(
    world, tower, split, api, upload_model
):
    building, version, builder = tower
    rule = {"sub_item_code": REBAR, "ifc_classes": ["IfcColumn"]}
    first = api["contractor"].post(f"{split}/lots", rule).json()
    assert len(first["created"]) == 3
    lot_1f = AcceptanceNode.objects.get(pk=first["created"][0]["id"])
    kept = set(lot_1f.elements.values_list("global_id", flat=True))

    # the next version: 1F loses column K4, every storey gains a fifth column, and a 4F is added
    columns = [(0.2, 0.2), (9.8, 0.2), (0.2, 7.8), (9.8, 7.8), (5.0, 4.0)]
    storeys = (("1F", 0.0), ("2F", 3.0), ("3F", 6.0), ("4F", 9.0))
    newer = tower_model(storeys=storeys, columns=columns)
    old_ids = {p.Name: p.GlobalId for p in builder.model.by_type("IfcProduct") if p.Name}
    for product in newer.model.by_type("IfcProduct"):
        if product.Name in old_ids:
            product.GlobalId = old_ids[product.Name]
    newer.building.GlobalId = builder.building.GlobalId
    for storey in newer.model.by_type("IfcBuildingStorey"):
        storey.GlobalId = old_ids.get(storey.Name, storey.GlobalId)
    gone = next(c for c in newer.model.by_type("IfcColumn") if c.Name == "1F column K4")
    gone_id = gone.GlobalId
    newer.model.remove(gone)
    v2 = upload_model(newer, name="2#-v2.ifc")
    assert v2.number == 2

    second = api["contractor"].post(f"{split}/lots", rule)
    assert second.status_code == 200, second.content
    body = second.json()
    assert [lot["storey_name"] for lot in body["created"]] == ["4F"]
    assert sorted((e["code"], e["added"]) for e in body["extended"]) == [
        (f"{REBAR}-001", 1),
        (f"{REBAR}-002", 1),
        (f"{REBAR}-003", 1),
    ]
    assert body["vanished"] == [{"id": lot_1f.pk, "code": lot_1f.code, "name": lot_1f.name, "global_ids": [gone_id]}]
    lot_1f.refresh_from_db()
    assert lot_1f.version_id == v2.pk
    present = set(lot_1f.elements.filter(is_present=True).values_list("global_id", flat=True))
    assert present == (kept - {gone_id}) | {
        c.GlobalId for c in newer.model.by_type("IfcColumn") if c.Name == "1F column K5"
    }
    tree = api["inspector"].get(split).json()["unit_project"]
    lots = tree["children"][0]["children"][0]["children"][0]["children"]
    assert [(lot["element_count"], lot["vanished_count"]) for lot in lots] == [(4, 1), (5, 0), (5, 0), (5, 0)]

    # run once more on the same version: nothing changes
    third = api["contractor"].post(f"{split}/lots", rule).json()
    assert (third["created"], third["extended"], third["vanished"]) == ([], [], [])


def test_new_elements_of_a_storey_whose_lot_is_accepted_get_a_new_lot(world, tower, split, api):
    building, version, builder = tower
    rule = {"sub_item_code": REBAR, "ifc_classes": ["IfcColumn"]}
    created = api["contractor"].post(f"{split}/lots", rule).json()["created"]
    AcceptanceNode.objects.filter(pk=created[0]["id"]).update(status="accepted")
    slabs = api["contractor"].post(f"{split}/lots", {**rule, "ifc_classes": ["IfcColumn", "IfcSlab"]}).json()
    # a new rule (columns and slabs): the columns are not its own yet, so every storey gets a lot
    assert len(slabs["created"]) == 3


def test_lots_cut_by_zone_split_a_storey_by_the_zones_its_elements_stand_in(world, api):
    building = world["project"].buildings.get(name="1#")
    base = f"/projects/{world['project'].code}/buildings/{building.pk}/acceptance"
    response = api["contractor"].post(
        f"{base}/lots", {"sub_item_code": "020103", "ifc_classes": ["IfcColumn"], "cut": "zone"}
    )
    assert response.status_code == 200, response.content
    lots = AcceptanceNode.objects.filter(pk__in=[lot["id"] for lot in response.json()["created"]])
    # columns C1-C3 stand in the two apartments of the storey's zone, C4 in the corner outside them
    assert sorted((lot.storey_name, lot.zone, lot.elements.count()) for lot in lots) == [
        ("1F", "", 1),
        ("1F", "住宅单元 1F", 3),
        ("2F", "", 1),
        ("2F", "住宅单元 2F", 3),
    ]


def test_an_unknown_sub_item_code_is_refused_and_nothing_is_written(world, tower, api):
    building, _, _ = tower
    base = f"/projects/{world['project'].code}/buildings/{building.pk}/acceptance"
    contractor = api["contractor"]
    before = AcceptanceNode.objects.count(), AuditEvent.objects.count()
    response = contractor.post(f"{base}/plan", {"sub_items": [{"code": REBAR}, {"code": "029999"}]})
    assert response.status_code == 422 and response.json()["field"] == "sub_items.1.code"
    assert "not a sub-item code of the GB 50300 catalogue" in response.json()["detail"]
    covers = contractor.post(f"{base}/plan", {"sub_items": [{"code": "020103", "covers": [REBAR]}]})
    assert covers.status_code == 422 and "put it in the split too" in covers.json()["detail"]
    generate = contractor.post(f"{base}/lots", {"sub_item_code": "999999", "ifc_classes": ["IfcColumn"]})
    assert generate.status_code == 422 and generate.json()["field"] == "sub_item_code"
    assert (AcceptanceNode.objects.count(), AuditEvent.objects.count()) == before


def test_a_lot_on_elements_of_another_project_is_refused(world, tower, split, api):
    from projects.models import Project

    other = Project.objects.create(code="OTHER-1", name="别的项目", address="深圳", region_code="440304")
    from bim.models import IfcModel, ModelVersion

    foreign = ModelVersion.objects.create(
        model=IfcModel.objects.create(project=other, name="x"),
        number=1,
        file_key="k",
        sha256="0" * 64,
        size=1,
        uploaded_by=world["users"]["contractor"],
        status="ready",
    )
    sub_item = AcceptanceNode.objects.get(building=tower[0], level="sub_item", code=REBAR)
    contractor = api["contractor"]
    before = AcceptanceNode.objects.count(), LotElement.objects.count()
    by_hand = contractor.post(
        f"/projects/{world['project'].code}/acceptance/{sub_item.pk}/lots",
        {"name": "x", "version_id": foreign.pk, "global_ids": ["0" * 22]},
    )
    assert by_hand.status_code == 422 and by_hand.json()["field"] == "version_id"
    generated = contractor.post(
        f"{split}/lots", {"sub_item_code": REBAR, "ifc_classes": ["IfcColumn"], "version_id": foreign.pk}
    )
    assert generated.status_code == 422 and "No model version" in generated.json()["detail"]
    unknown_element = contractor.post(
        f"/projects/{world['project'].code}/acceptance/{sub_item.pk}/lots",
        {"name": "x", "version_id": tower[1].pk, "global_ids": ["1" * 22]},
    )
    assert unknown_element.status_code == 422 and unknown_element.json()["field"] == "global_ids"
    assert (AcceptanceNode.objects.count(), LotElement.objects.count()) == before


def test_inspection_records_with_too_few_points_or_a_future_date_are_refused(world, tower, split, api):
    lots = api["contractor"].post(f"{split}/lots", {"sub_item_code": REBAR, "ifc_classes": ["IfcColumn"]}).json()
    path = f"/projects/{world['project'].code}/acceptance/lots/{lots['created'][0]['id']}/inspection"
    today = timezone.localdate()
    body = {"client_uuid": str(uuid.uuid4()), "inspected_on": today.isoformat(), "items": passing_items(points=1)}
    few = api["quality_inspector"].post(path, body)
    assert few.status_code == 422 and "needs at least 2" in few.json()["detail"]
    future = api["quality_inspector"].post(
        path, {**body, "items": passing_items(), "inspected_on": today.replace(year=today.year + 1).isoformat()}
    )
    assert future.status_code == 422 and future.json()["field"] == "inspected_on"
    no_tolerance = api["quality_inspector"].post(
        path, {**body, "items": [{"kind": "general", "name": "x", "points": [{"measured": 1}, {"measured": 2}]}]}
    )
    assert no_tolerance.status_code == 422 and "tolerance" in no_tolerance.json()["detail"]
    assert not LotInspection.objects.filter(lot_id=lots["created"][0]["id"]).exists()
    first = api["quality_inspector"].post(path, {**body, "items": passing_items()})
    again = api["quality_inspector"].post(path, {**body, "items": passing_items()})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]  # the tablet's retry returns the first record


def test_the_demo_tree_has_its_foundation_accepted_and_a_lot_waiting_on_2f(world, api):
    building = world["project"].buildings.get(name="1#")
    tree = api["owner"].get(f"/projects/{world['project'].code}/buildings/{building.pk}/acceptance").json()
    unit = tree["unit_project"]
    divisions = {d["code"]: d for d in unit["children"]}
    assert divisions["01"]["status"] == "accepted" and divisions["02"]["status"] == "pending"
    rebar = [
        lot
        for sd in divisions["02"]["children"]
        for si in sd["children"]
        if si["code"] == REBAR
        for lot in si["children"]
    ]
    assert [(lot["storey_name"], lot["status"]) for lot in rebar] == [("1F", "accepted"), ("2F", "inspected")]


def test_a_lot_follows_an_element_re_exported_under_a_new_global_id_through_the_accepted_remap(
    world, tower, split, api, django_capture_on_commit_callbacks
):
    from acceptance.queries import lots_covering
    from tests.model_versions import accept_remaps, upload_next

    building, v1, builder = tower
    rule = {"sub_item_code": REBAR, "ifc_classes": ["IfcColumn"]}
    lot_1f = AcceptanceNode.objects.get(pk=api["contractor"].post(f"{split}/lots", rule).json()["created"][0]["id"])
    old_id = next(c.GlobalId for c in builder.model.by_type("IfcColumn") if c.Name == "1F column K1")
    with django_capture_on_commit_callbacks(execute=True):
        v2, new_ids = upload_next(world, v1, regenerate=["1F column K1"])
    accept_remaps(world, v2)
    again = api["contractor"].post(f"{split}/lots", {**rule, "version_id": v2.pk}).json()
    assert (again["created"], again["extended"], again["vanished"]) == ([], [], [])
    present = set(lot_1f.elements.filter(is_present=True).values_list("global_id", flat=True))
    assert new_ids["1F column K1"] in present and old_id not in present and len(present) == 4
    # the evidence trace finds the lot under the element's old GlobalId as under its new one
    assert [c["id"] for c in lots_covering(world["project"], {old_id})] == [lot_1f.pk]
