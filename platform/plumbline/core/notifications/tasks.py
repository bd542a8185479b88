"""A notice's email, sent after the transaction that made the notice commits."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import OperationalError
from django.utils import translation
from django.utils.translation import gettext

from . import actions
from .models import Notification


@shared_task(
    name="notifications.send_email",
    acks_late=True,
    autoretry_for=(OSError, OperationalError),  # smtplib's errors are OSErrors
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def send_notification_email(notification_id: int) -> None:
    notice = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notice is None or notice.email_sent_at is not None or not notice.recipient.email:
        return
    with translation.override(settings.LANGUAGE_CODE):  # the language the notice was written in
        lines = [notice.body] if notice.body else []
        if notice.link:
            lines.append(gettext("Open it in Plumbline: %(url)s") % {"url": settings.SITE_URL + notice.link})
        lines.append(gettext("You get this email because you have an account on Plumbline."))
        send_mail(notice.title, "\n\n".join(lines), None, [notice.recipient.email])
    actions.record_email_sent(notice.pk)
