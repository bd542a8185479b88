"""Writing notices: `notify` (called by other apps' actions, inside their transaction) and the
recipient marking them read.

Notices are not audit events: the action that causes one (a finding assigned, a rectification
rejected) writes its own event, and what a person has read is their own business, not the
project's record. Nothing here checks a project right: `notify` is called by actions that
checked theirs, and a person reads and marks only their own notices. A notice about a project
goes only to someone who may see the project now, and shows only while they may.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from plumbline.core.errors import NotFound

from .models import Notification
from .scope import may_see_project, visible_notices


def notify(
    recipient, *, kind: str, title: str, body: str = "", link: str = "", project=None, key: str = "", actor=None
):
    """Tell `recipient` (a user) about something: one notice row now, and an email to their
    address (if they have one) once the caller's transaction commits, sent by a task.

    - `kind`: a stable dotted name, e.g. "finding.assigned", "claim.decided".
    - `title`, `body`: as the recipient will read them. They are not there when this runs, so
      write them in the site's language: `with translation.override(settings.LANGUAGE_CODE)`.
    - `link`: a path on this site ("/projects/GZ-2026-001/findings/3/"); the email gives it as
      SITE_URL + link.
    - `project`: the project it is about, if any.
    - `key`: the same key never makes a second notice for the same person (give one to anything a
      task or a retry may send again, e.g. "finding.overdue:12:2026-12-02").
    - `actor`: who caused it. Nobody is told of their own doing; None is the platform itself.

    Returns the notice (the earlier one for a repeated key), or None when nobody is told (no
    recipient, an inactive account, the recipient is the actor, or `project` is one the
    recipient may no longer see: a membership that ended).
    """
    from . import tasks

    if recipient is None or not recipient.is_active or (actor is not None and actor.pk == recipient.pk):
        return None
    if project is not None and not may_see_project(recipient, project):
        return None
    if link and not link.startswith("/"):
        raise ValueError(f"a notice links to a path on this site, not {link!r}")
    if key:
        earlier = Notification.objects.filter(recipient=recipient, key=key).first()
        if earlier is not None:
            return earlier
    try:
        with transaction.atomic():  # a savepoint: a notice that loses a race leaves the caller's work intact
            notice = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                project=project,
                title=str(title)[:200],
                body=str(body),
                link=link,
                key=key,
            )
    except IntegrityError:
        if not key:
            raise
        return Notification.objects.get(recipient=recipient, key=key)
    if recipient.email:
        transaction.on_commit(lambda: tasks.send_notification_email.delay(notice.pk))
    return notice


def mark_notification_read(notification_id: int, *, actor) -> Notification:
    """Mark one of the actor's own notices read (again: nothing changes)."""
    with transaction.atomic():
        notice = (
            Notification.objects.select_for_update()
            .filter(visible_notices(actor), pk=notification_id, recipient=actor)
            .first()
        )
        if notice is None:
            raise NotFound(gettext("You have no notification %(id)s.") % {"id": notification_id})
        if notice.read_at is None:
            notice.read_at = timezone.now()
            notice.save(update_fields=["read_at"])
    return notice


def mark_all_notifications_read(*, actor) -> int:
    """Mark every unread notice the actor sees read; how many were unread."""
    unread = Notification.objects.filter(visible_notices(actor), recipient=actor, read_at__isnull=True)
    return unread.update(read_at=timezone.now())


def record_email_sent(notification_id: int) -> None:
    """Its email went out (derived data of the notice, kept so a retried task sends it once)."""
    Notification.objects.filter(pk=notification_id).update(email_sent_at=timezone.now())
