"""Which app router is mounted where under /api/v1/."""

from acceptance.api import router as acceptance_router
from acceptance.materials.api import router as materials_router
from archive.api import router as archive_router
from bim.api import router as bim_router
from inspections.api import router as inspections_router
from insurance.api import router as insurance_router
from projects.api import router as projects_router
from signage.api import router as signage_router
from supervision.api import router as supervision_router

from .account_api import router as account_router
from .audit_api import router as audit_router
from .notification_api import router as notification_router

ROUTERS: list = [
    ("/", account_router),
    ("/", notification_router),
    ("/", projects_router),
    ("/", audit_router),
    ("/", signage_router),
    ("/", bim_router),
    ("/", inspections_router),
    ("/", materials_router),
    ("/", insurance_router),
    ("/", supervision_router),
    ("/", acceptance_router),
    ("/", archive_router),
]
