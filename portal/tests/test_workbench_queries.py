"""The workbench asks a bounded number of queries whatever waits: one per (model, state, act) the
person could act on, never one per waiting row."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from chuancheng.test import declaration_for


def _queries(client) -> int:
    client.get("/workbench/")  # the first view fills per-process caches (content types, …)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/workbench/").status_code == 200
    return len(ctx.captured_queries)


def test_more_waiting_declarations_cost_the_county_clerk_no_more_queries(world, client_for):
    region = world.township_centre.region
    declaration_for(world.guo, region, submit=True, name="盐湖刮痧一")
    sun = client_for("sun")
    few = _queries(sun)
    for n in range(2, 8):
        declaration_for(world.guo, region, submit=True, name=f"盐湖刮痧{n}")
    page = sun.get("/workbench/").content.decode()
    assert page.count("盐湖刮痧") >= 7
    assert _queries(sun) == few


def test_no_persona_pays_more_than_the_tables_allow(world, client_for):
    # Each person: session, user, memberships, notices, and at most one query per waiting
    # (model, state, act); the tables have fewer than 40 such triples in all.
    for persona in ("zhang", "liming", "wang", "zhao", "chen", "sun", "yang", "guo", "lin", "admin"):
        assert _queries(client_for(persona)) <= 40, persona
