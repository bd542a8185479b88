"""Findings follow their elements into newer versions of the model: by GlobalId, and through the
remaps a contractor accepted after a re-export. They are pinned on the newer plans, listed on the
element's card and found by the GlobalId filter, and say so when their element moved or changed."""

import re
import uuid

import pytest

from bim.models import ModelVersion
from inspections import actions
from inspections.models import Finding
from tests.model_versions import accept_remaps, upload_next


@pytest.fixture
def three_versions(world, django_capture_on_commit_callbacks):
    """v1 (the demo's, with its findings and one on the west wall); v2: the west wall moved, the
    window W1 renamed, the south wall re-exported under a new GlobalId (remap accepted); v3: the
    2F 内隔墙 renamed, nothing on 1F touched."""
    first = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    west = first.elements.get(name="1F 西墙")
    actions.open_finding(
        world["project"],
        client_uuid=uuid.uuid4(),
        version_id=first.pk,
        global_ids=[west.global_id],
        category="structure",
        severity="minor",
        title="Hollow plaster on the west wall",
        actor=world["users"]["inspector"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        second, new_ids = upload_next(world, first, move=["1F 西墙"], rename=["1F 窗 W1"], regenerate=["1F 南墙"])
    accept_remaps(world, second)
    with django_capture_on_commit_callbacks(execute=True):
        third, _ = upload_next(world, second, rename=["2F 内隔墙"])
    third.refresh_from_db()
    assert third.status == "ready" and third.number == 3
    return first, third, new_ids["1F 南墙"]


def pins_of(html: str) -> dict[int, dict]:
    return {
        int(m["id"]): {"status": m["status"], "change": m["change"]}
        for m in re.finditer(
            r'class="pin[^"]*" data-finding-id="(?P<id>\d+)" data-status="(?P<status>[^"]*)" '
            r'data-change="(?P<change>[^"]*)"',
            html,
        )
    }


def test_findings_made_on_an_earlier_version_are_pinned_on_the_newest_plan(three_versions, world, client):
    first, third, _ = three_versions
    code = world["project"].code
    storey = first.storeys.get(name="1F")
    client.force_login(world["users"]["inspector"])
    page = client.get(f"/projects/{code}/plan/?version={third.pk}&storey={storey.global_id}")
    assert page.status_code == 200
    pins = pins_of(page.content.decode())
    findings = {f.title: f.pk for f in Finding.objects.filter(project=world["project"], version=first)}
    crack = findings["墙体裂缝：南墙开裂"]  # its wall re-exported under a new GlobalId
    column = findings["柱蜂窝麻面：C2 柱"]  # untouched
    window = findings["窗框渗水"]  # renamed in v2
    west = findings["Hollow plaster on the west wall"]  # moved in v2
    assert {crack, column, window, west} <= set(pins)
    assert pins[column]["change"] == "" and pins[crack]["change"] == ""
    assert pins[window]["change"] == "changed"
    assert pins[west]["change"] == "moved"


def test_the_element_card_lists_its_findings_from_every_version_and_says_when_it_moved(three_versions, world, client):
    first, third, new_south = three_versions
    code = world["project"].code
    client.force_login(world["users"]["inspector"])
    card = client.get(f"/projects/{code}/plan/{third.pk}/element/{new_south}/").content.decode()
    assert "墙体裂缝：南墙开裂" in card and "v1" in card
    west = third.elements.get(name="1F 西墙")
    card = client.get(f"/projects/{code}/plan/{third.pk}/element/{west.global_id}/").content.decode()
    assert 'data-change="moved"' in card
    assert "自 v1 记录此问题以来，该构件已移动。" in card  # Chinese by default


def test_the_global_id_filter_finds_findings_logged_under_the_elements_old_global_id(three_versions, world, as_persona):
    first, _, new_south = three_versions
    code = world["project"].code
    old_south = first.elements.get(name="1F 南墙").global_id
    for global_id in (new_south, old_south):
        found = as_persona("owner").get(f"/projects/{code}/findings?global_id={global_id}").json()
        assert [f["title"] for f in found["items"]] == ["墙体裂缝：南墙开裂"], global_id


def test_the_plan_of_another_apps_page_has_the_same_pins_and_is_hidden_from_outsiders(world, client):
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    storey = version.storeys.get(name="1F")
    url = f"/projects/{world['project'].code}/plan/{version.pk}/svg/?storey={storey.global_id}"
    client.force_login(world["users"]["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(world["users"]["inspector"])
    plan = client.get(url)
    assert plan.status_code == 200 and plan["Content-Type"] == "image/svg+xml"
    crack = Finding.objects.get(title="墙体裂缝：南墙开裂")
    assert pins_of(plan.content.decode())[crack.pk]["status"] == "open"
    assert f'href="/projects/{world["project"].code}/findings/{crack.pk}/"' in plan.content.decode()
    assert client.get(url.replace(storey.global_id, "nope")).status_code == 404
    client.force_login(world["users"]["home_owner"])  # may see the model, not the findings
    assert client.get(url).status_code == 200 and pins_of(client.get(url).content.decode()) == {}


def test_the_plan_page_shows_a_version_asked_for_or_the_latest_ready_one_of_a_model(three_versions, world, client):
    first, third, _ = three_versions
    code = world["project"].code
    client.force_login(world["users"]["inspector"])
    assert client.get(f"/projects/{code}/plan/").context["version"] == third
    assert client.get(f"/projects/{code}/plan/?model={first.model_id}").context["version"] == third
    page = client.get(f"/projects/{code}/plan/?version={first.pk}")
    assert page.context["version"] == first
    assert [v.number for v in page.context["shown_versions"]] == [3, 2, 1]
    assert client.get(f"/projects/{code}/plan/?version=999999").status_code == 404


def test_a_findings_page_says_when_its_element_moved_since_it_was_logged(three_versions, world, client):
    client.force_login(world["users"]["contractor"])
    code = world["project"].code
    west = Finding.objects.get(title="Hollow plaster on the west wall")
    page = client.get(f"/projects/{code}/findings/{west.pk}/").content.decode()
    assert 'data-change="moved"' in page and "自 v1 记录此问题以来，该构件已移动。" in page
    column = Finding.objects.get(title="柱蜂窝麻面：C2 柱")
    assert 'id="element-change"' not in client.get(f"/projects/{code}/findings/{column.pk}/").content.decode()
