"""The BCF-API 3.0 server (buildingSMART): its own NinjaAPI at the paths the standard fixes,
/foundation/... and /bcf/3.0/..., with the errors and auth of /api/v1/ (our API tokens)."""

from inspections.bcf_api import foundation_router, router

from .api import NulRefusingParser, OfflineSwagger, PlumblineAPI, api
from .core.accounts.auth import API_AUTH

bcf_api = PlumblineAPI(
    title="Plumbline BCF-API 3.0",
    version="3.0",
    description="buildingSMART BCF-API 3.0 over Plumbline findings. Authenticate with `Authorization: Bearer <token>`.",
    urls_namespace="bcf-3.0",
    auth=API_AUTH,
    docs=OfflineSwagger(),
    docs_url="/bcf/3.0/docs",
    openapi_url="/bcf/3.0/openapi.json",
    parser=NulRefusingParser(),
)
bcf_api.add_router("/foundation", foundation_router)
bcf_api.add_router("/bcf/3.0", router)
for exception, handler in api._exception_handlers.items():
    bcf_api.add_exception_handler(exception, handler)
