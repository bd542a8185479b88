"""Photo markup: a photo with arrows and circles drawn on it is sent after its original and names
it (marks_up); both are kept, the finding's page shows the marked-up one with the original a tap
away. A marked-up photo of a photo the finding does not have is refused."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.demo import finding_photo_png
from inspections.models import FindingPhoto


@pytest.fixture
def finding(world):
    return _open_demo_finding(world)


def _open_demo_finding(world):
    """The inspections demo's open finding (the materials demo opens one later on its failed batch)."""
    return world["project"].findings.filter(status="open", checklist__isnull=True).order_by("pk").first()


def send(api, code, finding_id, label, marks_up=None):
    data = {"client_uuid": str(uuid.uuid4()), "file": SimpleUploadedFile(f"{label}.png", finding_photo_png(label))}
    if marks_up:
        data["marks_up"] = marks_up
    response = api.client.post(f"/api/v1/projects/{code}/findings/{finding_id}/photos", headers=api.headers, data=data)
    return response, data["client_uuid"]


def test_a_marked_up_photo_is_kept_beside_its_original_and_shown_in_its_place(world, finding, as_persona, client):
    code = world["project"].code
    inspector = as_persona("inspector")
    original, original_uuid = send(inspector, code, finding.pk, "crack")
    marked, _ = send(inspector, code, finding.pk, "crack-marked", marks_up=original_uuid)
    assert (original.status_code, marked.status_code) == (201, 201)
    assert marked.json()["marks_up_id"] == original.json()["id"]
    photos = {p["id"]: p for p in inspector.get(f"/projects/{code}/findings/{finding.pk}").json()["photos"]}
    assert photos[original.json()["id"]]["marks_up_id"] is None  # the original is kept as it was
    assert photos[marked.json()["id"]]["marks_up_id"] == original.json()["id"]

    client.force_login(world["users"]["inspector"])
    page = client.get(f"/projects/{code}/findings/{finding.pk}/").content.decode()
    assert f'data-photo="{marked.json()["id"]}" data-marks-up="{original.json()["id"]}"' in page
    assert f'data-photo="{original.json()["id"]}"' not in page  # not shown twice
    original_key = FindingPhoto.objects.get(pk=original.json()["id"]).file_key
    assert 'class="original-photo" href="' in page and original_key in page


@pytest.mark.parametrize("marks_up", ["unknown", "photo of another finding"])
def test_a_marked_up_photo_must_name_a_photo_of_the_same_finding(world, finding, as_persona, marks_up):
    code = world["project"].code
    inspector = as_persona("inspector")
    if marks_up == "unknown":
        named = str(uuid.uuid4())
    else:
        other = world["project"].findings.exclude(pk=finding.pk).filter(photos__isnull=False).first()
        named = str(other.photos.first().client_uuid)
    before = FindingPhoto.objects.count()
    response, _ = send(inspector, code, finding.pk, "marked", marks_up=named)
    assert response.status_code == 422 and response.json()["field"] == "marks_up"
    assert "send the original first" in response.json()["detail"]
    assert FindingPhoto.objects.count() == before


def test_the_rectification_form_keeps_the_marked_up_copy_with_its_photo(world, client):
    code = world["project"].code
    finding = _open_demo_finding(world)
    client.force_login(world["users"]["contractor"])
    response = client.post(
        f"/projects/{code}/findings/{finding.pk}/move/",
        {
            "verb": "submit_rectification",
            "note": "已修补",
            "photos": [
                SimpleUploadedFile("a.png", finding_photo_png("a")),
                SimpleUploadedFile("b.png", finding_photo_png("b")),
            ],
            "markups": [SimpleUploadedFile("b-marked.jpg", finding_photo_png("b marked"))],
            "markup_of": ["1"],
        },
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == "rectification_submitted"
    marked = finding.photos.get(original_name="b-marked.jpg")
    assert marked.marks_up.original_name == "b.png"


def test_a_marked_up_copy_that_names_no_photo_of_the_form_changes_nothing(world, client):
    code = world["project"].code
    finding = _open_demo_finding(world)
    photos = finding.photos.count()
    client.force_login(world["users"]["contractor"])
    client.post(
        f"/projects/{code}/findings/{finding.pk}/move/",
        {
            "verb": "submit_rectification",
            "note": "已修补",
            "photos": [SimpleUploadedFile("a.png", finding_photo_png("a"))],
            "markups": [SimpleUploadedFile("x-marked.jpg", finding_photo_png("x"))],
            "markup_of": ["3"],
        },
    )
    finding.refresh_from_db()
    assert finding.status == "open" and finding.photos.count() == photos  # nothing half-written
