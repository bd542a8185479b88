"""Who may make which API write, checked before the request is even parsed (plumbline.core.rights):
a right in the project named by the path, or one of the few rights held outside any project."""

from django.utils.translation import gettext

from plumbline.core.errors import NotFound, PermissionDenied
from plumbline.core.rights import right_first

from .models import OrganisationKind, Project
from .queries import authorize_any, get_project, person_of


def project_right(action: str, *more: str):
    """`@project_right("finding.open")` below an endpoint's route: the caller holds `action` (or one
    of `more`) in the project of the path's `code` (404 when they cannot see the project, 403 when
    they may not)."""

    def check(request, *, code, **_):
        if not more:
            get_project(code, user=request.user, action=action)
            return
        project = Project.objects.filter(code=code).first()
        if project is None:
            raise NotFound(gettext("No project %(code)s.") % {"code": repr(code)})
        authorize_any(request.user, project, (action, *more))

    return right_first(check)


def require_site_staff(actor, what: str) -> None:
    if not actor.is_staff:
        raise PermissionDenied(gettext("Only platform administrators may %(what)s.") % {"what": what})


def require_owner_staff(actor):
    """The actor's person, if they work for an owner / developer (who alone create projects)."""
    me = person_of(actor)
    if me is None or me.organisation is None or me.organisation.kind != OrganisationKind.OWNER:
        raise PermissionDenied(gettext("Only staff of an owner / developer (建设单位) may create a project."))
    return me


def require_people_registrar(actor) -> None:
    """Platform administrators and organisation admins register people (which organisation's,
    the action checks once it knows the organisation)."""
    me = person_of(actor)
    if not (actor.is_staff or (me is not None and me.is_organisation_admin)):
        raise PermissionDenied(
            gettext("Only platform administrators and the organisation's admins may register its people.")
        )


site_staff_right = right_first(lambda request, **_: require_site_staff(request.user, gettext("register organisations")))
owner_staff_right = right_first(lambda request, **_: require_owner_staff(request.user))
people_registrar_right = right_first(lambda request, **_: require_people_registrar(request.user))
