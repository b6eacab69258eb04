"""The one receiver of workflow.transitioned: each arrival tells the people its model's NOTIFY
map names, once each. No service calls notify() for a state change."""

from __future__ import annotations

from django.db.models import Manager, Model, QuerySet
from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.permissions import people_who_can
from notifications.services import notify
from workflow.services import notices_for, state_label, transitioned

# A batch notice names this many records in its body; the rest are counted.
BATCH_NAMED = 20


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
def on_transitioned(sender, obj, to_state, actor=None, reason="", changes=None, **kwargs) -> None:
    """Tells each person once per notice of the map: about one record with its own title and
    reason, about many (a batch step) in one notice that names them."""
    changes = changes or [{"obj": obj, "actor": actor, "reason": reason}]
    # Who has heard of each change already: its actor, then whoever an earlier notice told.
    told = [{c["actor"].pk} if c.get("actor") is not None and c["actor"].is_authenticated else set() for c in changes]
    # Notices, like the audit log, are written in the programme's language.
    with translation.override("zh-hans"):
        state = state_label(sender, to_state)
        for notice in notices_for(sender, to_state):
            people: dict[int, object] = {}
            about: dict[int, list[int]] = {}
            for index, change in enumerate(changes):
                for path in notice.to:
                    for person in recipients_of(change["obj"], path):
                        if person.pk in told[index] or index in about.get(person.pk, ()):
                            continue
                        people[person.pk] = person
                        about.setdefault(person.pk, []).append(index)
            for index in range(len(changes)):
                told[index].update(pk for pk, indices in about.items() if index in indices)
            by_batch: dict[tuple[int, ...], list] = {}
            for pk, indices in about.items():
                by_batch.setdefault(tuple(indices), []).append(people[pk])
            for indices, recipients in by_batch.items():
                _send(notice, state, [changes[i] for i in indices], recipients)


def _send(notice, state: str, changes: list[dict], recipients: list) -> None:
    first = changes[0]
    context = {"obj": first["obj"], "state": state, "reason": first.get("reason", "")}
    title = str(notice.title).format(**context)
    if len(changes) == 1:
        obj = first["obj"]
        body = str(notice.body).format(**context) if notice.body else context["reason"]
        url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    else:
        title = _("%(title)s 等 %(count)d 项") % {"title": title, "count": len(changes)}
        names = "、".join(str(c["obj"]) for c in changes[:BATCH_NAMED])
        more = len(changes) - BATCH_NAMED
        body = names + (_("，另有 %(count)d 项") % {"count": more} if more > 0 else "")
        url = reverse("portal:workbench")
    notify(recipients=recipients, title=title, body=body, url=url)
