"""In real Chromium at 1024x768: an inspector gives a finding to the contractor's project
manager; he sees the unread count on the bell, opens the notice, lands on the finding, and finds
it under "my findings" with its location, party and overdue flag. Screenshots of each step are
kept in test-artifacts/browser/."""

import datetime

import pytest
from django.utils import timezone

from inspections.models import Finding
from plumbline.core.notifications.models import Notification
from tests.browser.conftest import ARTIFACTS, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TABLET = {"width": 1024, "height": 768}


def test_an_assigned_finding_reaches_the_assignee_under_the_bell_and_in_my_findings(world, browser, site):
    code = world["project"].code
    finding = Finding.objects.get(project=world["project"], title="窗框渗水")  # the demo's window, not assigned
    Finding.objects.filter(pk=finding.pk).update(
        status="open", due_date=timezone.localdate() - datetime.timedelta(days=2)
    )  # sent back and now late
    zhang = world["users"]["contractor"]
    unread_before = Notification.objects.filter(recipient=zhang, read_at__isnull=True).count()

    inspector = signed_in(browser, site, "inspector", TABLET)
    inspector.goto(f"{site}/projects/{code}/findings/{finding.pk}/")
    assert inspector.locator("#assignee").inner_text() == "未指派"
    inspector.locator("#assign-person").select_option(label="张施工")
    inspector.screenshot(path=str(ARTIFACTS / "assign-1-form-1024x768.png"), full_page=True)
    with inspector.expect_navigation():
        inspector.locator("#assign button[type=submit]").click()
    assert inspector.locator("#assignee").inner_text() == "指派给 张施工"
    assert "已指派给 张施工。" in inspector.locator("[role=status]").first.inner_text()
    assert inspector.locator("#assign").is_visible()  # within the first screen of a tablet
    assert [s.kind for s in Finding.objects.get(pk=finding.pk).steps.all()][-1] == "assigned"

    contractor = signed_in(browser, site, "contractor", TABLET)
    bell = contractor.locator("#bell")
    assert bell.get_attribute("data-unread") == str(unread_before + 1)
    assert bell.is_visible() and bell.bounding_box()["height"] >= 40  # a finger's target
    contractor.screenshot(path=str(ARTIFACTS / "assign-2-bell-1024x768.png"))
    bell.click()
    contractor.wait_for_url(f"{site}/notifications/")
    notice = contractor.locator(f'.notification[data-kind="finding.assigned"]:has-text("#{finding.pk}")')
    assert notice.get_attribute("data-unread") is not None
    assert "窗框渗水" in notice.inner_text()
    contractor.screenshot(path=str(ARTIFACTS / "assign-3-notifications-1024x768.png"), full_page=True)
    with contractor.expect_navigation():
        notice.locator("button[name=open]").click()
    assert contractor.url == f"{site}/projects/{code}/findings/{finding.pk}/"
    assert contractor.locator("#bell").get_attribute("data-unread") == str(unread_before)

    contractor.goto(f"{site}/projects/{code}/findings/")
    with contractor.expect_navigation():
        contractor.locator("#tab-mine").click()
    assert contractor.locator("h1").inner_text() == "我的问题"
    row = contractor.locator(f'.finding-row[data-finding-id="{finding.pk}"]')
    assert row.is_visible()
    assert row.locator(".overdue").inner_text() == "· 已逾期"
    assert "1F 窗 W1" in row.locator(".location").inner_text()
    assert row.locator(".party").inner_text() == "施工单位"
    assert "张施工" in row.locator(".assignee").inner_text()
    shown = {int(r.get_attribute("data-finding-id")) for r in contractor.locator(".finding-row").all()}
    assert shown == set(Finding.objects.filter(assignee=zhang.person).values_list("pk", flat=True))
    contractor.screenshot(path=str(ARTIFACTS / "assign-4-my-findings-1024x768.png"), full_page=True)

    contractor.locator("#overdue").select_option("1")
    with contractor.expect_navigation():
        contractor.locator("#finding-filters button[type=submit]").click()
    assert "assignee=me" in contractor.url and "overdue=1" in contractor.url
    assert [r.get_attribute("data-finding-id") for r in contractor.locator(".finding-row").all()] == [str(finding.pk)]
