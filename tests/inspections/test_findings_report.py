"""Findings reports for the weekly site meeting: asked for through the API, made by a task with
progress, downloaded through a signed link; the PDF holds each finding (Chinese titles, plan crop,
history, signatures), the XLSX one row per finding with both times."""

import io
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from inspections import tasks
from inspections.models import Finding, FindingsReport, FindingStep
from plumbline.core.audit.models import AuditEvent


@pytest.fixture
def code(world):
    return world["project"].code


def made(api, code, django_capture_on_commit_callbacks, **body):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/projects/{code}/findings/reports", body)
    assert response.status_code == 202, response.content
    return api.get(f"/projects/{code}/findings/reports/{response.json()['id']}").json()


def download(api, report) -> bytes:
    link = urlsplit(report["download_url"])
    response = api.client.get(f"{link.path}?{link.query}")
    assert response.status_code == 200
    # saved as a readable name with its extension, not the bare sha256 of its key
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith(f".{report['format']}")
    assert 'filename="GZ-2026-001 ' in disposition  # the project's code first
    return b"".join(response.streaming_content)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_report_holds_every_finding_with_its_chinese_title_history_and_signatures(
    world, code, as_persona, django_capture_on_commit_callbacks
):
    owner = as_persona("owner")
    report = made(owner, code, django_capture_on_commit_callbacks, format="pdf")
    assert (report["status"], report["progress"], report["error"]) == ("done", 100, "")
    findings = list(Finding.objects.filter(project=world["project"]))
    assert report["finding_count"] == len(findings) >= 4
    data = download(owner, report)
    text = pdf_text(data)
    for finding in findings:
        assert f"#{finding.pk} {finding.title}" in text  # e.g. 墙体裂缝：南墙开裂, 窗框渗水
    assert "No plan for this finding." not in text  # every demo finding is on an element: each has its crop
    own_element_fill = b".956863 .705882 .705882 rg"  # the finding's element, drawn red-tinted on its crop
    drawn = sum(p.get_contents().get_data().count(own_element_fill) for p in PdfReader(io.BytesIO(data)).pages)
    assert drawn >= len(findings)
    verifier = FindingStep.objects.get(finding__project=world["project"], kind="verified").actor.person
    signed = f"verified and closed: {verifier.name} ({verifier.organisation.name})"
    assert signed in text.replace("\n", "")  # who verified the closed one, and for whom
    assert "已用高强砂浆修补。" in text  # the rectification note, in the history
    assert "rectification · " in text and "defect · " in text  # the photos, captioned by what they show


def test_a_report_takes_the_lists_filters(world, code, as_persona, django_capture_on_commit_callbacks):
    inspector = as_persona("inspector")
    report = made(
        inspector, code, django_capture_on_commit_callbacks, format="pdf", filters={"status": "closed", "severity": ""}
    )
    assert report["filters"] == {"status": "closed"}
    closed = Finding.objects.filter(project=world["project"], status="closed")
    text = pdf_text(download(inspector, report))
    assert report["finding_count"] == closed.count() == 1
    assert "柱蜂窝麻面：C2 柱" in text and "窗框渗水" not in text


def test_the_xlsx_report_has_one_row_per_finding_with_when_seen_and_when_received(
    world, code, as_persona, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    contractor = as_persona("contractor")
    report = made(contractor, code, django_capture_on_commit_callbacks, format="xlsx")
    sheet = load_workbook(io.BytesIO(download(contractor, report))).worksheets[0]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    column = {name: header.index(name) for name in ("No.", "Title", "Seen on site", "Reached the server")}
    findings = {f.pk: f for f in Finding.objects.filter(project=world["project"])}
    assert sorted(r[column["No."]] for r in rows) == sorted(findings)
    for row in rows:
        finding = findings[row[column["No."]]]
        assert row[column["Title"]] == finding.title
        local = timezone.localtime(finding.observed_at).replace(tzinfo=None, microsecond=0)
        assert row[column["Seen on site"]].replace(microsecond=0) == local
        received = timezone.localtime(finding.created_at).replace(tzinfo=None, microsecond=0)
        assert row[column["Reached the server"]].replace(microsecond=0) == received


def test_making_a_report_again_changes_nothing_and_a_lost_run_gives_the_same_file(
    world, code, as_persona, django_capture_on_commit_callbacks
):
    inspector = as_persona("inspector")
    report = made(inspector, code, django_capture_on_commit_callbacks, format="pdf")
    row = FindingsReport.objects.get(pk=report["id"])
    tasks.build_findings_report(row.pk)  # delivered twice (acks_late): the made report stays
    again = FindingsReport.objects.get(pk=row.pk)
    assert (again.sha256, again.finished_at) == (row.sha256, row.finished_at)
    ready = AuditEvent.objects.filter(action="findings_report.ready", target_id=str(row.pk))
    assert ready.count() == 1
    # a worker lost mid-run leaves the report running: the next delivery makes it from the start
    FindingsReport.objects.filter(pk=row.pk).update(status="running", progress_done=2)
    tasks.build_findings_report(row.pk)
    rerun = FindingsReport.objects.get(pk=row.pk)
    assert (rerun.status, rerun.sha256) == ("done", row.sha256)  # the same findings make the same file


def test_a_report_in_an_unknown_format_is_refused_and_nothing_is_queued(code, as_persona):
    response = as_persona("inspector").post(f"/projects/{code}/findings/reports", {"format": "docx"})
    assert response.status_code == 422 and "pdf or xlsx" in response.json()["detail"]
    assert not FindingsReport.objects.exists()


def test_a_report_is_its_requesters_and_the_auditor_browses_findings_instead(
    code, as_persona, django_capture_on_commit_callbacks
):
    report = made(as_persona("inspector"), code, django_capture_on_commit_callbacks, format="xlsx")
    assert as_persona("owner").get(f"/projects/{code}/findings/reports/{report['id']}").status_code == 404
    assert as_persona("outsider").get(f"/projects/{code}/findings/reports/{report['id']}").status_code == 404
    auditor = as_persona("auditor").post(f"/projects/{code}/findings/reports", {"format": "pdf"})
    assert auditor.status_code == 403


@pytest.mark.chinese
def test_a_report_is_written_in_the_requesters_language_chinese_by_default(
    world, code, as_persona, django_capture_on_commit_callbacks
):
    owner = as_persona("owner")  # asks in no language: Chinese, the site's default
    text = pdf_text(download(owner, made(owner, code, django_capture_on_commit_callbacks, format="pdf")))
    assert "质量问题报告" in text and "处理记录" in text and "签认" in text
    sheet = load_workbook(
        io.BytesIO(download(owner, made(owner, code, django_capture_on_commit_callbacks, format="xlsx")))
    )
    header, first, *_ = sheet.worksheets[0].iter_rows(values_only=True)
    assert {"现场发现时间", "送达服务器时间"} <= set(header)
    assert first[header.index("责任单位")] == "施工单位"  # the party by its name, not its code


def test_a_filter_the_findings_list_does_not_have_is_refused(world):
    from inspections.actions import export_findings_report
    from plumbline.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="no filter colour"):
        export_findings_report(world["project"], format="pdf", filters={"colour": "red"}, actor=world["users"]["owner"])
    assert not FindingsReport.objects.exists()


def test_a_report_takes_the_filters_added_to_the_list(world, code, as_persona, django_capture_on_commit_callbacks):
    from inspections import queries

    inspector = as_persona("inspector")
    for filters in ({"responsible_party": "contractor"}, {"overdue": True}, {"assignee": "none"}):
        report = made(inspector, code, django_capture_on_commit_callbacks, format="xlsx", filters=filters)
        expected = queries.search_findings(world["project"], user=world["users"]["inspector"], **filters).count()
        assert (report["status"], report["filters"], report["finding_count"]) == ("done", filters, expected)


def test_a_report_that_cannot_be_made_says_why_on_its_row(world, code, as_persona):
    from inspections.actions import export_findings_report

    inspector = as_persona("inspector")
    report = export_findings_report(world["project"], format="pdf", actor=world["users"]["inspector"])
    # asked for before the list lost a filter (a release in between): the task cannot apply it
    FindingsReport.objects.filter(pk=report.pk).update(filters={"colour": "red"})
    tasks.build_findings_report(report.pk)
    answer = inspector.get(f"/projects/{code}/findings/reports/{report.pk}").json()
    assert answer["status"] == "failed" and answer["download_url"] is None
    assert answer["error"].startswith("The report could not be made:") and "no filter colour" in answer["error"]
    assert AuditEvent.objects.filter(action="findings_report.failed", target_id=str(report.pk)).count() == 1
