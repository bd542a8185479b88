"""The archive checked in the browser: the archive is built for who asks, kept, and verified by a
task that writes its progress on its row; the page follows it to its outcome, and the file offered
for download is the file that was checked. Tampering with the audit trail shows as NOT intact,
naming the event."""

import hashlib
from urllib.parse import urlsplit

import pytest
from django.db import connection

from archive.models import ArchiveCheck
from plumbline.core.audit.log import chain_of
from plumbline.core.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_auditor_checks_the_archive_and_downloads_the_file_that_was_checked(
    world, as_persona, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_persona("auditor").post("/projects/GZ-2026-001/archive/checks")
    assert response.status_code == 201
    check = as_persona("auditor").get(f"/archive-checks/{response.json()['id']}").json()
    assert check["status"] == "done" and check["percent"] == 100
    assert check["is_intact"] is True and check["events"] > 10
    assert check["files_checked"] == check["files_total"] > 5
    link = urlsplit(check["download_url"])
    downloaded = client.get(f"{link.path}?{link.query}")
    body = b"".join(downloaded.streaming_content) if downloaded.streaming else downloaded.content
    assert hashlib.sha256(body).hexdigest() == check["archive_sha256"]
    # saved as the project's archive ZIP, not under the sha256 of its key
    assert downloaded["Content-Disposition"].startswith('attachment; filename="GZ-2026-001 ')
    assert f" {check['id']}.zip\";" in downloaded["Content-Disposition"]


def test_a_tampered_audit_trail_is_reported_with_the_event(world, as_persona, django_capture_on_commit_callbacks):
    target = AuditEvent.objects.filter(chain=chain_of(world["project"])).order_by("sequence")[2]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET actor_name = %s WHERE id = %s", ("伪造", target.pk))
    with django_capture_on_commit_callbacks(execute=True):
        check_id = as_persona("auditor").post("/projects/GZ-2026-001/archive/checks").json()["id"]
    check = ArchiveCheck.objects.get(pk=check_id)
    assert check.is_intact is False and check.problem_sequence == target.sequence
    page = as_persona("auditor").client.get(f"/archive-checks/{check_id}/")
    assert page.status_code == 302  # the page is for a signed-in session (the token is the API's)


def test_the_check_page_reloads_while_it_runs_and_shows_the_outcome(world, client, django_capture_on_commit_callbacks):
    client.force_login(world["users"]["auditor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/projects/GZ-2026-001/archive/")
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'http-equiv="refresh"' not in html and 'id="outcome"' in html and 'id="download"' in html
    running = ArchiveCheck.objects.create(project=world["project"], requested_by=world["users"]["auditor"])
    assert 'http-equiv="refresh"' in client.get(f"/archive-checks/{running.pk}/").content.decode()


def test_others_may_not_check_the_archive(world, as_persona):
    assert as_persona("auditor_sz").post("/projects/GZ-2026-001/archive/checks").status_code == 404
    assert as_persona("contractor").post("/projects/GZ-2026-001/archive/checks").status_code == 403
    check = ArchiveCheck.objects.create(project=world["project"], requested_by=world["users"]["auditor"])
    assert as_persona("auditor_sz").get(f"/archive-checks/{check.pk}").status_code == 404
