"""Reads of a person's own notices: unread first, then newest; those about a project only while
the person may see it."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from .models import Notification
from .scope import visible_notices


def list_notifications(*, user, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's own notices, unread first and newest first within each; `unread` True or
    False keeps only those. A notice about a project the user no longer sees is not there (it
    comes back if they become a member again)."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    rows = Notification.objects.filter(visible_notices(user), recipient=user)
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    return rows.annotate(
        read_order=Case(When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("read_order", "-created_at", "-pk")


def count_unread(*, user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(visible_notices(user), recipient=user, read_at__isnull=True).count()


def unread_notifications(request):
    """Template context: `unread_notifications`, the signed-in user's unread count for the bell
    (counted only by templates that show it)."""
    return {"unread_notifications": lambda: count_unread(user=getattr(request, "user", None))}
