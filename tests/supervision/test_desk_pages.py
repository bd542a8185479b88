"""The housing department's jobs on the tablet pages, and the organisations' side of them: each
form calls the API's action; a refused post comes back with the typed input and the message next
to its field; a form sent twice does its work once."""

import re

import pytest
from django.utils import timezone

from projects.models import Organisation
from supervision.models import (
    Complaint,
    CreditEvent,
    OrganisationCredit,
    SupervisionDraw,
    SupervisionResult,
    Webhook,
    WebhookDelivery,
)

pytestmark = pytest.mark.django_db


def token_of(html: str, form_id: str = "") -> str:
    start = html.index(f'id="{form_id}"') if form_id else 0
    return re.search(r'name="form_token" value="([^"]+)"', html[start:]).group(1)


def signed_in(client, world, persona):
    client.force_login(world["users"][persona])
    return client


def contractor_in_tier_d():
    """The demo contractor in tier D: the demo project is drawn in every period."""
    OrganisationCredit.objects.update_or_create(
        organisation=Organisation.objects.get(kind="contractor"),
        defaults={"points": 20, "tier": "D", "computed_at": timezone.now()},
    )


# --- draws and results ---------------------------------------------------------------------------


def test_the_auditor_draws_a_period_on_the_page_and_a_second_tap_draws_nothing_more(world, client):
    contractor_in_tier_d()
    auditor = signed_in(client, world, "auditor")
    home = auditor.get("/").content.decode()
    assert 'href="/supervision/draws/"' in home
    page = auditor.get("/supervision/draws/").content.decode()
    assert "2026-Q4" in page  # the demo's draw
    form = {"period": "2027-Q1", "seed": "2027-01-05 体彩 第2027003期", "inspectors_per_project": "2"}
    form["form_token"] = token_of(page, "draw-form")
    first = auditor.post("/supervision/draws/", form)
    draw = SupervisionDraw.objects.get(period="2027-Q1")
    assert first.status_code == 302 and first["Location"] == f"/supervision/draws/{draw.pk}/sign/"
    again = auditor.post("/supervision/draws/", form, follow=True)
    assert SupervisionDraw.objects.filter(period="2027-Q1").count() == 1
    assert "已提交过" in again.content.decode()


def test_a_refused_draw_keeps_the_typed_period_and_says_why_next_to_the_seed(world, client):
    auditor = signed_in(client, world, "auditor")
    response = auditor.post("/supervision/draws/", {"period": "2027-Q2", "seed": " ", "inspectors_per_project": "2"})
    html = response.content.decode()
    assert response.status_code == 422
    assert 'value="2027-Q2"' in html
    assert re.search(r'id="error-seed"[^>]*>[^<]*公开的随机种子', html) or 'id="error-seed"' in html
    assert not SupervisionDraw.objects.filter(period="2027-Q2").exists()
    # drawing a period twice is a conflict, shown at the top of the form
    again = auditor.post("/supervision/draws/", {"period": "2026-Q4", "seed": "x", "inspectors_per_project": "2"})
    assert again.status_code == 409 and 'id="form-error"' in again.content.decode()


def test_only_a_department_opens_the_draws(world, client):
    assert signed_in(client, world, "contractor").get("/supervision/draws/").status_code == 403


def test_the_auditor_signs_a_drawn_projects_result_with_points_against_the_contractor(world, client):
    contractor_in_tier_d()
    from supervision import actions

    draw = actions.create_supervision_draw(period="2027-Q1", seed="s", actor=world["users"]["auditor"])
    auditor = signed_in(client, world, "auditor")
    url = f"/supervision/draws/{draw.pk}/sign/"
    page = auditor.get(url).content.decode()
    assert 'data-project="GZ-2026-001" data-signed="0"' in page
    contractor = Organisation.objects.get(kind="contractor")
    form = {
        "project": "GZ-2026-001",
        "outcome": "orders",
        "summary": "二层楼板钢筋间距超标",
        "violation_organisation_id": "",
        "violation_points": "5",
        "form_token": token_of(page, "result-form"),
    }
    refused = auditor.post(url, form)
    html = refused.content.decode()
    assert refused.status_code == 422
    assert 'id="error-violation_organisation_id"' in html and "二层楼板钢筋间距超标" in html
    assert not SupervisionResult.objects.filter(draw=draw).exists()
    form["violation_organisation_id"] = str(contractor.pk)
    assert auditor.post(url, form).status_code == 302
    result = SupervisionResult.objects.get(draw=draw)
    assert (result.outcome, result.violation_organisation, result.violation_points) == ("orders", contractor, 5)
    assert CreditEvent.objects.filter(organisation=contractor, source_key=f"supervision:{result.pk}").exists()
    assert auditor.post(url, form).status_code == 302  # the second tap: the same token, nothing new
    assert SupervisionResult.objects.filter(draw=draw).count() == 1
    assert 'data-signed="1"' in auditor.get(url).content.decode()


# --- quality credit ------------------------------------------------------------------------------


def test_the_department_sees_the_regions_organisations_with_points_and_tier(world, client):
    html = signed_in(client, world, "auditor").get("/supervision/credit/").content.decode()
    owner = Organisation.objects.get(kind="owner")
    score = OrganisationCredit.objects.get(organisation=owner)
    row = re.search(rf'data-organisation="{owner.credit_code}".*?</tr>', html, re.S).group(0)
    assert owner.name in row and f"<strong>{score.tier}</strong>" in row


def test_the_owners_admin_contests_an_event_once_and_the_department_annuls_it(world, client):
    owner = Organisation.objects.get(kind="owner")
    event = CreditEvent.objects.filter(organisation=owner).first()  # the demo's supervision violation
    admin = signed_in(client, world, "owner")
    assert f'href="/organisations/{owner.pk}/credit/"' in admin.get("/").content.decode()
    url = f"/organisations/{owner.pk}/credit/{event.pk}/contest/"
    refused = admin.post(url, {"reason": "  ", "form_token": "t1"})
    assert refused.status_code == 422 and 'id="error-reason"' in refused.content.decode()
    assert admin.post(url, {"reason": "整改已在检查当日完成", "form_token": "t1"}).status_code == 302
    twice = admin.post(url, {"reason": "再次申诉", "form_token": "t2"})
    assert twice.status_code == 409 and "只能提出一次异议" in twice.content.decode()
    event.refresh_from_db()
    assert event.status == "contested" and event.contest_reason == "整改已在检查当日完成"

    client.logout()
    auditor = signed_in(client, world, "auditor")
    page = auditor.get(f"/organisations/{owner.pk}/credit/").content.decode()
    assert "decide-form" in page and "contest-form" not in page
    decide = f"/organisations/{owner.pk}/credit/{event.pk}/decide/"
    refused = auditor.post(decide, {"decision": "annul", "note": ""})
    assert (
        refused.status_code == 422
        and 'value="annul" style="width:auto;min-height:auto" checked' in refused.content.decode()
    )
    assert auditor.post(decide, {"decision": "annul", "note": "现场照片证明当日已整改"}).status_code == 302
    event.refresh_from_db()
    assert event.status == "annulled" and event.decision_note == "现场照片证明当日已整改"


def test_another_organisations_credit_is_not_for_a_contractor(world, client):
    owner = Organisation.objects.get(kind="owner")
    assert signed_in(client, world, "contractor").get(f"/organisations/{owner.pk}/credit/").status_code == 403


# --- complaints ----------------------------------------------------------------------------------


def test_the_holder_passes_a_complaint_on_and_the_department_sees_the_timeline(world, client):
    complaint = Complaint.objects.get(project=world["project"])  # the demo's, held by the owner
    contractor = Organisation.objects.get(kind="contractor")
    owner = signed_in(client, world, "owner")
    assert 'href="/complaints/"' in owner.get("/").content.decode()
    assert f'href="/complaints/{complaint.pk}/"' in owner.get("/complaints/").content.decode()
    url = f"/complaints/{complaint.pk}/"
    refused = owner.post(url, {"step": "pass", "organisation_id": str(contractor.pk), "note": ""})
    html = refused.content.decode()
    assert refused.status_code == 422 and 'id="error-note"' in html
    assert f'value="{contractor.pk}" selected' in html
    form = {"step": "pass", "organisation_id": str(contractor.pk), "note": "道路由施工单位负责修复", "form_token": "p1"}
    assert owner.post(url, form).status_code == 302
    assert owner.post(url, form).status_code == 302  # sent twice: passed on once
    complaint.refresh_from_db()
    assert complaint.current_holder == contractor and complaint.steps.filter(kind="passed_on").count() == 1

    client.logout()
    html = signed_in(client, world, "auditor").get(f"/supervision/projects/{world['project'].code}/").content.decode()
    assert f'href="/complaints/{complaint.pk}/"' in html
    timeline = client.get(url).content.decode()
    assert 'data-kind="received"' in timeline and "道路由施工单位负责修复" in timeline
    assert "answer-form" not in timeline  # the department reads it; the holder answers


def test_the_new_holder_answers_it(world, client):
    from supervision import actions

    complaint = Complaint.objects.get(project=world["project"])
    contractor = Organisation.objects.get(kind="contractor")
    actions.pass_on_complaint(complaint.pk, organisation_id=contractor.pk, note="转", actor=world["users"]["owner"])
    page = signed_in(client, world, "contractor")
    response = page.post(f"/complaints/{complaint.pk}/", {"step": "answer", "note": "已于本周修复积水路面"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "answered"


# --- webhooks ------------------------------------------------------------------------------------


def test_the_department_subscribes_a_region_webhook_and_sees_its_secret_once(world, client):
    auditor = signed_in(client, world, "auditor")
    page = auditor.get("/webhooks/").content.decode()
    form = {"url": "ftp://hooks.example.com", "event_types": ["finding", "supervision"], "project": ""}
    refused = auditor.post("/webhooks/", {**form, "form_token": token_of(page, "webhook-form")})
    html = refused.content.decode()
    assert refused.status_code == 422 and 'id="error-url"' in html
    assert (
        'value="ftp://hooks.example.com"' in html
        and 'value="supervision" style="width:auto;min-height:auto" checked' in html
    )
    form["url"] = "https://hooks.example.com/region"
    created = auditor.post("/webhooks/", {**form, "form_token": token_of(html, "webhook-form")})
    hook = Webhook.objects.get(url="https://hooks.example.com/region")
    assert hook.department is not None and hook.event_types == ["finding", "supervision"]
    first = auditor.get(created["Location"]).content.decode()
    assert hook.secret in first
    assert hook.secret not in auditor.get(created["Location"]).content.decode()
    assert "hooks.example.com/region" in auditor.get("/webhooks/").content.decode()


def test_the_delivery_log_shows_response_codes_and_replays_a_delivery(
    world, client, django_capture_on_commit_callbacks
):
    from supervision import actions

    hook = actions.create_webhook(
        url="https://hooks.example.com/p",
        event_types=["finding"],
        project_code="GZ-2026-001",
        actor=world["users"]["owner"],
    )
    delivery = WebhookDelivery.objects.create(
        webhook=hook,
        event_type="finding",
        event_id="0" * 32,
        payload={"type": "finding"},
        status="failed",
        attempts=3,
        response_code=502,
    )
    owner = signed_in(client, world, "owner")
    assert 'href="/webhooks/"' in owner.get("/").content.decode()
    html = owner.get(f"/webhooks/{hook.pk}/").content.decode()
    assert f'data-id="{delivery.pk}" data-status="failed"' in html and '<span class="code">502</span>' in html
    response = owner.post(f"/webhooks/{hook.pk}/deliveries/{delivery.pk}/replay/", {"form_token": "r1"})
    assert response.status_code == 302
    replay = WebhookDelivery.objects.get(replay_of=delivery)
    assert replay.payload == delivery.payload
    assert signed_in(client, world, "contractor").get(f"/webhooks/{hook.pk}/").status_code == 403
    assert signed_in(client, world, "outsider").get(f"/webhooks/{hook.pk}/").status_code == 404


def test_the_api_lists_the_webhooks_one_manages_without_their_secrets(world, as_persona):
    from supervision import actions

    actions.create_webhook(url="https://hooks.example.com/r", event_types=["claim"], actor=world["users"]["auditor"])
    actions.create_webhook(
        url="https://hooks.example.com/p",
        event_types=["finding"],
        project_code="GZ-2026-001",
        actor=world["users"]["owner"],
    )
    mine = as_persona("auditor").get("/supervision/webhooks").json()
    assert [h["url"] for h in mine["items"]] == ["https://hooks.example.com/r"] and "secret" not in mine["items"][0]
    assert [h["project"] for h in as_persona("owner").get("/supervision/webhooks").json()["items"]] == ["GZ-2026-001"]
    assert as_persona("contractor").get("/supervision/webhooks").json()["items"] == []
