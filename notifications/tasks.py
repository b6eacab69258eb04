from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

from lib.urls import absolute
from notifications.models import Notification

logger = logging.getLogger(__name__)


@task()
def send_notification_emails(ids: list[int]) -> int:
    """Email each notification to its recipient once; a recipient without an address is skipped."""
    sent = 0
    pending = Notification.objects.filter(pk__in=ids, emailed_at=None).select_related("recipient")
    for n in pending:
        address = n.recipient.email
        if not address:
            continue
        link = absolute(n.url) if n.url else ""
        try:
            send_mail(
                subject=f"【传承平台】{n.title}",
                message="\n\n".join(part for part in (n.body, link) if part),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[address],
            )
        except OSError:
            # The notice stays in the workbench; the mail is retried by the next run of the task.
            logger.warning("notification %s: mail to recipient %s failed", n.pk, n.recipient_id)
            continue
        Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
