"""The audit trail in the browser: filtered by actor, action and date, and verified, the first
broken event named."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from plumbline.core.audit.log import chain_of
from plumbline.core.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor_client(world, client, settings):
    client.force_login(world["users"]["auditor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the page chosen in English
    return client


def test_events_are_filtered_by_actor_action_and_date(world, auditor_client, as_persona):
    def rows(query: str) -> str:  # the events shown (the action select lists every action of the trail)
        html = auditor_client.get(f"/projects/GZ-2026-001/audit/?{query}").content.decode()
        return html[html.index('id="events"') :]

    html = rows("action=letter")
    assert 'data-action="letter.filed"' in html and "project.created" not in html
    html = rows("actor=赵监理")
    assert 'data-action="finding.opened"' in html and "letter.filed" not in html
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert "No events." in auditor_client.get(f"/projects/GZ-2026-001/audit/?since={tomorrow}").content.decode()
    api = as_persona("auditor").get("/projects/GZ-2026-001/audit?action=finding&actor=赵监理").json()["items"]
    assert api and all(e["action"].startswith("finding.") for e in api)


def test_verifying_shows_the_first_broken_event(world, auditor_client):
    assert 'id="chain-report"' in (html := auditor_client.get("/projects/GZ-2026-001/audit/?verify=1").content.decode())
    assert "broken" not in html
    target = AuditEvent.objects.filter(chain=chain_of(world["project"])).order_by("sequence")[4]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET action = %s WHERE id = %s", ("forged.action", target.pk)
        )
    html = auditor_client.get("/projects/GZ-2026-001/audit/?verify=1").content.decode()
    assert f"broken at event #{target.sequence}" in html and 'id="broken-event"' in html


def test_a_shenzhen_auditor_has_no_audit_page_of_a_guangzhou_project(world, client):
    client.force_login(world["users"]["auditor_sz"])
    assert client.get("/projects/GZ-2026-001/audit/").status_code == 404
