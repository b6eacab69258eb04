"""The workbench's to-do list. What waits for a person in a workflow comes from the transition
tables (workflow.waiting_for); a provider registered here adds only what is not a move waiting in
a state (e.g. hours to confirm in bulk). Providers must stay cheap — a bounded number of queries
each, whatever the data size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Todo:
    kind: str
    title: str
    detail: str
    url: str
    since: datetime


PROVIDERS: list[Callable[[object], list[Todo]]] = []


def provider(func: Callable[[object], list[Todo]]) -> Callable[[object], list[Todo]]:
    PROVIDERS.append(func)
    return func


def _moment(value) -> datetime:
    # Models date their to-dos by a date or a datetime (or not yet): one order for all.
    if value is None:
        return datetime.min.replace(tzinfo=UTC)
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def todos_for(user) -> list[Todo]:
    from workflow.services import waiting_for

    items: list[Todo] = [
        Todo(
            kind=w.kind,
            title=w.title,
            detail=_("当前状态：%(state)s") % {"state": w.state},
            url=w.url,
            since=w.since,
        )
        for w in waiting_for(user)
    ]
    for func in PROVIDERS:
        items.extend(func(user))
    return sorted(items, key=lambda t: _moment(t.since))
