"""The graph's reads: generations up and down, the path between two people, the research gaps —
over verified links only, and in a number of queries that does not grow with the line."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from lineage import selectors, services
from lineage.models import Link
from lineage.tests.factories import line, link, person


def test_ancestors_and_descendants_carry_their_generation(world):
    a, b, c, d = line(world, "甲", "乙", "丙", "丁")
    assert selectors.descendants(a.pk) == {b.pk: 1, c.pk: 2, d.pk: 3}
    assert selectors.ancestors(d.pk) == {c.pk: 1, b.pk: 2, a.pk: 3}
    assert selectors.descendants(a.pk, depth=2) == {b.pk: 1, c.pk: 2}
    assert [selectors.generation(p.pk) for p in (a, b, c, d)] == [1, 2, 3, 4]


def test_only_verified_links_count(world):
    a, b = line(world, "甲", "乙")
    c = person(world, "丙")
    link(world, b, c, verify=False)
    assert selectors.descendants(a.pk) == {b.pk: 1}
    assert not selectors.is_public(c)


def test_a_person_with_two_teachers_is_counted_once_at_the_nearest_generation(world):
    a, b, c = line(world, "甲", "乙", "丙")
    link(world, a, c, kind="private")
    assert selectors.descendants(a.pk) == {b.pk: 1, c.pk: 1}
    assert selectors.generation(c.pk) == 3


def test_the_path_between_cousins_in_a_line_goes_up_and_down(world):
    founder, son, grandson = line(world, "费伯雄", "费绳甫", "徐相任")
    other = person(world, "马培之")
    link(world, founder, other, kind="private")
    steps = selectors.path_between(grandson, other)
    assert [s.person.name for s in steps] == ["徐相任", "费绳甫", "费伯雄", "马培之"]
    assert [s.downward for s in steps[1:]] == [False, False, True]
    assert selectors.path_between(grandson, person(world, "无关者")) is None


def test_the_path_and_the_walks_take_the_same_queries_however_long_the_line(world):
    short = line(world, *[f"短{i}" for i in range(3)])
    long = line(world, *[f"长{i}" for i in range(8)])
    counts = []
    for people in (short, long):
        with CaptureQueriesContext(connection) as ctx:
            selectors.path_between(people[0], people[-1])
            selectors.generations(people[0], up=False, depth=10)
            selectors.generation(people[-1].pk)
        counts.append(len(ctx))
    assert counts[0] == counts[1] <= 6


def test_people_whose_links_have_no_citation_are_research_gaps(world):
    a, b = line(world, "甲", "乙")
    c, d = person(world, "丙"), person(world, "丁")
    services.link_create(actor=world.sun, teacher=c, disciple=d, kind="family")
    assert set(selectors.people_without_sources()) == {c, d}
    assert Link.objects.count() == 2
