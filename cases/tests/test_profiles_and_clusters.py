"""Analysis additions (CAS-3): nature, flavour and meridian profiles from herbs.csv as charts,
hierarchical clustering into core combinations, and thresholds at the edges refused or
explained — never a 500."""

import json
from collections import Counter

import pytest

from cases.importing import cases_import
from cases.models import Analysis
from cases.services import Selection, analysis_run
from cases.tests.sheets import row, sheet
from lib.herbs import herb_properties

# Two formulas a master writes again and again, with a herb or two changed.
GUIZHI = ["桂枝", "白芍", "炙甘草", "生姜", "大枣"]
SIJUNZI = ["人参", "白术", "茯苓", "炙甘草"]
EXTRA = ["黄芪", "当归", "川芎", "陈皮", "半夏", "柴胡"]


@pytest.fixture
def zhang_formulas(world):
    rows = []
    for i in range(40):
        base = GUIZHI if i % 2 else SIJUNZI
        herbs = base + [EXTRA[i % len(EXTRA)]]
        rows.append(row(name=f"患者{i}", composition=";".join(f"{h}9g" for h in herbs)))
    assert cases_import(actor=world.zhang, owner=world.zhang, data=sheet(rows)).ok
    return rows


def test_the_profile_counts_every_herb_occurrence_by_herbs_csv(world, zhang_formulas):
    analysis = analysis_run(actor=world.zhang, selection=Selection(subject_id=world.zhang.pk))
    expected = Counter()
    for r in zhang_formulas:
        for part in r[11].split(";"):
            props = herb_properties(part[:-2])
            if props and props.nature:
                expected[props.nature] += 1
    assert dict(analysis.results["profile"]["nature"]) == dict(expected)


def test_clustering_finds_the_masters_two_formulas(world, zhang_formulas):
    analysis = analysis_run(actor=world.zhang, selection=Selection(subject_id=world.zhang.pk), clusters=4)
    combinations = [set(c["herbs"]) for c in analysis.results["combinations"] if len(c["herbs"]) > 1]
    assert set(GUIZHI) - {"炙甘草"} <= max(combinations, key=lambda c: len(c & set(GUIZHI)))
    assert {"人参", "白术", "茯苓"} <= max(combinations, key=lambda c: len(c & set(SIJUNZI)))
    assert analysis.clusters == 4 and analysis.results["dendrogram"]["children"]


def test_the_analysis_page_draws_the_profiles_and_the_clusters(world, zhang_formulas, client_for):
    analysis = analysis_run(actor=world.zhang, selection=Selection(subject_id=world.zhang.pk))
    page = client_for("zhang").get(f"/cases/analyses/{analysis.pk}/").content.decode()
    for chart in ("nature-chart", "flavour-chart", "meridian-chart", "cluster-chart", "combination-table"):
        assert f'id="{chart}"' in page
    profile = json.loads(page.split('id="profile-data" type="application/json">')[1].split("</script>")[0])
    analysis.refresh_from_db()
    assert profile["meridians"] == analysis.results["profile"]["meridians"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_support", "0", "最小支持度必须大于 0 且不超过 1"),
        ("min_support", "10", "最小支持度必须大于 0 且不超过 1（如 0.1 表示 10%），收到 10"),
        ("min_confidence", "0", "最小置信度必须大于 0 且不超过 1"),
        ("clusters", "1", "聚类组数"),
        ("min_support", "abc", "应为小数"),
    ],
)
def test_thresholds_at_the_edges_are_form_errors_not_500(world, zhang_formulas, client_for, field, value, message):
    data = {"min_support": "0.1", "min_confidence": "0.8", "max_len": "4", "clusters": "6", field: value}
    response = client_for("zhang").post("/cases/analyses/new/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Analysis.objects.exists()


def test_a_support_of_100_percent_keeps_only_what_every_prescription_has(world, zhang_formulas, client_for):
    c = client_for("zhang")
    response = c.post("/cases/analyses/new/", {"min_support": "1", "min_confidence": "0.8", "max_len": "4"})
    assert response.status_code == 302
    assert [s["items"] for s in Analysis.objects.get().results["itemsets"]] == [["炙甘草"]]
    page = c.get(response["Location"]).content.decode()
    assert 'id="no-rules"' in page and "没有关联规则达到最小置信度 0.8" in page


def test_a_support_nothing_reaches_says_so(world, zhang_formulas, client_for):
    c = client_for("zhang")
    data = {"disease": "不寐", "min_support": "1", "min_confidence": "0.8", "max_len": "4"}
    cases_import(actor=world.zhang, owner=world.zhang, data=sheet([row(name="外", composition="黄芪9g;当归6g")]))
    response = c.post("/cases/analyses/new/", data)
    page = c.get(response["Location"]).content.decode()
    assert 'id="no-itemsets"' in page and "没有药物组合达到最小支持度 1.0" in page


def test_the_api_refuses_bad_thresholds_and_an_empty_selection_with_400(world, zhang_formulas, client_for):
    c = client_for("zhang")
    for payload, message in [
        ({"min_support": 0}, "最小支持度必须大于 0"),
        ({"min_confidence": 1.5}, "最小置信度必须大于 0 且不超过 1"),
        # Bounded by the API's schema, which names the field and the rule.
        ({"clusters": 50}, "clusters：不能大于 20"),
        ({"disease": "无此病"}, "没有处方"),
        ({"date_from": "2025-02-01", "date_to": "2025-01-01"}, "起始日期不能晚于截止日期"),
    ]:
        response = c.post("/api/v1/case-analyses", payload, content_type="application/json")
        assert response.status_code == 400 and message in response.json()["detail"], payload
    created = c.post("/api/v1/case-analyses", {"clusters": 3}, content_type="application/json")
    assert created.status_code == 201 and created.json()["results"]["combinations"]
