"""Which notices about a project a person may have: only while they may see the project (a
member whose membership ended, an auditor outside their region, does not). The projects app
decides who sees what; the kernel asks it through settings.VISIBLE_PROJECTS."""

from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string


def visible_projects(user):
    return import_string(settings.VISIBLE_PROJECTS)(user)


def visible_notices(user) -> Q:
    """Notices about no project, or about a project the user may see now."""
    return Q(project__isnull=True) | Q(project__in=visible_projects(user).values("pk"))


def may_see_project(user, project) -> bool:
    return visible_projects(user).filter(pk=project.pk).exists()
