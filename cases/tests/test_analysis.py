"""Mining a master's cases: the saved results equal lib.mining's on the same prescriptions."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from cases.importing import cases_import
from cases.models import Analysis
from cases.services import Selection, analysis_rerun, analysis_run
from cases.tests.sheets import row, sheet
from lib.herbs import DATA_DIR, parse_prescription
from lib.mining import MiningError, association_rules, frequent_itemsets, herb_frequency


def _classic_rows(limit=80):
    with open(DATA_DIR / "classic_formulas.csv", encoding="utf-8-sig") as f:
        reader = list(csv.DictReader(f))
    herbs_column = next(k for k in reader[0] if "herb" in k.lower())
    name_column = next(k for k in reader[0] if k != herbs_column)
    return [(r[name_column], r[herbs_column]) for r in reader[:limit]]


@pytest.fixture
def zhang_cases(world):
    rows = []
    for i, (formula, herbs) in enumerate(_classic_rows()):
        disease = "不寐" if i % 2 else "胃痛"
        rows.append(row(name=f"患者{i % 30}", formula=formula, composition=herbs, disease=disease))
    result = cases_import(actor=world.zhang, owner=world.zhang, data=sheet(rows))
    assert result.ok, result.errors[:3]
    return rows


def _transactions(rows, disease=None):
    out = []
    for r in rows:
        if disease and r[7] != disease:
            continue
        out.append(list(dict.fromkeys(d.herb_name for d in parse_prescription(r[11]))))
    return out


def test_zhangs_analysis_equals_lib_mining_on_the_same_prescriptions(world, zhang_cases):
    analysis = analysis_run(
        actor=world.zhang,
        selection=Selection(subject_id=world.zhang.pk),
        min_support=0.05,
        min_confidence=0.6,
        max_len=3,
    )
    transactions = _transactions(zhang_cases)
    itemsets = frequent_itemsets(transactions, 0.05, max_len=3)
    rules = association_rules(itemsets, len(transactions), 0.6)
    results = analysis.results
    assert analysis.transactions == len(transactions)
    assert {(tuple(s["items"]), s["count"]) for s in results["itemsets"]} == {(s.items, s.count) for s in itemsets}
    assert {(tuple(r["antecedent"]), tuple(r["consequent"])) for r in results["rules"]} == {
        (r.antecedent, r.consequent) for r in rules
    }
    assert [(h["herb"], h["count"]) for h in results["frequency"]] == [
        (h.name, h.count) for h in herb_frequency(transactions)
    ]
    assert results["core"] and results["network"]["nodes"]
    assert results["profile"]["nature"]


def test_a_selection_by_disease_mines_that_disease_only(world, zhang_cases):
    analysis = analysis_run(actor=world.zhang, selection=Selection(disease="不寐"), min_support=0.1)
    transactions = _transactions(zhang_cases, disease="不寐")
    assert analysis.transactions == len(transactions)
    assert {(tuple(s["items"]), s["count"]) for s in analysis.results["itemsets"]} == {
        (s.items, s.count) for s in frequent_itemsets(transactions, 0.1, max_len=4)
    }


def test_an_empty_selection_says_so(world, zhang_cases):
    with pytest.raises(MiningError, match="没有处方"):
        analysis_run(actor=world.zhang, selection=Selection(disease="不存在的病"))
    assert not Analysis.objects.exists()


def test_another_countys_staff_mine_nothing_of_zhangs(world, zhang_cases):
    with pytest.raises(MiningError):
        analysis_run(actor=world.zhou, selection=Selection())


@pytest.mark.parametrize("support", [0, 1.5])
def test_thresholds_out_of_range_are_refused(world, zhang_cases, support):
    with pytest.raises(MiningError):
        analysis_run(actor=world.zhang, selection=Selection(), min_support=support)


def test_a_rerun_saves_a_new_analysis_with_the_same_selection(world, zhang_cases):
    first = analysis_run(actor=world.zhang, selection=Selection(disease="胃痛"), min_support=0.2, min_confidence=0.9)
    again = analysis_rerun(analysis=first, actor=world.zhang)
    assert again.pk != first.pk and again.disease == "胃痛" and again.min_support == 0.2
    assert again.results["itemsets"] == first.results["itemsets"]


def test_a_rerun_that_finds_nothing_says_so_on_the_analysis_page(world, zhang_cases, client_for):
    from cases.models import CaseRecord

    first = analysis_run(actor=world.zhang, selection=Selection(disease="胃痛"))
    CaseRecord.objects.all().delete()
    url = f"/cases/analyses/{first.pk}/"
    response = client_for("zhang").post(f"{url}rerun/", {"next": url}, follow=True)
    assert response.redirect_chain == [(url, 302)] and "所选范围内没有处方" in response.content.decode()
    assert Analysis.objects.count() == 1


def test_zhang_runs_an_analysis_in_the_browser_and_exports_it(world, zhang_cases, client_for):
    c = client_for("zhang")
    response = c.post(
        "/cases/analyses/new/",
        {"subject": world.zhang.pk, "min_support": "0.1", "min_confidence": "0.8", "max_len": "4"},
    )
    analysis = Analysis.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/analyses/{analysis.pk}/"
    page = c.get(response["Location"]).content.decode()
    assert 'id="network-chart"' in page and "echarts.min.js" in page
    network = json.loads(page.split('id="network-data" type="application/json">')[1].split("</script>")[0])
    assert network["nodes"] == analysis.results["network"]["nodes"]
    export = c.get(f"/cases/analyses/{analysis.pk}/export.xlsx")
    assert export.status_code == 200
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == [
        "分析参数",
        "药物频次",
        "性味归经",
        "频繁项集",
        "关联规则",
        "核心药物",
        "核心组合（聚类）",
    ]
    assert workbook["核心组合（聚类）"].max_row == len(analysis.results["combinations"]) + 1
    assert workbook["频繁项集"].max_row == len(analysis.results["itemsets"]) + 1


def test_an_empty_selection_in_the_browser_is_a_form_error(world, zhang_cases, client_for):
    response = client_for("zhang").post(
        "/cases/analyses/new/", {"disease": "无此病", "min_support": "0.1", "min_confidence": "0.8", "max_len": "4"}
    )
    assert response.status_code == 200 and "没有处方" in response.content.decode()


def test_the_api_lists_cases_in_scope_and_runs_an_analysis(world, zhang_cases):
    from ninja.testing import TestClient

    from cases.api import router

    client = TestClient(router)
    listed = client.get("/cases", user=world.zhang).json()
    assert listed["count"] == 30 and all(c["pseudonym"].startswith("患者-") for c in listed["items"])
    assert client.get("/cases", user=world.zhou).json()["count"] == 0
    created = client.post("/case-analyses", json={"min_support": 0.1}, user=world.zhang)
    assert created.status_code == 201 and created.json()["transactions"] == len(zhang_cases)
    case = client.get(f"/cases/{listed['items'][0]['id']}", user=world.zhang).json()
    assert case["visits"][0]["prescriptions"][0]["items"]
