"""张医生 reads the co-occurrence network of 120 classic formulas (80 herbs drawn): the strongest
edges only, coloured by community, and he changes how many edges he sees — in a real Chromium
(issue 12 §17)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from cases.importing import cases_import
from cases.services import NETWORK_EDGES, Selection, analysis_run
from cases.tests.sheets import row, sheet
from cases.tests.test_network import _classic
from chuancheng.test import World
from techniques.tests.test_browser_declaration import sign_in

pytestmark = pytest.mark.browser

SERIES = "() => echarts.getInstanceByDom(document.getElementById('network-chart')).getOption().series[0]"


def test_zhang_reads_a_network_of_fifty_herbs_and_more_by_its_strongest_edges(page: Page, live_world: World):
    rows = [row(name=f"患者{i}", composition=herbs) for i, herbs in enumerate(_classic(120))]
    assert cases_import(actor=live_world.zhang, owner=live_world.zhang, data=sheet(rows)).ok
    analysis = analysis_run(actor=live_world.zhang, selection=Selection(), min_support=0.1)
    network = analysis.results["network"]
    assert len(network["nodes"]) >= 50

    sign_in(page, "zhang")
    page.goto(f"/cases/analyses/{analysis.pk}/")
    expect(page.locator("#network-chart canvas")).to_have_count(1)
    edges = page.get_by_label("显示共现最强的连线")
    expect(edges).to_have_value(str(NETWORK_EDGES))
    series = page.evaluate(SERIES)
    assert len(series["data"]) == len(network["nodes"])
    # Only the strongest edges are drawn, the strongest first.
    assert [(e["source"], e["target"]) for e in series["links"]] == [
        (e["source"], e["target"]) for e in network["links"][:NETWORK_EDGES]
    ]
    # Each herb is coloured by its community, and the legend names them.
    assert len(series["categories"]) == network["communities"] > 1
    assert {d["name"]: d["category"] for d in series["data"]} == {n["name"]: n["community"] for n in network["nodes"]}
    legend = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('network-chart')).getOption().legend"
    )
    assert legend and len(legend[0]["data"]) == network["communities"]

    edges.fill("10")
    page.wait_for_function(f"() => ({SERIES})().links.length === 10")
    edges.fill("100000")
    total = len(network["links"])
    page.wait_for_function(f"() => ({SERIES})().links.length === {total}")
    # The chart was drawn: its canvas has a size.
    assert page.locator("#network-chart canvas").evaluate("c => c.width") > 100
