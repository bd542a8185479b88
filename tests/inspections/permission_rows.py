"""The permission matrix's rows of the inspections endpoints kept with the inspections tests
(collected by tests/projects/test_permission_matrix.py)."""

from tests.permission_rows import project_row

# finding.export: the parties, the TIS and the insurer; the auditor holds only reads
REPORT_MAKERS = {"contractor", "inspector", "owner", "insurer"}


def own_report(world, persona):
    """A report the persona asked for (one an inspector asked for, for those who may not)."""
    from inspections.actions import export_findings_report

    who = persona if persona in REPORT_MAKERS else "inspector"
    report = export_findings_report(world["project"], format="xlsx", actor=world["users"][who])
    return {"report_id": report.pk}


ROWS = [
    project_row("POST", "/api/v1/projects/{code}/findings/reports", 202, REPORT_MAKERS, body={"format": "pdf"}),
    project_row("GET", "/api/v1/projects/{code}/findings/reports/{report_id}", 200, REPORT_MAKERS, params=own_report),
]
