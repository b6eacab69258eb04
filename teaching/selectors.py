"""Reads for teaching: progress against the quotas, and what still stands between an apprentice
and the certificate. Progress is one aggregate query whatever the number of activity rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apprenticeships.models import Apprenticeship
from teaching import quotas
from teaching.models import Activity, Graduation
from teaching.quotas import Category

ZERO = Decimal(0)


def hours_label(value: Decimal) -> str:
    """12.0 → "12", 1.5 → "1.5"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass
class CategoryProgress:
    category: str
    label: str
    quota: Decimal
    confirmed: Decimal = ZERO
    pending: Decimal = ZERO

    @property
    def missing(self) -> Decimal:
        return max(self.quota - self.confirmed, ZERO)

    @property
    def percent(self) -> int:
        return min(100, int(self.confirmed * 100 / self.quota)) if self.quota else 100

    @property
    def pending_percent(self) -> int:
        return max(0, min(100 - self.percent, int(self.pending * 100 / self.quota))) if self.quota else 0

    @property
    def met(self) -> bool:
        return self.confirmed >= self.quota


@dataclass
class Progress:
    term: str
    categories: list[CategoryProgress] = field(default_factory=list)

    @property
    def total_quota(self) -> Decimal:
        return quotas.total(self.term)

    @property
    def total_confirmed(self) -> Decimal:
        return sum((c.confirmed for c in self.categories), ZERO)

    @property
    def total_pending(self) -> Decimal:
        return sum((c.pending for c in self.categories), ZERO)

    @property
    def percent(self) -> int:
        # Hours beyond one category's quota do not make up for another's shortfall.
        counted = sum((min(c.confirmed, c.quota) for c in self.categories), ZERO)
        return min(100, int(counted * 100 / self.total_quota))

    @property
    def complete(self) -> bool:
        return all(c.met for c in self.categories)

    def shortfalls(self) -> list[str]:
        return [
            _("%(category)s还差 %(hours)s 课时") % {"category": c.label, "hours": hours_label(c.missing)}
            for c in self.categories
            if not c.met
        ]

    def as_dict(self) -> dict:
        return {
            "term": self.term,
            "clause": quotas.CLAUSE,
            "total_quota": self.total_quota,
            "total_confirmed": self.total_confirmed,
            "total_pending": self.total_pending,
            "percent": self.percent,
            "complete": self.complete,
            "categories": [
                {
                    "category": c.category,
                    "label": c.label,
                    "quota": c.quota,
                    "confirmed": c.confirmed,
                    "pending": c.pending,
                    "missing": c.missing,
                    "percent": c.percent,
                }
                for c in self.categories
            ],
        }


def _empty(term: str) -> Progress:
    return Progress(
        term=term,
        categories=[CategoryProgress(c.value, str(c.label), quotas.quota(term, c.value)) for c in Category],
    )


def _aggregate(activities):
    return (
        activities.filter(status__in=[Activity.Status.CONFIRMED, Activity.Status.PENDING])
        .values("apprenticeship_id", "category")
        .annotate(
            confirmed=Sum("hours", filter=Q(status=Activity.Status.CONFIRMED)),
            pending=Sum("hours", filter=Q(status=Activity.Status.PENDING)),
        )
        .order_by()
    )


def _fill(progress: Progress, row: dict) -> None:
    for c in progress.categories:
        if c.category == row["category"]:
            c.confirmed = row["confirmed"] or ZERO
            c.pending = row["pending"] or ZERO


def progress_for(apprenticeship: Apprenticeship) -> Progress:
    """Confirmed (and pending) hours per category against the term's quotas: one query."""
    progress = _empty(apprenticeship.term)
    for row in _aggregate(Activity.objects.filter(apprenticeship_id=apprenticeship.pk)):
        _fill(progress, row)
    return progress


def progress_for_many(apprenticeships: Iterable[Apprenticeship]) -> dict[int, Progress]:
    """Progress of a page of apprenticeships: one query for the whole page."""
    result = {a.pk: _empty(a.term) for a in apprenticeships}
    if result:
        for row in _aggregate(Activity.objects.filter(apprenticeship_id__in=list(result))):
            _fill(result[row["apprenticeship_id"]], row)
    return result


def hours_waiting(user) -> QuerySet:
    """The activities waiting for this master's confirmation, across his active apprenticeships:
    his queue page and his workbench line per apprentice."""
    return Activity.objects.filter(
        status__in=Activity.states_of("teaching.activity_decide"),
        apprenticeship__master__user_id=user.pk,
        apprenticeship__status=Apprenticeship.Status.ACTIVE,
    )


GRADUATION_BLOCKERS = {
    None: gettext_lazy("结业材料尚未提交"),
    Graduation.Status.DRAFT: gettext_lazy("结业材料尚未提交"),
    Graduation.Status.SUBMITTED: gettext_lazy("结业考核尚未完成"),
    Graduation.Status.FAILED: gettext_lazy("结业考核未通过"),
}

# What the progress page says of an apprenticeship that has ended, instead of what is missing.
ENDINGS = {
    Apprenticeship.Status.GRADUATED: gettext_lazy("已结业，师承证书已颁发。"),
    Apprenticeship.Status.TERMINATED: gettext_lazy("师承关系已终止，不能再颁发师承证书。"),
}


def ending(apprenticeship: Apprenticeship) -> str:
    return str(ENDINGS.get(apprenticeship.status, ""))


def graduation_blockers(apprenticeship: Apprenticeship, progress: Progress | None = None) -> list[str]:
    """Exactly what is missing before the host unit may issue the certificate, in words, e.g.
    ["理论课程还差 12 课时", "撰写学习体会还差 6 课时", "结业考核未通过"]; empty when nothing is."""
    if apprenticeship.status != Apprenticeship.Status.ACTIVE:
        return [_("师承关系%(status)s") % {"status": apprenticeship.get_status_display()}]
    return readiness_blockers(apprenticeship, progress)


def readiness_blockers(apprenticeship: Apprenticeship, progress: Progress | None = None) -> list[str]:
    """The quotas and the assessment, whatever the apprenticeship's state."""
    progress = progress or progress_for(apprenticeship)
    blockers = progress.shortfalls()
    status = Graduation.objects.filter(apprenticeship_id=apprenticeship.pk).values_list("status", flat=True).first()
    if status != Graduation.Status.PASSED:
        blockers.append(str(GRADUATION_BLOCKERS[status]))
    return blockers
