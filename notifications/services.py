"""notify() — the one way a workflow tells people about a step.

Rows are written in the caller's transaction (so a rolled-back step announces nothing); the
emails go out from a background task after commit, so a slow mail server never holds a request.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from notifications.models import Notification


def notify(*, recipients: Iterable, title: str, body: str = "", url: str = "") -> list[Notification]:
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, title=title[:200], body=body, url=url[:500]))
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.pk is not None]
    if not ids:  # backends that do not return ids from bulk_create
        ids = list(
            Notification.objects.filter(recipient_id__in=seen, title=title[:200], emailed_at=None).values_list(
                "pk", flat=True
            )
        )

    def enqueue() -> None:
        from notifications.tasks import send_notification_emails

        send_notification_emails.enqueue(ids)

    transaction.on_commit(enqueue)
    return created


def notification_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
