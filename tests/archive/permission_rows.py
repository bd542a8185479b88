"""The archive checks in the permission matrix: who reads the archive (the owner, the region's
auditor) starts and follows checks of it."""

from tests.permission_rows import project_row

ARCHIVE_READERS = {"owner", "auditor"}


def a_check(world, persona):
    from archive.models import ArchiveCheck

    return {"check_id": ArchiveCheck.objects.create(project=world["project"], requested_by=world["users"]["owner"]).pk}


ROWS = [
    project_row("POST", "/api/v1/projects/{code}/archive/checks", 201, ARCHIVE_READERS),
    project_row("GET", "/api/v1/archive-checks/{check_id}", 200, ARCHIVE_READERS, params=a_check),
]
