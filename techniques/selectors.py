"""Reads of the technique database: filtering by every axis, facets, dashboard figures."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from lib.errors import ApplicationError
from lib.params import as_id
from techniques.models import Technique, Term, Vocabulary

SORTS = {
    "updated": ("-updated_at", _("最近更新")),
    "name": ("name", _("名称")),
    "submitted": ("-submitted_at", _("提交时间")),
    "grade": ("grade", _("等级")),
}


def filter_techniques(queryset: QuerySet, params) -> QuerySet:
    """Applies the list filters shared by the public catalogue, the staff database, the API and
    the export: q (full-text), region, category, inheritance, feature, disease, syndrome, grade,
    status, channel, sort."""
    from techniques.search import search

    code = (params.get("region") or "").strip()
    if code:
        area = Region.objects.filter(code=code[:12]).first()
        if area is None:
            raise ApplicationError(_("区划代码「%(code)s」不存在") % {"code": code[:20]}, field="region")
        queryset = queryset.filter(region__prefix__startswith=area.prefix)
    for key in ("category", "inheritance"):
        if as_id(params.get(key)) is not None:
            queryset = queryset.filter(**{f"{key}_id": as_id(params[key])})
    for key, relation in (("feature", "features"), ("disease", "diseases"), ("syndrome", "syndromes")):
        if as_id(params.get(key)) is not None:
            queryset = queryset.filter(**{relation: as_id(params[key])})
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


CITY_CODE = "140800"
# Codes are 6 digits for a county, 9 for a township, 12 for a village: a region's county and
# township are the first 6 and 9 digits of its code.
LEVEL_DIGITS = {Region.Level.COUNTY: 6, Region.Level.TOWNSHIP: 9, Region.Level.VILLAGE: 12}
# Village nodes are listed when the tree would stay this small, or below a selected county.
MAX_VILLAGE_NODES = 400


@dataclass
class RegionNode:
    code: str
    name: str
    level: str
    count: int = 0
    children: list[RegionNode] = field(default_factory=list)
    # Villages were left out to keep the page small: choose the township to see them.
    villages_hidden: bool = False
    open: bool = False


def region_tree(queryset: QuerySet, selected: str = "") -> list[RegionNode]:
    """County → township → village with the number of techniques of `queryset` in each, within
    its filters. Two queries whatever the size: the techniques grouped by their region's code,
    and the names of the regions that occur. A technique recorded at county or township level
    counts for that node and those above it."""
    return _build_region_tree(_region_counts(queryset), selected)


def _region_counts(queryset: QuerySet) -> dict[str, int]:
    grouped = queryset.order_by().values("region_id").annotate(n=Count("pk")).values_list("region_id", "n")
    return {code: n for code, n in grouped if code}


def _build_region_tree(counts: dict[str, int], selected: str) -> list[RegionNode]:
    codes: set[str] = set()
    for code in counts:
        codes.update(code[:digits] for digits in (6, 9, 12) if digits <= len(code))
    regions = {
        code: (name, level)
        for code, name, level in Region.objects.filter(code__in=sorted(codes)).values_list("code", "name", "level")
        if level in LEVEL_DIGITS
    }
    nodes: dict[str, RegionNode] = {}

    def node(code: str) -> RegionNode | None:
        if code not in regions:
            return None
        if code not in nodes:
            name, level = regions[code]
            nodes[code] = RegionNode(code=code, name=name, level=level)
            parent = node(code[: LEVEL_DIGITS[level] - 3]) if level != Region.Level.COUNTY else None
            if parent is not None:
                parent.children.append(nodes[code])
        return nodes[code]

    for code, n in counts.items():
        for digits in (6, 9, 12):
            if digits <= len(code) and (ancestor := node(code[:digits])) is not None:
                ancestor.count += n
    villages = sum(1 for n in nodes.values() if n.level == Region.Level.VILLAGE)
    show_villages = villages <= MAX_VILLAGE_NODES or len(selected) >= 6
    counties = sorted((n for n in nodes.values() if n.level == Region.Level.COUNTY), key=lambda n: n.code)
    for county in counties:
        county.open = bool(selected) and selected.startswith(county.code)
        county.children.sort(key=lambda n: n.code)
        for township in county.children:
            township.open = bool(selected) and selected.startswith(township.code)
            township.children.sort(key=lambda n: n.code)
            if not show_villages and township.children and not township.open:
                township.children, township.villages_hidden = [], True
    return counties


# Facet counts are kept this long at most; any change to a technique makes them stale at once
# (see _data_version), so the limit only bounds what a missed change could leave behind: a
# technique deleted by hand, or two concurrent writes where the one that commits later was
# stamped earlier (a view between the commits caches counts under the later stamp without it).
FACETS_TTL = 300


def facets(queryset: QuerySet, *, region: str = "") -> dict[str, list]:
    """Counts per value of each axis within the current result set; `region` is the selected
    region's code, whose branch of the tree opens.

    The counting is the page's dearest part at 100,000 techniques (six grouped scans, half a
    second on SQLite), and people page through one result set or come back to it: the counts
    are cached per result set — the SQL of `queryset`, which carries the person's scope and the
    filters — and per state of the data, so a declaration entered or moved by anyone is counted
    on the next view. Names are read fresh on every view, so a renamed term shows its new name."""
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # a search that can match nothing (only punctuation): nothing to count
        return _label_facets(_count_facets(queryset.none()), region)
    digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    key = f"technique-facets:{digest}:{_data_version()}"
    counts = cache.get(key)
    if counts is None:
        counts = _count_facets(queryset)
        cache.set(key, counts, FACETS_TTL)
    return _label_facets(counts, region)


def _data_version() -> str:
    """Changes whenever a technique is added or saved: every change the facets count (status,
    grade, category, region, indications) saves the technique, which moves `updated_at`, and a
    new one has the highest id. Techniques are never deleted (no service deletes one; FACETS_TTL
    bounds what a deletion by hand would leave). Two index look-ups, not a count, so it costs
    the same at any size on both engines."""
    table = connection.ops.quote_name(Technique._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT MAX(id) FROM {table}), (SELECT MAX(updated_at) FROM {table})")
        last_id, last_change = cursor.fetchone()
    return f"{last_id}-{last_change}"


def _count_facets(queryset: QuerySet) -> dict:
    """The counts alone, as plain data for the cache. Six queries whatever the size: the four
    single-valued axes grouped together (the `technique_facets` index covers them, so the scan
    never reads the long texts), the regions, one per many-valued axis."""
    base = queryset.order_by()
    return {
        "axes": _axis_counts(base),
        "top": {relation: _top_terms(base, relation) for relation in ("diseases", "syndromes", "features")},
        "regions": _region_counts(base),
    }


def _axis_counts(queryset: QuerySet) -> dict[str, dict]:
    """{axis: {value: techniques}} for category, inheritance, grade and status, from one query
    grouped by all four, which the `technique_facets` index answers without the table."""
    axes: dict[str, dict] = {"category": {}, "inheritance": {}, "grade": {}, "status": {}}
    grouped = queryset.order_by().values_list("category", "inheritance", "grade", "status").annotate(n=Count("pk"))
    for row in grouped.values_list("category", "inheritance", "grade", "status", "n"):
        for axis, value in zip(axes, row[:4], strict=True):
            axes[axis][value] = axes[axis].get(value, 0) + row[4]
    return axes


def _label_facets(counts: dict, region: str) -> dict[str, list]:
    axes, top = counts["axes"], counts["top"]
    wanted = {pk for pk in (*axes["category"], *axes["inheritance"]) if pk}
    wanted.update(pk for rows in top.values() for pk, _ in rows)
    names = dict(Term.objects.filter(pk__in=sorted(wanted)).values_list("pk", "name")) if wanted else {}
    tree = _build_region_tree(counts["regions"], region)

    def by_count(axis: str) -> list[dict]:
        ordered = sorted(((pk, n) for pk, n in axes[axis].items() if pk), key=lambda item: (-item[1], item[0]))
        return [{"value": pk, "label": names.get(pk, "—"), "count": n} for pk, n in ordered]

    def by_choice(axis: str, choices) -> list[dict]:
        return [{"value": v, "label": choices(v).label, "count": axes[axis][v]} for v in sorted(axes[axis])]

    return {
        "category": by_count("category"),
        "inheritance": by_count("inheritance"),
        "grade": by_choice("grade", Technique.Grade),
        "status": by_choice("status", Technique.Status),
        # The many-valued axes: the most frequent terms within the result set.
        **{
            axis: [{"value": pk, "label": names.get(pk, "—"), "count": n} for pk, n in top[relation]]
            for axis, relation in (("disease", "diseases"), ("syndrome", "syndromes"), ("feature", "features"))
        },
        "region_tree": tree,
        "county": [{"value": n.code, "label": n.name, "count": n.count} for n in tree],
    }


def _top_terms(queryset: QuerySet, relation: str, limit: int = 15) -> list[tuple[int, int]]:
    """(term id, techniques) of the most frequent terms of a many-valued axis. Counted on the link
    table with the result set as a semi-join: joining the techniques themselves reads each
    technique's row (long texts included) once per link, eight times slower at 100,000."""
    through = getattr(Technique, relation).through
    rows = (
        through.objects.filter(technique__in=queryset.values("pk"))
        .values("term_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "term_id")
        .values_list("term_id", "n")[:limit]
    )
    return [list(row) for row in rows]


def status_tree(queryset: QuerySet) -> dict:
    """The city → county → township tree of the dashboard (ECharts treemap): each node with its
    total and its counts by status. One grouped query by (township code, status) and one for the
    names, whatever the number of techniques; a technique recorded at county level counts for
    its county only."""
    labels = dict(Technique.Status.choices)
    grouped = (
        queryset.order_by()
        .annotate(area=Substr("region_id", 1, 9))
        .values("area", "status")
        .annotate(n=Count("pk"))
        .values_list("area", "status", "n")
    )
    counts: dict[str, dict[str, int]] = {}
    order = list(labels)
    # In the workflow's order, so every node lists its statuses alike.
    for area, status, n in sorted(grouped, key=lambda r: (r[0], order.index(r[1]) if r[1] in order else 99)):
        counts.setdefault(area, {})
        counts[area][status] = counts[area].get(status, 0) + n
    codes = {area[:6] for area in counts} | {area for area in counts if len(area) == 9}
    names = dict(
        Region.objects.filter(
            code__in=sorted(codes | {CITY_CODE}), level__in=["city", "county", "township"]
        ).values_list("code", "name")
    )

    def new(code: str) -> dict:
        return {"code": code, "name": names.get(code, code), "value": 0, "status": {}, "children": []}

    def add(node: dict, by_status: dict[str, int]) -> None:
        for status, n in by_status.items():
            label = str(labels.get(status, status))
            node["status"][label] = node["status"].get(label, 0) + n
            node["value"] += n

    city = new(CITY_CODE)
    counties: dict[str, dict] = {}
    for area, by_status in sorted(counts.items()):
        if area[:6] not in names:
            continue  # outside the city's regions
        county = counties.get(area[:6])
        if county is None:
            county = counties[area[:6]] = new(area[:6])
            city["children"].append(county)
        add(county, by_status)
        add(city, by_status)
        if len(area) == 9 and area in names:
            township = new(area)
            add(township, by_status)
            county["children"].append(township)
    return city


def dashboard_figures(queryset: QuerySet) -> dict:
    base = queryset.order_by()
    axes = _axis_counts(base)
    status_counts = axes["status"]
    total = sum(status_counts.values())
    in_database = status_counts.get("accepted", 0) + status_counts.get("published", 0)
    tree = status_tree(base)
    county_names = dict(Region.objects.filter(parent_id=CITY_CODE).values_list("code", "name"))
    by_county = {name: 0 for name in county_names.values()}
    for county in tree["children"]:
        by_county[county["name"]] = county["value"]
    terms = dict(
        Term.objects.filter(vocabulary__in=[Vocabulary.CATEGORY, Vocabulary.INHERITANCE]).values_list("pk", "name")
    )
    from techniques.milestones import progress

    return {
        "total": total,
        "in_database": in_database,
        "screened_percent": round(100 * in_database / total) if total else 0,
        "status": [{"label": Technique.Status(k).label, "value": v} for k, v in sorted(status_counts.items())],
        "county": [{"name": k, "value": v} for k, v in by_county.items()],
        "region_tree": tree,
        **{
            axis: [
                {"name": terms.get(pk, "—"), "value": n}
                for pk, n in sorted(axes[axis].items(), key=lambda item: -item[1])
                if pk
            ]
            for axis in ("category", "inheritance")
        },
        "milestones": progress(base),
    }
