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


@provider
def technique_declarations(user) -> list[Todo]:
    """Declarations waiting for this person: to receive (township/county), verify (county),
    accept (city), or to fix and resubmit (the declarant)."""
    from accounts.permissions import can, scope
    from techniques.models import Technique

    Status = Technique.Status
    steps = [
        (Status.SUBMITTED, "technique.receive", _("受理申报")),
        (Status.RECEIVED, "technique.verify", _("核实申报")),
        (Status.VERIFIED, "technique.accept", _("审定入库")),
    ]
    items: list[Todo] = []
    for status, act, label in steps:
        if not can(user, act):
            continue
        waiting = scope(user, act, Technique.objects.filter(status=status)).select_related("region")
        for t in waiting.order_by("submitted_at")[:50]:
            items.append(
                Todo(
                    kind=_("优势技术"),
                    title=f"{label}：{t.name}",
                    detail=f"{t.region.name} · {t.code or ''}",
                    url=reverse("techniques:manage-detail", args=[t.pk]),
                    since=t.submitted_at or t.created_at,
                )
            )
    returned = Technique.objects.filter(status=Status.RETURNED, entered_by=user)[:50]
    for t in returned:
        items.append(
            Todo(
                kind=_("优势技术"),
                title=_("修改后重新提交：%(name)s") % {"name": t.name},
                detail=_("申报已退回，请查看意见"),
                url=reverse("techniques:manage-detail", args=[t.pk]),
                since=t.updated_at,
            )
        )
    return items
