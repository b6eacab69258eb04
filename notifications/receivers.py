"""The one receiver of workflow.transitioned: each arrival tells the people its model's NOTIFY
map names, once each. No service calls notify() for a state change."""

from __future__ import annotations

from django.db.models import Manager, Model, QuerySet
from django.dispatch import receiver
from django.utils import translation

from accounts.permissions import people_who_can
from notifications.services import notify
from workflow.services import notices_for, state_label, transitioned


def recipients_of(obj: Model, path: str) -> list:
    """The people a NOTIFY entry names: "act:<act>" or an attribute path on the record."""
    if path.startswith("act:"):
        return people_who_can(path[4:], obj)
    value = obj
    for part in path.split("."):
        value = getattr(value, part, None)
        if callable(value) and not isinstance(value, Manager):
            value = value()
        if value is None:
            return []
    if isinstance(value, Manager):
        value = value.all()
    if isinstance(value, QuerySet | list | tuple | set):
        return [person for person in value if person is not None]
    return [value]


@receiver(transitioned, dispatch_uid="notifications.on_transitioned")
def on_transitioned(sender, obj, from_state, to_state, actor, reason="", **kwargs) -> None:
    told = {actor.pk} if actor is not None and actor.is_authenticated else set()
    url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    # Notices, like the audit log, are written in the programme's language.
    with translation.override("zh-hans"):
        state = state_label(sender, to_state)
        for notice in notices_for(sender, to_state):
            people = []
            for path in notice.to:
                people.extend(p for p in recipients_of(obj, path) if p.pk not in told)
            if not people:
                continue
            told.update(p.pk for p in people)
            context = {"obj": obj, "state": state, "reason": reason}
            notify(
                recipients=people,
                title=str(notice.title).format(**context),
                body=str(notice.body).format(**context) if notice.body else reason,
                url=url,
            )
