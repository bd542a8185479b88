"""The demo: each app seeds its own part, the site loads them all once, in order."""

import importlib.util
import io

from django.apps import apps
from django.core.management import call_command

from plumbline import demo


def test_every_app_with_a_demo_module_is_loaded_by_load_demo_lower_apps_first():
    with_demo = [
        f"{config.name}.demo"
        for config in apps.get_app_configs()
        if config.name != "plumbline" and importlib.util.find_spec(f"{config.name}.demo") is not None
    ]
    assert sorted(demo.DEMOS) == sorted(with_demo)
    assert demo.DEMOS[0] == "projects.demo"
    assert demo.DEMOS.index("bim.demo") < demo.DEMOS.index("inspections.demo")


def test_loading_the_demo_again_changes_nothing_and_prints_every_login(world):
    from plumbline.core.audit.models import AuditEvent

    events = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert AuditEvent.objects.count() == events
    printed = out.getvalue()
    assert "Demo data already present." in printed
    assert demo.PASSWORD in printed
    for username, description in demo.LOGINS:
        assert f"  {username:<22} {description}" in printed


def test_the_demo_wires_acceptance_materials_and_insurance_together(world, as_persona, tmp_path):
    """The acceptance demo runs before the materials demo, so its 2F rebar lot is inspected and
    then blocked by the rebar batch that failed; the claim on a wall gets an evidence pack with
    the wall's lots."""
    import json
    import zipfile

    from acceptance.models import AcceptanceNode
    from insurance.models import DefectClaim

    assert demo.DEMOS.index("acceptance.demo") < demo.DEMOS.index("acceptance.materials.demo")
    assert demo.DEMOS.index("acceptance.materials.demo") < demo.DEMOS.index("insurance.demo")
    code = world["project"].code
    lot = AcceptanceNode.objects.get(building__project=world["project"], building__name="1#", code="020102-002")
    answer = as_persona("inspector").get(f"/projects/{code}/acceptance/lots/{lot.pk}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "inspected" and body["storey_name"] == "2F"
    failed = [b for b in body["blockers"] if b["code"] == "material_failed"]
    assert failed and "GJ2605-118" in failed[0]["message"]

    wall_claim = DefectClaim.objects.get(project=world["project"], description="南墙外墙内侧出现竖向裂缝")
    path = tmp_path / "wall.zip"
    call_command("claim", "evidence", code, str(wall_claim.pk), "-o", str(path), stdout=io.StringIO())
    call_command("archive", "verify", str(path), stdout=io.StringIO())
    with zipfile.ZipFile(path) as pack:
        lots = json.loads(pack.read("lots.json"))
    assert [lot["code"] for lot in lots] == ["020105-002"]  # the cast-in-place structure lot of its storey
    assert all(wall_claim.global_ids[0] in lot["global_ids"] for lot in lots)
