"""Reads of archive checks: visible to who may read the project's archive."""

from datetime import timedelta

from django.utils.translation import gettext as _

from plumbline.core.errors import NotFound
from projects.queries import authorize
from storage import get_storage

from .models import ArchiveCheck


def get_archive_check(check_id: int, *, user) -> ArchiveCheck:
    check = ArchiveCheck.objects.select_related("project").filter(pk=check_id).first()
    if check is None:
        raise NotFound(_("No archive check %(id)s.") % {"id": check_id})
    try:
        authorize(user, check.project, "archive.read")
    except NotFound:
        raise NotFound(_("No archive check %(id)s.") % {"id": check_id}) from None
    return check


def list_archive_checks(project, *, user):
    authorize(user, project, "archive.read")
    return ArchiveCheck.objects.filter(project=project)


def download_url(check: ArchiveCheck) -> str | None:
    if not check.archive_key:
        return None
    name = f"{check.project.code} {_('Quality archive')} {check.pk}.zip"
    return get_storage().presigned_url(check.archive_key, timedelta(hours=1), filename=name)
