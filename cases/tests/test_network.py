"""The co-occurrence network of a saved analysis (issue 12 §17): every edge saved strongest first so
the page can show the top N, each herb with its community, and no empty core combination."""

from __future__ import annotations

import csv
import json

from cases.importing import cases_import
from cases.services import NETWORK_EDGES, NETWORK_NODES, Selection, analysis_run
from cases.tests.sheets import row, sheet
from lib.herbs import DATA_DIR


def _classic(limit: int) -> list[str]:
    with open(DATA_DIR / "classic_formulas.csv", encoding="utf-8") as f:
        return [r["herbs"] for r in csv.DictReader(f) if "鸡子黄枚" not in r["herbs"]][:limit]


def test_the_network_saves_every_edge_strongest_first_with_communities(world):
    rows = [row(name=f"患者{i}", composition=herbs) for i, herbs in enumerate(_classic(120))]
    assert cases_import(actor=world.zhang, owner=world.zhang, data=sheet(rows)).ok
    analysis = analysis_run(actor=world.zhang, selection=Selection(subject_id=world.zhang.pk), min_support=0.1)
    network = analysis.results["network"]
    assert len(network["nodes"]) == NETWORK_NODES  # far more herbs than that in 120 formulas
    weights = [link["value"] for link in network["links"]]
    assert weights == sorted(weights, reverse=True) and len(weights) > NETWORK_EDGES
    assert network["shown"] == NETWORK_EDGES
    communities = {node["community"] for node in network["nodes"]}
    assert communities == set(range(network["communities"])) and network["communities"] > 1
    assert all(c["count"] > 0 for c in analysis.results["combinations"])


def test_a_selection_with_few_edges_shows_them_all(world, client_for):
    rows = [row(name=f"患者{i}", composition="桂枝9g;白芍9g;生姜9g") for i in range(3)]
    assert cases_import(actor=world.zhang, owner=world.zhang, data=sheet(rows)).ok
    analysis = analysis_run(actor=world.zhang, selection=Selection(), min_support=0.5)
    assert analysis.results["network"]["shown"] == 3 == len(analysis.results["network"]["links"])
    page = client_for("zhang").get(f"/cases/analyses/{analysis.pk}/").content.decode()
    assert 'id="network-edges"' in page and 'max="3" value="3"' in page
    data = json.loads(page.split('id="network-data" type="application/json">')[1].split("</script>")[0])
    assert {node["community"] for node in data["nodes"]} == {0}


def test_an_analysis_saved_before_communities_still_opens(world, client_for):
    rows = [row(name=f"患者{i}", composition="桂枝9g;白芍9g") for i in range(3)]
    assert cases_import(actor=world.zhang, owner=world.zhang, data=sheet(rows)).ok
    analysis = analysis_run(actor=world.zhang, selection=Selection(), min_support=0.5)
    network = analysis.results["network"]
    analysis.results["network"] = {
        "nodes": [{"name": n["name"], "value": n["value"]} for n in network["nodes"]],
        "links": network["links"],
    }
    analysis.save(update_fields=["results"])
    page = client_for("zhang").get(f"/cases/analyses/{analysis.pk}/")
    assert page.status_code == 200 and 'max="1" value="1"' in page.content.decode()
