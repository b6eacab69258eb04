"""Workbench to-dos of the apprenticeship programme that are not a move waiting in a state.

Vetting, the host unit's decision, a returned application and a master's decision on a proposal
come from the transition tables (workflow.waiting_for). These remain here:
- proposing a master for an approved application creates a match; the application itself makes no
  move until the contract is signed;
- after a decline, the applicant's choice between waiting and naming other masters (the
  application stays approved);
- a special-expertise exemption asked for, which is decided beside the application, not a move;
- each party's own signature on the contract: the match moves only with the second one, so the
  to-do ends for a party when that party has signed, not when the match moves.
Each provider costs a bounded number of queries."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from portal.todos import Todo, provider

LIMIT = 50


@provider
def applications_to_match(user) -> list[Todo]:
    """Approved applications with no live match, for those who propose masters."""
    from accounts.permissions import can, scope
    from apprenticeships.models import ApprenticeApplication, Match
    from apprenticeships.services import LIVE_MATCH

    if not can(user, "apprentice_match.propose") or user.is_superuser:
        return []
    approved = ApprenticeApplication.objects.filter(status=ApprenticeApplication.Status.APPROVED)
    live = Match.objects.filter(application=OuterRef("pk"), status__in=LIVE_MATCH)
    rows = scope(user, "apprentice_match.propose", approved).exclude(Exists(live)).select_related("organization")
    return [
        Todo(
            kind=str(ApprenticeApplication._meta.verbose_name),
            title=_("为师承人推荐传承人：%(name)s") % {"name": a.name},
            detail=f"{a.organization.name} · {a.specialty}",
            url=a.get_absolute_url(),
            since=a.submitted_at or a.created_at,
        )
        for a in rows.order_by("submitted_at", "pk")[:LIMIT]
    ]


@provider
def declined_applications(user) -> list[Todo]:
    """The applicant's approved application whose master declined, until another is proposed."""
    from apprenticeships.models import ApprenticeApplication, Match
    from apprenticeships.services import LIVE_MATCH

    if not user.is_authenticated:
        return []
    live = Match.objects.filter(application=OuterRef("pk"), status__in=LIVE_MATCH)
    declined = Match.objects.filter(application=OuterRef("pk"), status=Match.Status.DECLINED)
    rows = (
        ApprenticeApplication.objects.filter(applicant=user, status=ApprenticeApplication.Status.APPROVED)
        .filter(Exists(declined))
        .exclude(Exists(live))
    )
    return [
        Todo(
            kind=str(ApprenticeApplication._meta.verbose_name),
            title=_("传承人已谢绝：可更改意向传承人，或等待承办单位推荐"),
            detail=a.name,
            url=a.get_absolute_url() + "#change-intention",
            since=a.updated_at,
        )
        for a in rows.order_by("pk")[:LIMIT]
    ]


@provider
def exemptions_to_decide(user) -> list[Todo]:
    """Special-expertise exemptions asked for and not yet decided (000 §五(二)), for the reviewers
    who decide them; decided before submission, so they wait in a draft as well."""
    from accounts.permissions import can, scope
    from apprenticeships.models import ApplicationExemption, ApprenticeApplication
    from apprenticeships.permissions import EDITABLE

    if not can(user, "apprentice_application.exempt") or user.is_superuser:
        return []
    Status = ApprenticeApplication.Status
    asked = ApprenticeApplication.objects.filter(exemption_requested=True, status__in=(*EDITABLE, Status.SUBMITTED))
    decided = ApplicationExemption.objects.filter(application=OuterRef("pk"))
    rows = scope(user, "apprentice_application.exempt", asked).exclude(Exists(decided)).select_related("organization")
    return [
        Todo(
            kind=str(ApprenticeApplication._meta.verbose_name),
            title=_("决定特殊专长豁免：%(name)s") % {"name": a.name},
            detail=f"{a.organization.name} · {a.exemption_claim[:60]}",
            url=a.get_absolute_url() + "#exemption",
            since=a.updated_at,
        )
        for a in rows.order_by("updated_at", "pk")[:LIMIT]
    ]


@provider
def contracts_to_sign(user) -> list[Todo]:
    """Either party's contract, until that party has signed it."""
    from apprenticeships.models import ContractSignature, Match

    if not user.is_authenticated:
        return []
    mine = Match.objects.filter(Q(master__user=user) | Q(application__applicant=user), status=Match.Status.ACCEPTED)
    signed = ContractSignature.objects.filter(match=OuterRef("pk"), signer=user)
    return [
        Todo(
            kind=str(Match._meta.verbose_name),
            title=_("签署师承关系合同书：%(master)s — %(apprentice)s")
            % {"master": m.master.name, "apprentice": m.application.name},
            detail=m.contract_number,
            url=m.get_absolute_url(),
            since=m.decided_at or m.proposed_at,
        )
        for m in mine.exclude(Exists(signed)).select_related("application", "master").order_by("decided_at")[:LIMIT]
    ]
