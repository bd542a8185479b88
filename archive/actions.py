"""State changes of archive checks: starting one (audited, its task sent on commit) and recording
its outcome (audited); the task's progress is written on the check's own row as it goes."""

import os
import tempfile

from django.db import transaction
from django.utils import timezone

from plumbline.core.audit.log import record_event
from projects.models import Project
from projects.queries import authorize
from storage import get_storage

from .export import stream_archive
from .models import ArchiveCheck, CheckStatus
from .verify import verify_archive

PROGRESS_EVERY = 1024 * 1024  # bytes written between two progress updates


def start_archive_check(project: Project, *, actor) -> ArchiveCheck:
    authorize(actor, project, "archive.read")
    from .tasks import check_archive

    with transaction.atomic():
        check = ArchiveCheck.objects.create(project=project, requested_by=actor)
        record_event("archive.check_started", actor=actor, project=project, target=check)
    transaction.on_commit(lambda: check_archive.delay(check.pk))
    return check


def _progress(check_id: int, **fields) -> None:
    ArchiveCheck.objects.filter(pk=check_id).update(**fields)


def run_archive_check(check_id: int) -> ArchiveCheck:
    """Build the archive for who asked, store it, verify it; the outcome on the row and in the trail."""
    check = ArchiveCheck.objects.select_related("project", "requested_by").get(pk=check_id)
    _progress(check_id, status=CheckStatus.BUILDING)
    fd, path = tempfile.mkstemp(prefix="plumbline-archive-check-", suffix=".zip")
    try:
        written, reported = 0, 0
        with os.fdopen(fd, "wb") as out:
            for chunk in stream_archive(check.project, user=check.requested_by):
                out.write(chunk)
                written += len(chunk)
                if written - reported >= PROGRESS_EVERY:
                    _progress(check_id, bytes_written=written)
                    reported = written
        with open(path, "rb") as handle:
            stored = get_storage().put(handle, content_type="application/zip")
        _progress(check_id, status=CheckStatus.VERIFYING, bytes_written=written)
        report = verify_archive(
            path, progress=lambda checked, total: _progress(check_id, files_checked=checked, files_total=total)
        )
    finally:
        os.unlink(path)
    with transaction.atomic():
        check = ArchiveCheck.objects.select_for_update().get(pk=check_id)
        check.status, check.finished_at = CheckStatus.DONE, timezone.now()
        check.archive_key, check.archive_sha256, check.archive_size = stored.key, stored.sha256, stored.size
        check.files_checked = check.files_total = report.files
        check.is_intact, check.events = report.is_valid, report.events
        check.problem, check.problem_path, check.problem_sequence = report.problem, report.path, report.sequence
        check.save()
        record_event(
            "archive.checked",
            actor=check.requested_by,
            project=check.project,
            target=check,
            changes={
                "is_intact": [None, report.is_valid],
                "sha256": [None, stored.sha256],
                "problem": [None, report.problem],
            },
        )
    return check


def fail_archive_check(check_id: int, error: str) -> None:
    _progress(check_id, status=CheckStatus.FAILED, error=error[:2000], finished_at=timezone.now())
