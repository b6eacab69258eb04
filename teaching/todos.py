"""Workbench to-dos of teaching that are not a move waiting in a state (those come from the
transition tables through workflow.waiting_for: a plan to agree or submit, materials to submit,
an assessment to make). Each provider makes at most two bounded queries."""

from __future__ import annotations

from django.db.models import Count, Min, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.todos import Todo, provider

KIND = gettext_lazy("带教与结业")
LIMIT = 50


@provider
def hours_to_confirm(user) -> list[Todo]:
    """Hours are confirmed many at once: one line per apprentice, to the batch queue (Activity's
    moves are side moves, so waiting_for does not list each row)."""
    from teaching.selectors import hours_label, hours_waiting

    if not user.is_authenticated:
        return []
    waiting = list(
        hours_waiting(user)
        .values("apprenticeship_id", "apprenticeship__apprentice__full_name")
        .annotate(n=Count("pk"), hours=Sum("hours"), since=Min("created_at"))
        .order_by("since")[:LIMIT]
    )
    return [
        Todo(
            kind=str(KIND),
            title=_("确认带教课时：%(apprentice)s（%(n)s 条）")
            % {"apprentice": row["apprenticeship__apprentice__full_name"], "n": row["n"]},
            detail=_("共 %(hours)s 课时待确认") % {"hours": hours_label(row["hours"])},
            url=reverse("teaching:confirm-queue") + f"?apprenticeship={row['apprenticeship_id']}",
            since=row["since"],
        )
        for row in waiting
    ]


@provider
def plans_to_draft(user) -> list[Todo]:
    """The master's apprenticeships without a plan yet: a record to write, not a move (a drafted
    or returned plan waits for him through waiting_for)."""
    from apprenticeships.models import Apprenticeship

    if not user.is_authenticated:
        return []
    rows = (
        Apprenticeship.objects.filter(master__user_id=user.pk, status=Apprenticeship.Status.ACTIVE, plan__isnull=True)
        .select_related("apprentice")
        .order_by("starts_on")[:LIMIT]
    )
    return [
        Todo(
            kind=str(KIND),
            title=_("制定传承计划：%(apprentice)s") % {"apprentice": a.apprentice.display_name},
            detail=_("%(term)s，与主办单位共同确认后开始登记课时") % {"term": a.get_term_display()},
            url=reverse("teaching:plan", args=[a.pk]),
            since=a.created_at,
        )
        for a in rows
    ]


@provider
def certificates_to_issue(user) -> list[Todo]:
    """The host unit: certificates to issue. Issuing is the apprenticeship's move (active →
    graduated), due once its graduation has passed — a state of another table, so no one table's
    state says it waits."""
    from accounts.permissions import can, scope
    from apprenticeships.models import Apprenticeship
    from teaching.models import Graduation

    if not can(user, "apprenticeship.graduate"):
        return []
    ready = scope(
        user,
        "apprenticeship.graduate",
        Apprenticeship.objects.filter(status=Apprenticeship.Status.ACTIVE, graduation__status=Graduation.Status.PASSED),
    ).select_related("master", "apprentice", "graduation")
    return [
        Todo(
            kind=str(KIND),
            title=_("颁发师承证书：%(apprentice)s") % {"apprentice": a.apprentice.display_name},
            detail=_("传承人 %(master)s 考核通过，核对课时后颁发") % {"master": a.master.name},
            url=reverse("teaching:graduation", args=[a.pk]),
            since=a.graduation.assessed_at or a.graduation.updated_at,
        )
        for a in ready.order_by("graduation__assessed_at")[:LIMIT]
    ]
