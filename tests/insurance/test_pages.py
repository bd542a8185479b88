"""The insurance pages: the home owner's home and claims, the insurer's and TIS's queue and one
screen to survey and decide, the owner's staff binding home owners; each shows only what its
reader may see."""

import re

import pytest

from insurance.models import DefectClaim, HomeOwnership, Unit

pytestmark = pytest.mark.chinese


@pytest.fixture
def signed_in(client, world):
    def login(username):
        client.force_login(world["users"][username])
        return client

    return login


def test_the_home_owner_sees_their_unit_and_claims_with_the_next_deadline(world, signed_in):
    code = world["project"].code
    page = signed_in("home_owner").get(f"/projects/{code}/my-home/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-unit="1-201"' in html and "报修" in html
    assert html.count('class="card claim-row"') == 3
    assert "现场查勘" in html  # the just-filed claim's next deadline, in Chinese
    home = signed_in("home_owner").get("/").content.decode()
    assert f"/projects/{code}/my-home/" in home


def test_the_demo_home_owner_sees_the_plan_of_their_unit(world, signed_in):
    page = signed_in("home_owner").get(f"/projects/{world['project'].code}/my-home/").content.decode()
    unit = page.split('data-unit="1-201"', 1)[1].split("</section>", 1)[0]
    assert '<div class="plan"' in unit and "<svg" in unit
    assert "模型中尚无此房屋的平面图" not in page


def test_a_home_owner_cannot_open_anothers_claim_page(world, signed_in, client):
    from insurance import actions

    project = world["project"]
    other = Unit.objects.get(building__project=project, number="1-501")
    claim, _ = actions.file_claim(
        project,
        client_uuid="6f1c9a1e-0000-4000-8000-000000000001",
        unit_id=other.pk,
        category="plumbing",
        description="漏水",
        found_on=__import__("datetime").date(2026, 9, 1),
        actor=world["users"]["owner"],
    )
    assert signed_in("home_owner").get(f"/projects/{project.code}/claims/{claim.pk}/").status_code == 404
    assert signed_in("owner").get(f"/projects/{project.code}/claims/{claim.pk}/").status_code == 200


def test_the_insurer_decides_from_the_claim_screen_after_the_survey(world, signed_in):
    project = world["project"]
    wall = DefectClaim.objects.get(project=project, status="filed", description__contains="南墙")
    queue = signed_in("insurer").get(f"/projects/{project.code}/claims/").content.decode()
    assert f'data-claim="{wall.pk}"' in queue
    screen = signed_in("tis").get(f"/projects/{project.code}/claims/{wall.pk}/").content.decode()
    assert 'data-move="survey"' in screen and "<svg" in screen and 'id="history"' in screen
    moved = signed_in("tis").post(
        f"/projects/{project.code}/claims/{wall.pk}/move/", {"verb": "survey", "note": "裂缝属实"}
    )
    assert moved.status_code == 302
    screen = signed_in("insurer").get(f"/projects/{project.code}/claims/{wall.pk}/").content.decode()
    assert 'data-move="accept"' in screen and 'data-move="decline"' in screen
    # the claim is in its cover window: the screen offers no reason its cover contradicts
    assert 'value="misuse"' in screen and 'value="before_window"' not in screen
    assert 'value="after_window"' not in screen and 'value="category_not_covered"' not in screen
    refused = signed_in("insurer").post(
        f"/projects/{project.code}/claims/{wall.pk}/move/",
        {"verb": "decline", "back": f"/projects/{project.code}/claims/{wall.pk}/"},
        follow=True,
    )
    assert "拒赔理由" in refused.content.decode()
    signed_in("insurer").post(
        f"/projects/{project.code}/claims/{wall.pk}/move/", {"verb": "decline", "reasons": ["misuse"], "note": "人为"}
    )
    wall.refresh_from_db()
    assert (wall.status, wall.decision_reasons) == ("declined", ["misuse"])


def test_owner_staff_bind_a_home_owner_and_print_a_code(world, signed_in):
    project = world["project"]
    unit = Unit.objects.get(building__project=project, number="1-301")
    owner = signed_in("owner")
    assert owner.get(f"/projects/{project.code}/insurance/").status_code == 200
    owner.post(f"/projects/{project.code}/units/{unit.pk}/bind/", {"username": "home_owner"})
    assert HomeOwnership.objects.filter(unit=unit, person__user__username="home_owner").exists()
    owner.post(f"/projects/{project.code}/units/{unit.pk}/binding-code/")
    page = owner.get(f"/projects/{project.code}/insurance/").content.decode()
    printed = re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</strong>", page)
    assert printed
    buyer = signed_in("outsider")
    landed = buyer.post("/units/bind/", {"code": printed.group(1)})
    assert landed.status_code == 302 and landed["Location"] == f"/projects/{project.code}/my-home/"
    assert signed_in("home_owner").get(f"/projects/{project.code}/insurance/").status_code == 403
