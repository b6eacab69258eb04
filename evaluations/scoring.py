"""Aggregation of expert scores: pure functions, no database (tested against hand-computed cases).

The rules (issue 5 §5):
- an expert's total is the weighted mean of the criteria they scored, "not applicable" excluded
  (the weights of the remaining criteria are renormalised);
- a panel's score is the mean of its experts' totals; with 5 or more totals the highest and the
  lowest are dropped first;
- TCM and Western panels are shown separately, and the overall score applies the same rule to
  every expert together;
- experts disagree when, on any criterion or on the total, the highest and lowest scores lie
  further apart than the evaluation's spread: the evaluation is flagged and the disagreement is
  shown criterion by criterion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

TRIM_FROM = 5  # with this many scores or more, drop the highest and the lowest


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    name: str
    weight: float
    max_score: float = 100.0


@dataclass(frozen=True)
class Sheet:
    """One expert's submitted scores: criterion id → value, None for "not applicable"."""

    expert: str
    field: str
    values: Mapping[int, float | None]


@dataclass
class CriterionResult:
    id: int
    name: str
    mean: float | None
    low: float | None
    high: float | None
    spread: float
    count: int
    disagreement: bool


@dataclass
class Aggregate:
    score: float | None
    by_field: dict[str, float | None]
    totals: dict[str, float | None]
    criteria: list[CriterionResult] = field(default_factory=list)
    total_spread: float = 0.0
    flagged: bool = False
    trimmed: bool = False

    @property
    def disagreements(self) -> list[CriterionResult]:
        return [c for c in self.criteria if c.disagreement]


def weighted_total(criteria: Sequence[CriterionSpec], values: Mapping[int, float | None]) -> float | None:
    """The weighted mean on a 0–100 scale of the criteria scored; None when nothing was scored.
    A criterion with another maximum is scaled to 100 first, so weights mean what they say."""
    num = den = 0.0
    for c in criteria:
        v = values.get(c.id)
        if v is None or c.weight <= 0:
            continue
        num += c.weight * (float(v) * 100.0 / c.max_score)
        den += c.weight
    return num / den if den else None


def trimmed_mean(values: Iterable[float]) -> float | None:
    """Mean; with TRIM_FROM values or more, one highest and one lowest are dropped first."""
    ordered = sorted(values)
    if not ordered:
        return None
    if len(ordered) >= TRIM_FROM:
        ordered = ordered[1:-1]
    return sum(ordered) / len(ordered)


def aggregate(criteria: Sequence[CriterionSpec], sheets: Sequence[Sheet], *, spread: float) -> Aggregate:
    totals = {s.expert: weighted_total(criteria, s.values) for s in sheets}
    scored = [t for t in totals.values() if t is not None]
    by_field: dict[str, float | None] = {}
    for field_name in sorted({s.field for s in sheets}):
        by_field[field_name] = trimmed_mean(
            t for s in sheets if s.field == field_name and (t := totals[s.expert]) is not None
        )
    results = []
    for c in criteria:
        values = [float(v) for s in sheets if (v := s.values.get(c.id)) is not None]
        low = min(values) if values else None
        high = max(values) if values else None
        gap = (high - low) if values else 0.0
        results.append(
            CriterionResult(
                id=c.id,
                name=c.name,
                mean=trimmed_mean(values),
                low=low,
                high=high,
                spread=gap,
                count=len(values),
                disagreement=gap > spread,
            )
        )
    total_spread = (max(scored) - min(scored)) if scored else 0.0
    return Aggregate(
        score=trimmed_mean(scored),
        by_field=by_field,
        totals=totals,
        criteria=results,
        total_spread=total_spread,
        flagged=total_spread > spread or any(r.disagreement for r in results),
        trimmed=len(scored) >= TRIM_FROM,
    )


def grade_for(score: float | None, levels: Sequence[tuple[str, float]]) -> str:
    """The first level (highest threshold first) the score reaches; "" when it reaches none."""
    if score is None:
        return ""
    for label, minimum in sorted(levels, key=lambda lv: -lv[1]):
        if round(score, 2) >= minimum:
            return label
    return ""
