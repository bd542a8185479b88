"""The demo data a newcomer sees after `make run`: loaded once, through the same actions users call.

Each app seeds its own part in its `demo.py` (`load(context)`); the site calls them in the order
below, the lower apps first, passing one DemoContext (the project, its people by username, ...).
A new app adds its demo by adding its module here."""

from importlib import import_module

from plumbline.core.inline import tasks_in_this_process
from projects.demo import PASSWORD, PEOPLE, PROJECT_CODE, DemoContext, is_loaded

DEMOS = [
    "projects.demo",
    "signage.demo",
    "bim.demo",
    "inspections.demo",
]

__all__ = ["DEMOS", "LOGINS", "PASSWORD", "PROJECT_CODE", "load"]


def _describe(name: str, org_key: str | None, role) -> str:
    if role is not None:
        return f"{name}, {role.label}"
    if org_key in ("authority", "authority_sz"):
        region = "Guangzhou: sees the demo project" if org_key == "authority" else "Shenzhen: does not see it"
        return f"{name}, housing-department auditor ({region})"
    return f"{name}, contractor staff outside the demo project"


LOGINS: list[tuple[str, str]] = [("admin", "platform administrator (Django admin at /admin/)")] + [
    (username, _describe(name, org_key, role)) for username, name, org_key, role, _, _ in PEOPLE
]


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
