"""A signed-in member sees a sign's QR code on the sign's page and prints it from a page made for
printing; the QR code is the one of the sign's public page. Who may not read the register gets no
sign page, and nobody signed out does."""

import pytest

from signage import qr
from signage.queries import public_url


@pytest.fixture
def sign(world):
    return world["project"].signs.get(building="1#")


def test_the_signs_page_shows_the_qr_code_and_links_to_its_print_page(world, client, sign):
    code = world["project"].code
    client.force_login(world["users"]["owner"])
    signs = client.get(f"/projects/{code}/signs/")
    assert signs.status_code == 200 and f'href="/projects/{code}/signs/{sign.pk}/"' in signs.content.decode()
    page = client.get(f"/projects/{code}/signs/{sign.pk}/").content.decode()
    assert f'<img src="/signs/{sign.public_token}/qr.svg"' in page
    assert public_url(sign) in page
    assert f'href="/projects/{code}/signs/{sign.pk}/print/" id="print-qr"' in page
    printed = client.get(f"/projects/{code}/signs/{sign.pk}/print/").content.decode()
    assert f'<img src="/signs/{sign.public_token}/qr.svg"' in printed and public_url(sign) in printed
    assert "<header>" not in printed and "data-print" in printed  # only the QR code and what names it
    image = client.get(f"/signs/{sign.public_token}/qr.svg")
    assert image["Content-Type"] == "image/svg+xml" and image.content == qr.qr_svg(public_url(sign))


def test_the_home_page_links_to_the_signs_for_those_who_read_the_register(world, client):
    code = world["project"].code
    client.force_login(world["users"]["contractor"])
    assert f'href="/projects/{code}/signs/"' in client.get("/").content.decode()
    client.force_login(world["users"]["home_owner"])
    assert f'href="/projects/{code}/signs/"' not in client.get("/").content.decode()


@pytest.mark.parametrize(("persona", "status"), [("home_owner", 403), ("outsider", 404), ("auditor_sz", 404)])
def test_a_sign_page_is_only_for_those_who_read_the_register(world, client, sign, persona, status):
    client.force_login(world["users"][persona])
    for path in ("", f"{sign.pk}/", f"{sign.pk}/print/"):
        assert client.get(f"/projects/{world['project'].code}/signs/{path}").status_code == status


def test_signed_out_the_sign_page_asks_to_sign_in(world, client, sign):
    response = client.get(f"/projects/{world['project'].code}/signs/{sign.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_another_projects_sign_number_is_not_found(world, client, sign):
    client.force_login(world["users"]["owner"])
    assert client.get(f"/projects/{world['project'].code}/signs/{sign.pk + 1000}/").status_code == 404
