"""Reads: the reviewer's queue filters and the master suggestions of matching (APP-4)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region
from apprenticeships.models import ApprenticeApplication, Apprenticeship, Match
from lib.errors import ApplicationError
from lib.params import as_id
from masters.models import Master, Tier

Status = ApprenticeApplication.Status

# The queue of each stage: (status, act, tab label). The first two are the acts of the table's
# moves out of that state; an approved application waits for a match to be proposed.
STAGES = [
    (
        Status.SUBMITTED,
        ApprenticeApplication.TRANSITIONS[Status.SUBMITTED][Status.VETTED],
        gettext_lazy("待初审（承办单位）"),
    ),
    (
        Status.VETTED,
        ApprenticeApplication.TRANSITIONS[Status.VETTED][Status.APPROVED],
        gettext_lazy("待审核确定（主办单位）"),
    ),
    (Status.APPROVED, "apprentice_match.propose", gettext_lazy("待匹配传承人")),
]


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def filter_applications(rows: QuerySet, params) -> QuerySet:
    """Filters of the reviewer's queue and the list: status, master, region, submitted dates, name."""
    status = params.get("status") or ""
    if status in Status.values:
        rows = rows.filter(status=status)
    master = as_id(params.get("master"))
    if master is not None:
        rows = rows.filter(intents__master_id=master)
    code = (params.get("region") or "").strip()
    if code:
        region = Region.objects.filter(code=code[:12]).only("prefix").first()
        if region is None:
            raise ApplicationError(_("区划代码「%(code)s」不存在") % {"code": code[:20]}, field="region")
        rows = rows.filter(region__prefix__startswith=region.prefix)
    since = _date(params.get("submitted_from"))
    if since:
        rows = rows.filter(submitted_at__date__gte=since)
    until = _date(params.get("submitted_to"))
    if until:
        rows = rows.filter(submitted_at__date__lte=until)
    q = (params.get("q") or "").strip()[:50]
    if q:
        rows = rows.filter(Q(name__contains=q) | Q(specialty__contains=q))
    return rows.distinct() if master is not None else rows


def with_capacity(masters: QuerySet) -> QuerySet:
    """Certified masters annotated with `remaining`: capacity minus active apprenticeships and
    accepted matches awaiting signature. Subqueries, so that a page of masters costs one query."""
    active = (
        Apprenticeship.objects.filter(master=OuterRef("pk"), status=Apprenticeship.Status.ACTIVE)
        .order_by()
        .values("master")
        .annotate(n=Count("pk"))
        .values("n")
    )
    pending = (
        Match.objects.filter(master=OuterRef("pk"), status=Match.Status.ACCEPTED)
        .order_by()
        .values("master")
        .annotate(n=Count("pk"))
        .values("n")
    )
    zero = Value(0, output_field=IntegerField())
    return masters.annotate(
        active_count=Coalesce(Subquery(active, output_field=IntegerField()), zero),
        pending_count=Coalesce(Subquery(pending, output_field=IntegerField()), zero),
    ).annotate(remaining=F("capacity") - F("active_count") - F("pending_count"))


@dataclass(frozen=True)
class Suggestion:
    master: Master
    score: int
    reasons: tuple[str, ...]


def eligible_tiers(application: ApprenticeApplication) -> list[str]:
    """The tiers of master this applicant qualifies for (APP-2, apprenticeships.rules)."""
    from apprenticeships.rules import decide, facts_for

    facts = facts_for(application)
    return [tier for tier in Tier.values if decide(facts, tier).passed]


def proposable_masters(application: ApprenticeApplication) -> QuerySet:
    """Every master the application may be proposed to now: certified, of a tier the applicant
    qualifies for, with room left, and not one who has already declined it."""
    declined = application.matches.filter(status=Match.Status.DECLINED).values_list("master_id", flat=True)
    return (
        with_capacity(Master.objects.filter(status=Master.Status.CERTIFIED, tier__in=eligible_tiers(application)))
        .filter(remaining__gt=0)
        .exclude(pk__in=list(declined))
    )


def search_proposable(application: ApprenticeApplication, query: str, *, limit: int = 20) -> list[Master]:
    """The organizing unit's own choice when no suggestion fits: any proposable master, found by
    name, pinyin or specialty."""
    from masters.selectors import search_masters

    query = (query or "").strip()[:50]
    if not query:
        return []
    rows = proposable_masters(application)
    found = search_masters(rows, {"q": query}) | rows.filter(specialty__contains=query)
    return list(found.select_related("organization", "region").order_by("name_pinyin", "pk")[:limit])


def match_suggestions(application: ApprenticeApplication, *, limit: int = 10) -> list[Suggestion]:
    """Masters for an application, best first: the applicant's intended masters in their order,
    then masters whose specialty shares a word of the applicant's specialty or intention, nearer
    ones first; only masters the applicant qualifies for and with room left (APP-2, APP-4,
    000 §四(三))."""
    intended = {i.master_id: i.position for i in application.intents.all()}
    words = _words(f"{application.specialty} {application.intention}")
    candidates = Q(pk__in=list(intended))
    for word in words[:8]:
        candidates |= Q(specialty__contains=word)
    rows = proposable_masters(application).filter(candidates).select_related("organization", "region")[:200]
    region = application.region.prefix
    suggestions = []
    for master in rows:
        score, reasons = 0, []
        if master.pk in intended:
            score += 100 - intended[master.pk]
            reasons.append(_("申请人第 %(n)s 意向") % {"n": intended[master.pk]})
        shared = [w for w in words if w in master.specialty]
        if shared:
            score += 10 * len(shared)
            reasons.append(_("专业相符：%(words)s") % {"words": "、".join(shared[:3])})
        if master.region.prefix[:6] == region[:6]:
            score += 5
            reasons.append(_("同一县（市、区）"))
        elif master.region.prefix[:4] == region[:4]:
            score += 3
            reasons.append(_("同一地市"))
        reasons.append(_("尚余名额 %(n)s") % {"n": master.remaining})
        suggestions.append(Suggestion(master, score, tuple(reasons)))
    suggestions.sort(key=lambda s: (-s.score, s.master.name_pinyin, s.master.pk))
    return suggestions[:limit]


def _words(text: str) -> list[str]:
    """Two-character and longer words of a specialty: 针灸治疗中风 → 针灸、治疗、中风."""
    import jieba

    seen: list[str] = []
    for word in jieba.lcut_for_search(text):
        word = word.strip()
        if len(word) >= 2 and word not in seen and word not in STOP_WORDS:
            seen.append(word)
    return seen


STOP_WORDS = frozenset({"治疗", "临床", "研究", "方向", "技术", "学习", "希望", "传承", "经验", "疾病", "应用"})
