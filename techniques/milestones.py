"""The city's yearly milestones (003 §二 总体目标) and how far the collection has come towards each.

003 §二 sets each year's goal in words and gives no figures. The figures below (300, 200, 100, 50)
are our placeholders until the city health commission sets its own working targets: each is kept
as data beside the clause it serves, so the city's figure is a one-line change.
Each milestone is measured on the techniques a person may see, by one reading of the database:
collected (declared, whatever became of it, a merged duplicate once), screened (accepted into the database), evaluated (a
value evaluation finalized), protected (a protection record: an ICH listing, a patent or a trade
secret).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from techniques.models import PROTECTION_OF_RECORD, Technique

CLAUSE = _("运城市国家中医药传承创新发展试验区建设方案 二、总体目标")


@dataclass(frozen=True)
class Milestone:
    due: date
    goal: str  # the clause's words
    measure: str  # a key of MEASURES
    target: int  # techniques, city-wide


MILESTONES = [
    Milestone(
        date(2025, 12, 31),
        _("基本摸清市域内传统中医药优势技术种类和分布情况，并建立较完善的收集整理工作机制"),
        "collected",
        300,
    ),
    Milestone(date(2026, 12, 31), _("市域内传统中医药优势技术资源得到相对完整的收集整理和筛选"), "screened", 200),
    Milestone(date(2027, 12, 31), _("形成一套相对成熟的中医药优势技术评价机制"), "evaluated", 100),
    Milestone(date(2028, 12, 31), _("适用于不同优势技术的传承保护机制基本形成，并在市域内得到实施"), "protected", 50),
]

MEASURES = {
    "collected": _("已申报"),
    "screened": _("已筛选入库"),
    "evaluated": _("已完成价值评估"),
    "protected": _("已采取保护措施"),
}


def measure(queryset: QuerySet, what: str) -> int:
    """How many techniques of `queryset` count towards a milestone's measure."""
    base = queryset.order_by()
    if what == "collected":
        # A declaration merged into another is the same technique, counted once (issue 12 §10).
        return base.exclude(status__in=[Technique.Status.DRAFT, Technique.Status.MERGED]).count()
    if what == "screened":
        return base.filter(status__in=[Technique.Status.ACCEPTED, Technique.Status.PUBLISHED]).count()
    if what == "evaluated":
        return base.filter(pk__in=_technique_ids_with(base, "evaluations__status", "finalized")).count()
    if what == "protected":
        return base.filter(
            pk__in=_technique_ids_with(base, "protections__kind__in", list(PROTECTION_OF_RECORD))
        ).count()
    raise ValueError(what)


def _technique_ids_with(base: QuerySet, lookup: str, value) -> QuerySet:
    # A semi-join: a technique with two finalized evaluations or two records counts once.
    return base.filter(**{lookup: value}).values("pk")


def progress(queryset: QuerySet, *, today: date | None = None) -> list[dict]:
    """Each milestone with its measured count, the target and the state: reached, due (the date
    has passed without reaching it) or under way."""
    today = today or timezone.localdate()
    rows = []
    for milestone in MILESTONES:
        count = measure(queryset, milestone.measure)
        reached = count >= milestone.target
        rows.append(
            {
                "date": milestone.due.isoformat(),
                "goal": str(milestone.goal),
                "clause": str(CLAUSE),
                "measure": str(MEASURES[milestone.measure]),
                "count": count,
                "target": milestone.target,
                "percent": min(100, round(100 * count / milestone.target)) if milestone.target else 100,
                "passed": milestone.due < today,
                "state": "reached" if reached else ("overdue" if milestone.due < today else "under_way"),
            }
        )
    return rows
