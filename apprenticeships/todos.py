"""Workbench to-dos of the apprentice application: vet, approve, propose, accept or decline, sign,
and fix a returned application. Each provider costs a bounded number of queries."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.todos import Todo, provider

LIMIT = 50


@provider
def application_reviews(user) -> list[Todo]:
    from accounts.permissions import can, scope
    from apprenticeships.models import ApprenticeApplication, Match
    from apprenticeships.selectors import STAGES

    labels = {
        ApprenticeApplication.Status.SUBMITTED: _("初审师承申请"),
        ApprenticeApplication.Status.VETTED: _("审核确定师承人"),
        ApprenticeApplication.Status.APPROVED: _("为师承人推荐传承人"),
    }
    items: list[Todo] = []
    for status, act, _label in STAGES:
        if not can(user, act):
            continue
        rows = scope(user, act, ApprenticeApplication.objects.filter(status=status))
        if status == ApprenticeApplication.Status.APPROVED:
            live = Match.objects.filter(application=OuterRef("pk"), status__in=["proposed", "accepted", "signed"])
            rows = rows.exclude(Exists(live))
        for a in rows.select_related("organization").order_by("submitted_at", "pk")[:LIMIT]:
            items.append(
                Todo(
                    kind=_("师承申请"),
                    title=f"{labels[status]}：{a.name}",
                    detail=f"{a.organization.name} · {a.specialty}",
                    url=reverse("apprenticeships:application-detail", args=[a.pk]),
                    since=a.submitted_at or a.created_at,
                )
            )
    return items


@provider
def own_applications(user) -> list[Todo]:
    from apprenticeships.models import ApprenticeApplication

    if not user.is_authenticated:
        return []
    returned = ApprenticeApplication.objects.filter(applicant=user, status=ApprenticeApplication.Status.RETURNED)
    return [
        Todo(
            kind=_("师承申请"),
            title=_("修改后重新提交师承申请"),
            detail=_("申请已退回，请查看审核意见"),
            url=reverse("apprenticeships:application-detail", args=[a.pk]),
            since=a.updated_at,
        )
        for a in returned.order_by("updated_at")[:LIMIT]
    ]


@provider
def matches_to_act_on(user) -> list[Todo]:
    """The master's proposals to accept or decline; either party's contract to sign."""
    from apprenticeships.models import ContractSignature, Match

    if not user.is_authenticated:
        return []
    items: list[Todo] = []
    proposed = Match.objects.filter(master__user=user, status=Match.Status.PROPOSED).select_related("application")
    for m in proposed.order_by("proposed_at")[:LIMIT]:
        items.append(
            Todo(
                kind=_("师徒匹配"),
                title=_("接受或谢绝师承人：%(name)s") % {"name": m.application.name},
                detail=m.application.specialty,
                url=reverse("apprenticeships:match-detail", args=[m.pk]),
                since=m.proposed_at,
            )
        )
    mine = Match.objects.filter(Q(master__user=user) | Q(application__applicant=user), status=Match.Status.ACCEPTED)
    signed = ContractSignature.objects.filter(match=OuterRef("pk"), signer=user)
    for m in mine.exclude(Exists(signed)).select_related("application", "master").order_by("decided_at")[:LIMIT]:
        items.append(
            Todo(
                kind=_("师徒匹配"),
                title=_("签署师承关系合同书：%(master)s — %(apprentice)s")
                % {"master": m.master.name, "apprentice": m.application.name},
                detail=m.contract_number,
                url=reverse("apprenticeships:match-detail", args=[m.pk]),
                since=m.decided_at or m.proposed_at,
            )
        )
    return items
