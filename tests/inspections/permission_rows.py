"""The permission matrix's rows of the inspections endpoints added with assignment (#16.8)."""

from tests.permission_rows import project_row


def an_open_finding(world, persona):
    return {"finding_id": world["project"].findings.filter(status="open").order_by("pk").first().pk}


def the_contractors_person(world, persona):
    return {"person_id": world["users"]["contractor"].person.pk}


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
]
