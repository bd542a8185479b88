"""Your own account: who you are, your roles, and your personal API tokens."""

from django.http import HttpRequest
from ninja import Router, Status

from plumbline.core.accounts import actions
from plumbline.core.accounts.models import ApiToken
from projects.queries import is_auditor, list_projects, person_of, roles_in

from .schemas import MeOut, NewTokenOut, TokenIn, TokenOut

router = Router(tags=["account"])
ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}


@router.get("/me", response={200: MeOut, 401: dict}, operation_id="get_me", summary="You, your organisation and roles")
def get_me(request: HttpRequest):
    user = request.user
    person = person_of(user)
    projects = [
        {"code": p.code, "name": p.name, "roles": sorted(r.value for r in roles_in(user, p))}
        for p in list_projects(user=user)[:200]
    ]
    return {
        "username": user.get_username(),
        "name": person.name if person else user.get_full_name() or user.get_username(),
        "organisation": person.organisation.name if person and person.organisation else None,
        "is_auditor": is_auditor(user),
        "projects": projects,
    }


@router.get(
    "/tokens",
    response={200: list[TokenOut], 401: dict},
    operation_id="list_tokens",
    summary="Your API tokens (never their secret)",
)
def list_tokens(request: HttpRequest):
    return ApiToken.objects.filter(user=request.user)


@router.post(
    "/tokens",
    response={201: NewTokenOut, **ERRORS},
    operation_id="create_token",
    summary="Create an API token; its secret is shown once",
)
def create_token(request: HttpRequest, payload: TokenIn):
    new = actions.create_api_token(payload.name, actor=request.user)
    return Status(201, {**TokenOut.from_orm(new.token).dict(), "token": new.raw})


@router.post(
    "/tokens/{token_id}/revoke",
    response={200: TokenOut, **ERRORS},
    operation_id="revoke_token",
    summary="Revoke one of your API tokens",
)
def revoke_token(request: HttpRequest, token_id: int):
    return actions.revoke_api_token(token_id, actor=request.user)
