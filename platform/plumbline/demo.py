"""The demo data a newcomer sees after `make run`: loaded once, through the same actions users call.

Each app seeds its own part in its `demo.py` (`load(context)`); the site calls them in the order
below, the lower apps first, passing one DemoContext (the project, its people by username, ...).
A new app adds its demo by adding its module here."""

from importlib import import_module

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from acceptance.demo import SITE_STAFF
from plumbline.core.inline import tasks_in_this_process
from plumbline.core.permissions import Role
from projects.demo import AIC_PEOPLE, PASSWORD, PEOPLE, PROJECT_CODE, DemoContext, is_loaded

DEMOS = [
    "projects.demo",
    "signage.demo",
    "bim.demo",
    "inspections.demo",
    "acceptance.demo",
    "acceptance.materials.demo",
    "insurance.demo",
    "supervision.demo",
]

__all__ = ["DEMOS", "LOGINS", "PASSWORD", "PROJECT_CODE", "load"]


def _describe(name: str, org_key: str | None, role):
    """Lazy: read in the language of whoever prints it (load_demo, the README's reader)."""
    if role is not None:
        return format_lazy("{}, {}", name, role.label)
    if org_key == "authority":
        return format_lazy("{}, {}", name, _("housing-department auditor (Guangzhou: sees the demo project)"))
    if org_key == "authority_sz":
        return format_lazy("{}, {}", name, _("housing-department auditor (Shenzhen: does not see it)"))
    return format_lazy("{}, {}", name, _("contractor staff outside the demo project"))


AIC_ROLES = {
    "auditor_fs": _("housing-department auditor (Foshan: runs the architect-in-charge system)"),
    "owner_fs": _("owner staff of the Foshan pilot project"),
    "architect": _("architect in charge of the Foshan pilot project"),
}

LOGINS: list[tuple[str, str]] = (
    [("admin", _("platform administrator (Django admin at /admin/)"))]
    + [(username, _describe(name, org_key, role)) for username, name, org_key, role, _unused, _also_unused in PEOPLE]
    # the contractor's site staff who sign inspection lots, added by the acceptance demo
    + [
        (username, format_lazy("{}, {} · {}", name, Role.CONTRACTOR.label, qualification))
        for username, name, _id17, qualification in SITE_STAFF
    ]
    # the architect-in-charge pilot in Foshan (projects.demo)
    + [(username, format_lazy("{}, {}", name, AIC_ROLES[username])) for username, name, *_rest in AIC_PEOPLE]
)


def load() -> bool:
    """Create the demo data unless it exists; True when it was created now. Tasks the demo sends
    (ingest, IDS check, thumbnails) run here, so the model and its plans are ready at once."""
    if is_loaded():
        return False
    context = DemoContext()
    with tasks_in_this_process():
        for module in DEMOS:
            import_module(module).load(context)
    return True
