"""The permission matrix's rows of the inspections endpoints added with assignment (#16.8) and the
findings reports (#16.10)."""

from tests.permission_rows import project_row


def an_open_finding(world, persona):
    return {"finding_id": world["project"].findings.filter(status="open").order_by("pk").first().pk}


def the_contractors_person(world, persona):
    return {"person_id": world["users"]["contractor"].person.pk}


# finding.export: the parties, the TIS and the insurer; the auditor holds only reads
REPORT_MAKERS = {"contractor", "inspector", "owner", "insurer"}


def own_report(world, persona):
    """A report the persona asked for (one an inspector asked for, for those who may not)."""
    from inspections.actions import export_findings_report

    who = persona if persona in REPORT_MAKERS else "inspector"
    report = export_findings_report(world["project"], format="xlsx", actor=world["users"][who])
    return {"report_id": report.pk}


ROWS = [
    # inspectors assign any finding; contractor staff those their organisation is responsible for
    project_row(
        "POST",
        "/api/v1/projects/{code}/findings/{finding_id}/assign",
        200,
        {"inspector", "contractor"},
        params=an_open_finding,
        body=the_contractors_person,
    ),
    project_row("POST", "/api/v1/projects/{code}/findings/reports", 202, REPORT_MAKERS, body={"format": "pdf"}),
    project_row("GET", "/api/v1/projects/{code}/findings/reports/{report_id}", 200, REPORT_MAKERS, params=own_report),
]
