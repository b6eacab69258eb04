"""Reads of the technique database: filtering by every axis, facets, dashboard figures."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from accounts.models import Region
from techniques.models import Technique, Term, Vocabulary

SORTS = {
    "updated": ("-updated_at", "最近更新"),
    "name": ("name", "名称"),
    "submitted": ("-submitted_at", "提交时间"),
    "grade": ("grade", "等级"),
}


def filter_techniques(queryset: QuerySet, params) -> QuerySet:
    """Applies the list filters shared by the public catalogue, the staff database, the API and
    the export: q (full-text), region, category, inheritance, feature, disease, syndrome, grade,
    status, channel, sort."""
    from techniques.search import search

    region = params.get("region")
    if region:
        area = Region.objects.filter(code=region).first()
        queryset = queryset.filter(region__prefix__startswith=area.prefix) if area else queryset.none()
    for key in ("category", "inheritance"):
        if params.get(key, "").isdigit():
            queryset = queryset.filter(**{f"{key}_id": int(params[key])})
    for key, relation in (("feature", "features"), ("disease", "diseases"), ("syndrome", "syndromes")):
        if params.get(key, "").isdigit():
            queryset = queryset.filter(**{relation: int(params[key])})
    if params.get("grade") in Technique.Grade.values:
        queryset = queryset.filter(grade=params["grade"])
    if params.get("status") in Technique.Status.values:
        queryset = queryset.filter(status=params["status"])
    if params.get("channel") in Technique.Channel.values:
        queryset = queryset.filter(channel=params["channel"])
    query = (params.get("q") or "").strip()
    if query:
        return search(queryset, query[:100])
    sort = SORTS.get(params.get("sort") or "updated", SORTS["updated"])[0]
    return queryset.order_by(sort, "-pk")


def facets(queryset: QuerySet) -> dict[str, list[dict]]:
    """Counts per value of each axis within the current result set (one grouped query each)."""
    base = queryset.order_by()
    terms = {t.pk: t.name for t in Term.objects.filter(vocabulary__in=[Vocabulary.CATEGORY, Vocabulary.INHERITANCE])}
    county_names = dict(Region.objects.filter(parent_id="140800").values_list("prefix", "name"))
    by_county: dict[str, int] = {}
    for prefix, n in _group_by_county(base):
        by_county[prefix] = by_county.get(prefix, 0) + n
    return {
        "category": [
            {"value": r["category"], "label": terms.get(r["category"], "—"), "count": r["n"]}
            for r in base.values("category").annotate(n=Count("pk")).order_by("-n")
            if r["category"]
        ],
        "inheritance": [
            {"value": r["inheritance"], "label": terms.get(r["inheritance"], "—"), "count": r["n"]}
            for r in base.values("inheritance").annotate(n=Count("pk")).order_by("-n")
            if r["inheritance"]
        ],
        "grade": [
            {"value": r["grade"], "label": Technique.Grade(r["grade"]).label, "count": r["n"]}
            for r in base.values("grade").annotate(n=Count("pk")).order_by("grade")
        ],
        "status": [
            {"value": r["status"], "label": Technique.Status(r["status"]).label, "count": r["n"]}
            for r in base.values("status").annotate(n=Count("pk")).order_by("status")
        ],
        # The many-valued axes: the most frequent terms within the result set.
        "disease": _top_terms(base, "diseases"),
        "syndrome": _top_terms(base, "syndromes"),
        "feature": _top_terms(base, "features"),
        "county": [
            {"value": prefix.ljust(6, "0"), "label": county_names.get(prefix, prefix), "count": n}
            for prefix, n in sorted(by_county.items())
        ],
    }


def _top_terms(queryset: QuerySet, relation: str, limit: int = 15) -> list[dict]:
    rows = (
        queryset.filter(**{f"{relation}__isnull": False})
        .values(relation, f"{relation}__name")
        .annotate(n=Count("pk"))
        .order_by("-n", f"{relation}__name")[:limit]
    )
    return [{"value": r[relation], "label": r[f"{relation}__name"], "count": r["n"]} for r in rows]


def _group_by_county(queryset: QuerySet):
    # The county is the first six digits of any region code at county level or below.
    from django.db.models.functions import Substr

    rows = queryset.annotate(county=Substr("region_id", 1, 6)).values("county").annotate(n=Count("pk"))
    return [(r["county"], r["n"]) for r in rows]


# The city's milestones (003 §二 总体目标).
MILESTONES = [
    ("2025-12-31", "基本摸清市域内传统中医药优势技术种类和分布情况，建立收集整理工作机制"),
    ("2026-12-31", "优势技术资源得到相对完整的收集整理和筛选"),
    ("2027-12-31", "形成一套相对成熟的中医药优势技术评价机制"),
    ("2028-12-31", "传承保护机制基本形成并在市域内实施"),
]


def dashboard_figures(queryset: QuerySet) -> dict:
    from datetime import date

    from django.utils import timezone

    base = queryset.order_by()
    status_counts = {r["status"]: r["n"] for r in base.values("status").annotate(n=Count("pk"))}
    total = sum(status_counts.values())
    in_database = status_counts.get("accepted", 0) + status_counts.get("published", 0)
    county_names = dict(Region.objects.filter(parent_id="140800").values_list("prefix", "name"))
    by_county = {name: 0 for name in county_names.values()}
    for prefix, n in _group_by_county(base):
        name = county_names.get(prefix)
        if name:
            by_county[name] += n
    f = facets(queryset)
    today = timezone.localdate()
    milestones = [{"date": d, "goal": goal, "passed": date.fromisoformat(d) < today} for d, goal in MILESTONES]
    return {
        "total": total,
        "in_database": in_database,
        "screened_percent": round(100 * in_database / total) if total else 0,
        "status": [{"label": Technique.Status(k).label, "value": v} for k, v in sorted(status_counts.items())],
        "county": [{"name": k, "value": v} for k, v in by_county.items()],
        "category": [{"name": r["label"], "value": r["count"]} for r in f["category"]],
        "inheritance": [{"name": r["label"], "value": r["count"]} for r in f["inheritance"]],
        "milestones": milestones,
    }
