"""Your notifications: the notices Plumbline wrote to you (a finding assigned to you, a
rectification rejected, a finding overdue), unread first, and marking them read."""

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from plumbline.core.notifications import actions, queries
from plumbline.core.pagination import Pagination

from .schemas import NotificationOut, NotificationsReadOut

router = Router(tags=["notifications"])
ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}


@router.get(
    "/notifications",
    response={200: list[NotificationOut], **ERRORS},
    operation_id="list_notifications",
    summary="Your notifications: unread first, newest first (unread=true: only the unread ones)",
)
@paginate(Pagination)
def list_notifications(request: HttpRequest, unread: bool | None = None):
    return queries.list_notifications(user=request.user, unread=unread).select_related("project")


@router.post(
    "/notifications/read-all",
    response={200: NotificationsReadOut, **ERRORS},
    operation_id="mark_all_notifications_read",
    summary="Mark all your notifications read",
)
def mark_all_notifications_read(request: HttpRequest):
    return {"marked": actions.mark_all_notifications_read(actor=request.user)}


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **ERRORS},
    operation_id="mark_notification_read",
    summary="Mark one of your notifications read",
)
def mark_notification_read(request: HttpRequest, notification_id: int):
    return actions.mark_notification_read(notification_id, actor=request.user)
