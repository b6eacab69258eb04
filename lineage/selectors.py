"""Reads of the lineage graph (LIN-2): ancestors and descendants with their generations, the path
between two people, and the research gaps.

The walks are recursive SQL (WITH RECURSIVE, the same text on SQLite and PostgreSQL) over the
indexed link rows: one query however deep the line, and the database never sends rows it does
not need. UNION (not UNION ALL) and a depth bound make a walk end even if bad data held a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q

from lineage.models import Citation, Link, Person

VERIFIED = (Link.Status.VERIFIED,)
# Links that stand as claims: everything but a returned one. A new link may not close a cycle
# with any of them, verified or not yet.
STANDING = (Link.Status.DRAFT, Link.Status.SUBMITTED, Link.Status.VERIFIED)
MAX_DEPTH = 60
# People in the order of their lives; those without a known birth last, on SQLite as on PostgreSQL.
PEOPLE_ORDER = (F("birth_earliest").asc(nulls_last=True), "name", "pk")


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _walk(person_id: int, *, up: bool, depth: int, statuses=VERIFIED) -> dict[int, int]:
    """{person id: generations away} of the person's ancestors (up) or descendants (down)."""
    table = Link._meta.db_table
    near, far = ("disciple_id", "teacher_id") if up else ("teacher_id", "disciple_id")
    marks = _placeholders(statuses)
    sql = f"""
        WITH RECURSIVE walk(person_id, depth) AS (
            SELECT {far}, 1 FROM {table} WHERE {near} = %s AND status IN ({marks})
            UNION
            SELECT l.{far}, walk.depth + 1 FROM {table} l JOIN walk ON l.{near} = walk.person_id
            WHERE l.status IN ({marks}) AND walk.depth < %s
        )
        SELECT person_id, MIN(depth) FROM walk GROUP BY person_id
    """  # noqa: S608 — only column and table names from the model are formatted in
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id, *statuses, *statuses, depth])
        return {pid: d for pid, d in cursor.fetchall() if pid != person_id}


def ancestors(person_id: int, *, depth: int = MAX_DEPTH, statuses=VERIFIED) -> dict[int, int]:
    return _walk(person_id, up=True, depth=depth, statuses=statuses)


def descendants(person_id: int, *, depth: int = MAX_DEPTH, statuses=VERIFIED) -> dict[int, int]:
    return _walk(person_id, up=False, depth=depth, statuses=statuses)


def is_ancestor(candidate_id: int, person_id: int, *, statuses=VERIFIED) -> bool:
    return candidate_id in ancestors(person_id, statuses=statuses)


def generation(person_id: int) -> int:
    """第 N 代: the founder of the longest verified line above the person is the first generation."""
    table = Link._meta.db_table
    sql = f"""
        WITH RECURSIVE walk(person_id, depth) AS (
            SELECT teacher_id, 1 FROM {table} WHERE disciple_id = %s AND status = %s
            UNION
            SELECT l.teacher_id, walk.depth + 1 FROM {table} l JOIN walk ON l.disciple_id = walk.person_id
            WHERE l.status = %s AND walk.depth < %s
        )
        SELECT MAX(depth) FROM walk
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id, Link.Status.VERIFIED, Link.Status.VERIFIED, MAX_DEPTH])
        (deepest,) = cursor.fetchone()
    return (deepest or 0) + 1


def is_public(person: Person) -> bool:
    """A person is public through a verified link."""
    return public_people().filter(pk=person.pk).exists()


def public_people():
    verified = Link.objects.filter(status=Link.Status.VERIFIED)
    return Person.objects.filter(
        Exists(verified.filter(teacher=OuterRef("pk"))) | Exists(verified.filter(disciple=OuterRef("pk")))
    )


def search_people(queryset, q: str):
    q = (q or "").strip()
    if not q:
        return queryset
    return queryset.filter(Q(name__icontains=q) | Q(courtesy_name__icontains=q) | Q(art_name__icontains=q))


@dataclass
class Generations:
    """People up or down from one person, by generation: [(n, [person, …]), …]."""

    rows: list[tuple[int, list[Person]]]


def generations(person: Person, *, up: bool, depth: int = 3) -> list[tuple[int, list[Person]]]:
    """Two queries whatever the size of the line: the walk, then the people it reached."""
    found = (ancestors if up else descendants)(person.pk, depth=depth)
    people = Person.objects.select_related("master").in_bulk(list(found))
    by_depth: dict[int, list[Person]] = {}
    for pid, d in found.items():
        by_depth.setdefault(d, []).append(people[pid])
    return [(d, sorted(by_depth[d], key=lambda p: (p.birth_earliest or 9999, p.name))) for d in sorted(by_depth)]


def verified_links(person: Person, *, as_teacher: bool):
    """The person's verified disciples (as_teacher) or teachers, with their citations' sources."""
    other = "disciple" if as_teacher else "teacher"
    me = "teacher" if as_teacher else "disciple"
    return (
        Link.objects.filter(status=Link.Status.VERIFIED, **{me: person})
        .select_related(f"{other}__master")
        .prefetch_related("citations__source", "techniques")
        .order_by(f"{other}__birth_earliest", f"{other}__name", "pk")
    )


# --- the path between two people -----------------------------------------------------------------
# Recursive SQL fetches the verified links of A's connected component (one query), and networkx
# finds the shortest path in memory: a shortest path in SQL alone would have to carry every
# partial path as text through the recursion (quadratic in a branching lineage, and written
# differently for SQLite's and PostgreSQL's string functions), while the component's edges are a
# few integers per link, and networkx gives "all shortest paths" for free when that is asked.


def _component_edges(person_id: int) -> list[tuple[int, int, int]]:
    # The first term reads the id from its column, not a bare parameter: PostgreSQL types a
    # recursive query's columns from that term, and a literal is an integer where ids are bigint.
    table, people = Link._meta.db_table, Person._meta.db_table
    sql = f"""
        WITH RECURSIVE component(person_id) AS (
            SELECT id FROM {people} WHERE id = %s
            UNION
            SELECT CASE WHEN l.teacher_id = component.person_id THEN l.disciple_id ELSE l.teacher_id END
            FROM {table} l JOIN component
              ON l.teacher_id = component.person_id OR l.disciple_id = component.person_id
            WHERE l.status = %s
        )
        SELECT id, teacher_id, disciple_id FROM {table}
        WHERE status = %s AND teacher_id IN (SELECT person_id FROM component)
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id, Link.Status.VERIFIED, Link.Status.VERIFIED])
        return cursor.fetchall()


@dataclass
class Step:
    person: Person
    link: Link | None  # the link from the previous person to this one
    downward: bool  # True: this person is the previous one's disciple


def path_between(a: Person, b: Person) -> list[Step] | None:
    """The shortest chain of verified links from a to b, each step up (to a teacher) or down (to a
    disciple); None when they are not connected. Four queries whatever the graph."""
    if a.pk == b.pk:
        return [Step(person=a, link=None, downward=False)]
    graph = networkx.Graph()
    for link_id, teacher_id, disciple_id in _component_edges(a.pk):
        graph.add_edge(teacher_id, disciple_id, link=link_id, teacher=teacher_id)
    if b.pk not in graph or a.pk not in graph:
        return None
    try:
        ids = networkx.shortest_path(graph, a.pk, b.pk)
    except networkx.NetworkXNoPath:
        return None
    edges = [graph.edges[ids[i], ids[i + 1]] for i in range(len(ids) - 1)]
    people = Person.objects.select_related("master").in_bulk(ids)
    links = Link.objects.in_bulk([e["link"] for e in edges])
    steps = [Step(person=people[ids[0]], link=None, downward=False)]
    for i, edge in enumerate(edges):
        steps.append(Step(person=people[ids[i + 1]], link=links[edge["link"]], downward=edge["teacher"] == ids[i]))
    return steps


# --- research gaps -------------------------------------------------------------------------------


def people_without_sources(queryset=None):
    """People none of whose links (as teacher or disciple) has a citation: where research is due."""
    queryset = Person.objects.all() if queryset is None else queryset
    cited = Citation.objects.filter(Q(link__teacher=OuterRef("pk")) | Q(link__disciple=OuterRef("pk")))
    return queryset.filter(~Exists(cited))
