"""Reads of the cases app that other apps use too: inheritance fidelity (the graduation page),
the master's published protocols (the master's profile), and the herb curator's queue."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Min, QuerySet
from django.utils.translation import gettext as _

from cases.models import Analysis, CaseRecord, PrescriptionItem, Protocol
from lib.mining import combination_coverage

# How many of the apprentice's latest cases the fidelity chart follows.
FIDELITY_CASES = 200


@dataclass
class CaseFidelity:
    case_id: int
    pseudonym: str
    date: datetime.date | None
    score: float  # 0..1: the mean over its prescriptions of the best coverage of a core combination
    combination: list[str]  # the master's combination it followed most closely


@dataclass
class Fidelity:
    analysis: Analysis | None  # whose core combinations: the master's latest analysis of all his cases
    combinations: list[list[str]]
    cases: list[CaseFidelity] = field(default_factory=list)
    mean: float | None = None
    slope: float | None = None  # change of the score per case, least squares
    trend: str = ""  # 上升 / 下降 / 平稳, or "" with fewer than three cases
    message: str = ""  # why there is nothing to show

    def chart(self) -> dict:
        """The ECharts line's data: case order, scores in %, and the moving average over 5 cases."""
        scores = [round(c.score * 100, 1) for c in self.cases]
        moving = []
        for i in range(len(scores)):
            window = scores[max(0, i - 4) : i + 1]
            moving.append(round(sum(window) / len(window), 1))
        labels = [
            (c.date.isoformat() if c.date else f"#{i}") + f" {c.pseudonym}" for i, c in enumerate(self.cases, start=1)
        ]
        return {"labels": labels, "scores": scores, "moving": moving}


def master_core_analysis(master_user) -> Analysis | None:
    """The master's latest saved analysis of all his cases (no disease, syndrome or date filter);
    else his latest analysis of any selection."""
    analyses = Analysis.objects.filter(subject=master_user).order_by("-created_at", "-pk")
    unfiltered = analyses.filter(disease="", syndrome="", date_from=None, date_to=None).first()
    return unfiltered or analyses.first()


def fidelity_for(*, master, apprentice) -> Fidelity:
    """An apprentice's cases written during an apprenticeship with `master` (masters.Master),
    each scored against the master's core combinations, oldest first, with the trend. The caller
    checks that the viewer may see the apprenticeship."""
    analysis = master_core_analysis(master.user)
    if analysis is None:
        return Fidelity(None, [], message=_("传承人尚无处方挖掘分析：请先分析传承人的病案，得到核心组合"))
    combinations = [c["herbs"] for c in analysis.results.get("combinations", []) if len(c["herbs"]) > 1]
    if not combinations:
        return Fidelity(analysis, [], message=_("传承人的分析中没有两味药以上的核心组合"))
    cases = (
        CaseRecord.objects.filter(owner=apprentice, apprenticeship__master=master)
        .annotate(first_date=Min("visits__date"))
        .order_by("-created_at", "-pk")[:FIDELITY_CASES]
    )
    cases = list(cases)
    if not cases:
        return Fidelity(analysis, combinations, message=_("师承人尚无跟师期间的病案"))
    herbs_of: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    rows = PrescriptionItem.objects.filter(prescription__visit__case__in=[c.pk for c in cases]).values_list(
        "prescription__visit__case_id", "prescription_id", "herb"
    )
    for case_id, prescription_id, herb in rows:
        herbs_of[case_id][prescription_id].add(herb)
    scored = []
    for case in cases:
        prescriptions = herbs_of.get(case.pk, {})
        if not prescriptions:
            continue
        results = [combination_coverage(herbs, combinations) for herbs in prescriptions.values()]
        score = sum(r[0] for r in results) / len(results)
        best = max(results, key=lambda r: r[0])[1]
        scored.append(
            CaseFidelity(case.pk, case.pseudonym, case.first_date, score, combinations[best] if best >= 0 else [])
        )
    scored.sort(key=lambda c: (c.date or datetime.date.max, c.case_id))
    result = Fidelity(analysis, combinations, scored)
    if scored:
        result.mean = sum(c.score for c in scored) / len(scored)
    if len(scored) >= 3:
        result.slope = _slope([c.score for c in scored])
        # A change of less than 0.5 percentage point per case is read as steady.
        result.trend = "上升" if result.slope > 0.005 else "下降" if result.slope < -0.005 else "平稳"
    return result


def _slope(values: list[float]) -> float:
    n = len(values)
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    num = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den if den else 0.0


def published_protocols(master) -> QuerySet:
    """The master's protocols that the public may read (masters.Master or a User)."""
    user_id = getattr(master, "user_id", None) or master.pk
    return (
        Protocol.objects.filter(owner_id=user_id, version__gt=0)
        .exclude(status=Protocol.Status.WITHDRAWN)
        .order_by("-published_at", "-pk")
    )


def herb_queue(cases: QuerySet) -> QuerySet:
    """Spellings no table or curator knows yet, within `cases`, most written first: each with
    how many items and cases carry it."""
    return (
        PrescriptionItem.objects.filter(known=False, prescription__visit__case__in=cases)
        .values("original_name")
        .annotate(items=Count("pk"), cases=Count("prescription__visit__case", distinct=True))
        .order_by("-items", "original_name")
    )
