"""The permission matrix's rows of the notification endpoints (#16.9): everyone signed in reads
and marks their own notices, nobody anyone else's."""

from tests.conftest import PERSONAS
from tests.permission_rows import Row

EVERYONE_SIGNED_IN = set(PERSONAS)


def own_notice(world, persona):
    from plumbline.core.notifications.actions import notify

    return {"notification_id": notify(world["users"][persona], kind="matrix.row", title="matrix").pk}


ROWS = [
    Row("GET", "/api/v1/notifications", 200, EVERYONE_SIGNED_IN),
    Row("POST", "/api/v1/notifications/read-all", 200, EVERYONE_SIGNED_IN),
    Row("POST", "/api/v1/notifications/{notification_id}/read", 200, EVERYONE_SIGNED_IN, params=own_notice),
]
