"""Findings: opened on elements or a plan point by inspectors, retried safely by tablets, fixed by
contractors with photos, verified or rejected by inspectors; every wrong input refused clearly."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bim.models import ModelVersion
from inspections.demo import finding_photo_png
from inspections.models import Finding, FindingPhoto
from plumbline.core.audit.models import AuditEvent


@pytest.fixture
def demo(world):
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    return world["project"].code, version


def body(version, **extra):
    return {
        "client_uuid": str(uuid.uuid4()),
        "version_id": version.pk,
        "category": "structure",
        "severity": "major",
        "title": "Spalling",
        **extra,
    }


def add_photo(api, code, finding_id, data=None, client_uuid=None):
    return api.client.post(
        f"/api/v1/projects/{code}/findings/{finding_id}/photos",
        headers=api.headers,
        data={
            "client_uuid": client_uuid or str(uuid.uuid4()),
            "file": SimpleUploadedFile("p.png", data if data is not None else finding_photo_png("x")),
        },
    )


def test_an_inspector_opens_a_finding_on_an_element(demo, as_persona):
    code, version = demo
    wall = version.elements.get(name="2F 北墙")
    response = as_persona("inspector").post(f"/projects/{code}/findings", body(version, global_ids=[wall.global_id]))
    assert response.status_code == 201
    finding = response.json()
    assert finding["status"] == "open" and finding["storey_global_id"] == wall.storey.global_id
    assert finding["responsible_leader"] == "张施工"  # the contractor's project manager, from the register
    assert finding["next_moves"] == []  # the inspector waits for the contractor
    assert as_persona("contractor").get(f"/projects/{code}/findings/{finding['id']}").json()["next_moves"] == [
        "submit_rectification"
    ]


def test_posting_the_same_client_uuid_again_returns_the_first_finding(demo, as_persona):
    code, version = demo
    payload = body(version, global_ids=[version.elements.first().global_id])
    tablet = as_persona("inspector")
    first = tablet.post(f"/projects/{code}/findings", payload)
    again = tablet.post(f"/projects/{code}/findings", {**payload, "title": "typed again"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["title"] == "Spalling"
    assert Finding.objects.filter(client_uuid=payload["client_uuid"]).count() == 1


def test_a_finding_on_a_plan_point_needs_its_storey_and_a_point_inside_it(demo, as_persona):
    code, version = demo
    storey = version.storeys.get(name="1F")
    tablet = as_persona("inspector")
    inside = tablet.post(f"/projects/{code}/findings", body(version, storey_global_id=storey.global_id, x=3, y=2))
    assert inside.status_code == 201 and (inside.json()["x"], inside.json()["y"]) == (3, 2)
    outside = tablet.post(f"/projects/{code}/findings", body(version, storey_global_id=storey.global_id, x=80, y=2))
    assert outside.status_code == 422 and "outside storey 1F" in outside.json()["detail"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"global_ids": ["0" * 22]}, "Not in version 1 of 1# 建筑: 0000000000000000000000"),
        ({"global_ids": []}, "Pin the finding to at least one element or to a point"),
        ({"due_date": "2020-01-01"}, "The due date 2020-01-01 is in the past."),
        ({"severity": "catastrophic"}, "is not a severity"),
        # the architect in charge is on the register but not one of the five liable parties
        ({"responsible_party": "architect"}, "is not one of the five parties"),
    ],
)
def test_bad_findings_are_refused_and_nothing_is_recorded(demo, as_persona, extra, message):
    code, version = demo
    tablet = as_persona("inspector")
    before = (Finding.objects.count(), AuditEvent.objects.count())
    payload = body(version, global_ids=[version.elements.first().global_id])
    response = tablet.post(f"/projects/{code}/findings", {**payload, **extra})
    assert response.status_code == 422 and message in response.json()["detail"]
    assert (Finding.objects.count(), AuditEvent.objects.count()) == before


def test_the_rectification_workflow_from_open_to_closed_and_back(demo, as_persona, django_capture_on_commit_callbacks):
    code, version = demo
    inspector, contractor = as_persona("inspector"), as_persona("contractor")
    finding = inspector.post(
        f"/projects/{code}/findings", body(version, global_ids=[version.elements.first().global_id])
    ).json()
    url = f"/projects/{code}/findings/{finding['id']}"

    # contractors rectify; inspectors may not submit for them, and nothing is submitted without a photo
    assert inspector.post(f"{url}/submit-rectification", {"note": "done"}).status_code == 403
    no_photo = contractor.post(f"{url}/submit-rectification", {"note": "done"})
    assert no_photo.status_code == 422 and "Add at least one photo" in no_photo.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        assert add_photo(contractor, code, finding["id"]).status_code == 201
    submitted = contractor.post(f"{url}/submit-rectification", {"note": "Patched and cured."})
    assert submitted.json()["status"] == "rectification_submitted"

    # the inspector rejects with a reason, the contractor tries again, the inspector verifies
    assert inspector.post(f"{url}/reject", {"note": ""}).status_code == 422
    assert inspector.post(f"{url}/reject", {"note": "Still cracked at the corner."}).json()["status"] == "open"
    add_photo(contractor, code, finding["id"])
    contractor.post(f"{url}/submit-rectification", {"note": "Corner redone."})
    closed = inspector.post(f"{url}/verify", {"note": "OK"}).json()
    assert closed["status"] == "closed"
    assert [s["kind"] for s in closed["steps"]] == [
        "opened",
        "rectification_submitted",
        "rejected",
        "rectification_submitted",
        "verified",
    ]
    assert closed["photos"][0]["has_thumbnail"] is True

    # an illegal move names the allowed ones
    illegal = inspector.post(f"{url}/verify", {"note": "again"})
    assert illegal.status_code == 409 and illegal.json()["allowed"] == ["reopen"]
    assert inspector.post(f"{url}/reopen", {"note": "Crack is back."}).json()["status"] == "open"
    actions_seen = list(
        AuditEvent.objects.filter(target_type="Finding", target_id=str(finding["id"])).values_list("action", flat=True)
    )
    assert actions_seen[0] == "finding.opened" and actions_seen[-1] == "finding.reopened"


def test_a_photo_is_judged_by_its_content_and_retries_are_safe(demo, as_persona):
    code, version = demo
    tablet = as_persona("inspector")
    finding = tablet.post(
        f"/projects/{code}/findings", body(version, global_ids=[version.elements.first().global_id])
    ).json()
    refused = add_photo(tablet, code, finding["id"], data=b"%PDF-1.4 not a photo")
    assert refused.status_code == 422 and "must be a JPEG, PNG or HEIC file" in refused.json()["detail"]
    photo_uuid = str(uuid.uuid4())
    first = add_photo(tablet, code, finding["id"], client_uuid=photo_uuid)
    again = add_photo(tablet, code, finding["id"], client_uuid=photo_uuid)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert FindingPhoto.objects.filter(finding_id=finding["id"]).count() == 1


def test_findings_are_listed_with_filters(demo, as_persona):
    code, version = demo
    api = as_persona("auditor")
    assert {f["status"] for f in api.get(f"/projects/{code}/findings").json()["items"]} == {
        "open",
        "rectification_submitted",
        "closed",
    }
    critical = api.get(f"/projects/{code}/findings?severity=critical").json()["items"]
    assert [f["title"] for f in critical] == ["柱蜂窝麻面：C2 柱"]
    column = version.elements.get(name="1F 柱 C2").global_id
    assert len(api.get(f"/projects/{code}/findings?global_id={column}").json()["items"]) == 1
    # GlobalIds differ by case alone: another element's findings never show on this one's card
    assert api.get(f"/projects/{code}/findings?global_id={column.swapcase()}").json()["items"] == []


def test_a_tapped_plan_point_suggests_the_nearest_elements_and_refuses_nonsense(demo, client, world):
    code, version = demo
    storey = version.storeys.get(name="1F")
    client.force_login(world["users"]["inspector"])
    url = f"/projects/{code}/plan/{version.pk}/point/?storey={storey.global_id}"
    near_the_wall = client.get(f"{url}&x=3&y=0.4")  # 0.3 m inside the south wall
    assert near_the_wall.status_code == 200
    suggested = [e.name for e in near_the_wall.context["nearby"]]
    assert "1F 南墙" in suggested and "1F 楼板" in suggested
    assert "2F 南墙" not in suggested  # only the tapped storey
    assert client.get(f"{url}&x=abc&y=1").status_code == 400
    outside = client.post(
        f"/projects/{code}/findings/new/",
        {
            "client_uuid": str(uuid.uuid4()),
            "version_id": version.pk,
            "storey_global_id": storey.global_id,
            "x": "90",
            "y": "1",
            "title": "far away",
            "category": "other",
            "severity": "minor",
        },
    )
    assert outside.status_code == 302 and not Finding.objects.filter(title="far away").exists()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_queue_replayed_twice_at_once_makes_one_finding_and_one_photo(world):
    """Two retries of one capture arrive together (a tablet reconnecting on two networks): both
    get the first result, none an error, and one row exists."""
    import threading

    from django.db import connection, connections

    from inspections import actions
    from tests.conftest import require_service

    if connection.vendor != "postgresql":
        require_service("PostgreSQL", "this run's DATABASE_URL is not PostgreSQL (set it as .ci/run does)")
    project, inspector = world["project"], world["users"]["inspector"]
    version = ModelVersion.objects.get(model__project=project, model__name="1# 建筑")
    wall = version.elements.get(name="2F 北墙").global_id
    png = finding_photo_png("race")
    for _ in range(3):
        finding_uuid, photo_uuid, results, errors = uuid.uuid4(), uuid.uuid4(), [], []
        barrier = threading.Barrier(6)

        def capture(finding_uuid=finding_uuid, photo_uuid=photo_uuid, results=results, errors=errors, barrier=barrier):
            import io

            try:
                barrier.wait()
                finding, _ = actions.open_finding(
                    project,
                    client_uuid=finding_uuid,
                    version_id=version.pk,
                    global_ids=[wall],
                    category="structure",
                    severity="major",
                    title="Crack",
                    actor=inspector,
                )
                photo, _ = actions.add_finding_photo(
                    project, finding_id=finding.pk, client_uuid=photo_uuid, stream=io.BytesIO(png), actor=inspector
                )
                results.append((finding.pk, photo.pk))
            except Exception as exc:  # collected and asserted below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=capture) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(set(results)) == 1 and len(results) == 6
        assert Finding.objects.filter(client_uuid=finding_uuid).count() == 1
        assert FindingPhoto.objects.filter(client_uuid=photo_uuid).count() == 1


def test_the_capture_form_sent_again_makes_one_finding_with_its_photos_once(demo, client, world):
    code, version = demo
    wall = version.elements.get(name="1F 南墙")
    client.force_login(world["users"]["inspector"])
    form = {
        "client_uuid": str(uuid.uuid4()),
        "version_id": version.pk,
        "global_ids": [wall.global_id],
        "title": "Crack at the lintel",
        "category": "structure",
        "severity": "major",
    }

    def send(*photos, **extra):
        files = [SimpleUploadedFile(f"p{i}.png", data, content_type="image/png") for i, data in enumerate(photos)]
        return client.post(f"/projects/{code}/findings/new/", {**form, **extra, "photos": files})

    refused = send(finding_photo_png("a"), b"not an image at all")
    assert refused.status_code == 302
    assert not Finding.objects.filter(client_uuid=form["client_uuid"]).exists()  # nothing half-written
    assert send(finding_photo_png("a"), finding_photo_png("b")).status_code == 302
    assert send(finding_photo_png("a"), finding_photo_png("b")).status_code == 302  # a double tap
    finding = Finding.objects.get(client_uuid=form["client_uuid"])
    assert finding.photos.count() == 2
    bad_date = send(due_date="next week", client_uuid=str(uuid.uuid4()), title="dated")
    assert bad_date.status_code == 302 and not Finding.objects.filter(title="dated").exists()
    messages = [str(m) for m in bad_date.wsgi_request._messages]
    assert any("YYYY-MM-DD" in m for m in messages)


def test_a_rectification_refused_keeps_none_of_its_photos(demo, client, world):
    code, version = demo
    finding = Finding.objects.filter(project__code=code, status="open").first()
    client.force_login(world["users"]["inspector"])  # an inspector may not submit a rectification
    before = finding.photos.count()
    response = client.post(
        f"/projects/{code}/findings/{finding.pk}/move/",
        {
            "verb": "submit_rectification",
            "note": "done",
            "photos": [SimpleUploadedFile("r.png", finding_photo_png("r"))],
        },
    )
    assert response.status_code == 403
    assert finding.photos.count() == before


def test_pages_a_role_may_not_see_answer_403_and_a_bad_version_404(demo, client, world):
    code, version = demo
    client.force_login(world["users"]["home_owner"])
    for page in ("findings/", "checklists/"):
        assert client.get(f"/projects/{code}/{page}").status_code == 403, page
    client.force_login(world["users"]["inspector"])
    assert client.get(f"/projects/{code}/plan/?version=abc").status_code == 404
    assert client.get(f"/projects/{code}/plan/?version={version.pk}").status_code == 200


def test_list_pages_cost_the_same_few_queries_however_many_rows(demo, client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    code, version = demo
    client.force_login(world["users"]["inspector"])

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    pages = [f"/projects/{code}/findings/", f"/projects/{code}/checklists/", f"/projects/{code}/plan/"]
    before = {page: queries(page) for page in pages}
    wall = version.elements.get(name="1F 西墙")
    for i in range(5):
        client.post(
            f"/projects/{code}/findings/new/",
            {
                "client_uuid": str(uuid.uuid4()),
                "version_id": version.pk,
                "global_ids": [wall.global_id],
                "title": f"more {i}",
                "category": "other",
                "severity": "minor",
            },
        )
    assert Finding.objects.filter(title__startswith="more ").count() == 5
    assert {page: queries(page) for page in pages} == before


def test_the_capture_form_names_the_responsible_party_and_a_due_date(demo, client, world):
    import datetime

    code, version = demo
    wall = version.elements.get(name="1F 南墙")
    client.force_login(world["users"]["inspector"])
    card = client.get(f"/projects/{code}/plan/{version.pk}/element/{wall.global_id}/")
    assert b'name="due_date"' in card.content and b'name="responsible_party"' in card.content
    assert b'value="contractor"' in card.content and b'value="architect"' not in card.content  # the five only
    due = datetime.date.today() + datetime.timedelta(days=7)
    client.post(
        f"/projects/{code}/findings/new/",
        {
            "client_uuid": str(uuid.uuid4()),
            "version_id": version.pk,
            "global_ids": [wall.global_id],
            "title": "Rebar exposed",
            "category": "structure",
            "severity": "critical",
            "responsible_party": "designer",
            "due_date": due.isoformat(),
        },
    )
    finding = Finding.objects.get(title="Rebar exposed")
    assert (finding.responsible_party, finding.due_date) == ("designer", due)
