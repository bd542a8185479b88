"""A tablet form's POST address opened in the browser (a bookmark, a reload, a link copied from
the address bar) goes to the page the form lives on, never to an error page."""

import pytest


@pytest.fixture
def inspector(world, client):
    client.force_login(world["users"]["inspector"])
    return client


def test_opening_the_new_finding_address_goes_to_the_plan(world, inspector):
    code = world["project"].code
    response = inspector.get(f"/projects/{code}/findings/new/")
    assert (response.status_code, response["Location"]) == (302, f"/projects/{code}/plan/")
    assert inspector.get(response["Location"]).status_code == 200


def test_opening_the_new_finding_address_signed_out_leads_to_the_plan_after_signing_in(world, client):
    code = world["project"].code
    response = client.get(f"/projects/{code}/findings/new/", follow=True)
    assert response.redirect_chain[0] == (f"/projects/{code}/plan/", 302)
    assert response.redirect_chain[-1][0] == f"/login/?next=/projects/{code}/plan/"


def test_opening_the_other_form_addresses_goes_to_their_pages(world, inspector):
    code = world["project"].code
    finding = world["project"].findings.order_by("pk").first()
    pages = {
        f"/projects/{code}/findings/{finding.pk}/move/": f"/projects/{code}/findings/{finding.pk}/",
        f"/projects/{code}/checklists/new/": f"/projects/{code}/checklists/",
        f"/projects/{code}/checklists/1/items/1/": f"/projects/{code}/checklists/1/",
        f"/projects/{code}/checklists/1/complete/": f"/projects/{code}/checklists/1/",
    }
    for address, page in pages.items():
        response = inspector.get(address)
        assert (response.status_code, response["Location"]) == (302, page), address


def test_a_method_other_than_post_on_a_form_address_is_refused(world, inspector):
    response = inspector.put(f"/projects/{world['project'].code}/findings/new/")
    assert response.status_code == 405
