"""The party register on a page: each current appointment with its two letters, and the form
that files a signed letter for an appointment (the contractor for their own organisation's)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from projects import actions
from projects.demo import letter_pdf
from projects.models import LiabilityLetter, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_manager(world):
    """The contractor's project manager replaced three days ago: the new one's letters are due."""
    return actions.appoint_party(
        world["project"],
        party="contractor",
        organisation_id=Organisation.objects.get(kind="contractor").pk,
        leader_id=world["users"]["outsider"].person.pk,
        start_date=timezone.localdate() - datetime.timedelta(days=3),
        actor=world["users"]["owner"],
    )


def letter(name="c.pdf"):
    return SimpleUploadedFile(name, letter_pdf("commitment", "何路人"), content_type="application/pdf")


def test_the_contractor_files_a_commitment_letter_on_the_register_page(world, client, new_manager):
    code = world["project"].code
    client.force_login(world["users"]["contractor"])
    home = client.get("/").content.decode()
    assert f'href="/projects/{code}/register/"' in home
    page = client.get(f"/projects/{code}/register/").content.decode()
    assert f'id="appointment-{new_manager.pk}"' in page and "letter-form" in page
    url = f"/projects/{code}/register/{new_manager.pk}/letters/"
    today = timezone.localdate().isoformat()
    form = {"kind": "commitment", "signed_on": today, "file": letter(), "form_token": "l1"}
    assert client.post(url, form).status_code == 302
    assert client.post(url, {**form, "file": letter()}).status_code == 302  # sent twice: filed once
    filed = LiabilityLetter.objects.get(appointment=new_manager, kind="commitment")
    assert filed.original_name == "c.pdf"
    page = client.get(f"/projects/{code}/register/").content.decode()
    assert (
        'data-kind="commitment" data-status="on_file"' in page
        or 'data-kind="commitment" data-status="filed_late"' in page
    )


def test_a_refused_letter_keeps_the_kind_and_date_and_says_why_at_the_date(world, client, new_manager):
    code = world["project"].code
    client.force_login(world["users"]["contractor"])
    url = f"/projects/{code}/register/{new_manager.pk}/letters/"
    before = (new_manager.start_date - datetime.timedelta(days=10)).isoformat()
    response = client.post(url, {"kind": "authorisation", "signed_on": before, "file": letter("a.pdf")})
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="error-signed_on"' in html and f'value="{before}"' in html
    assert 'value="authorisation" selected' in html and "请重新选择文件" in html
    assert not LiabilityLetter.objects.filter(appointment=new_manager, kind="authorisation").exists()


def test_the_designer_may_not_file_the_contractors_letter(world, client, new_manager):
    client.force_login(world["users"]["designer"])
    code = world["project"].code
    page = client.get(f"/projects/{code}/register/").content.decode()
    assert f'id="appointment-{new_manager.pk}"' in page
    assert f'action="/projects/{code}/register/{new_manager.pk}/letters/"' not in page
    response = client.post(
        f"/projects/{code}/register/{new_manager.pk}/letters/",
        {"kind": "commitment", "signed_on": timezone.localdate().isoformat(), "file": letter()},
    )
    assert response.status_code == 403
