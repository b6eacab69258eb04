"""The workbench's to-do list: each workflow registers a provider that says what waits for this
person. Providers must stay cheap — a bounded number of queries each, whatever the data size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
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


def todos_for(user) -> list[Todo]:
    items: list[Todo] = []
    for func in PROVIDERS:
        items.extend(func(user))
    return sorted(items, key=lambda t: t.since)


@provider
def pending_workstations(user) -> list[Todo]:
    from accounts.models import Organization
    from accounts.permissions import scope

    pending = scope(
        user,
        "workstation.approve",
        Organization.objects.filter(kind=Organization.Kind.WORKSTATION, status=Organization.Status.PENDING),
    ).select_related("region", "host")[:100]
    return [
        Todo(
            kind=_("工作站设立"),
            title=_("审批项目工作站设立：%(name)s") % {"name": o.name},
            detail=_("%(region)s · 主办单位 %(host)s")
            % {"region": o.region.name, "host": o.host.name if o.host else "—"},
            url=reverse("accounts:organization-detail", args=[o.pk]),
            since=o.created_at,
        )
        for o in pending
    ]
