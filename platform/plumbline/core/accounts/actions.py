"""Creating and revoking personal API tokens."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plumbline.core.audit.log import record_event
from plumbline.core.errors import Conflict, InvalidInput, NotFound

from .models import ApiToken, hash_token, new_raw_token

MAX_ACTIVE_TOKENS = 20


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    raw: str  # shown to the user once, never stored


def create_api_token(name: str, *, actor) -> NewToken:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the token a name, e.g. the tablet or script that will use it."), field="name")
    with transaction.atomic():
        if ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
            raise Conflict(
                _("You already have %(count)d active tokens: revoke one first.") % {"count": MAX_ACTIVE_TOKENS}
            )
        raw = new_raw_token()
        token = ApiToken.objects.create(user=actor, name=name[:100], prefix=raw[:12], token_hash=hash_token(raw))
        record_event("api_token.created", actor=actor, target=token, changes={"name": [None, token.name]})
    return NewToken(token=token, raw=raw)


def revoke_api_token(token_id: int, *, actor) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
        if token is None:
            raise NotFound(_("You have no API token %(id)s.") % {"id": token_id})
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event("api_token.revoked", actor=actor, target=token, changes={"revoked_at": [None, token.revoked_at]})
    return token
