"""Inheritance fidelity: 李明's prescriptions during his apprenticeship with 张医生, scored against
张医生's core combinations, with the trend; the page, the include and the API."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from cases.importing import cases_import
from cases.models import CaseRecord
from cases.selectors import fidelity_for
from cases.services import Selection, analysis_run
from cases.tests.factories import apprenticeship_of
from cases.tests.sheets import HEADER, row, sheet

GUIZHI = "桂枝9g;白芍9g;炙甘草6g;生姜9g;大枣4枚"
SIJUNZI = "人参9g;白术9g;茯苓9g;炙甘草6g"


@pytest.fixture
def relation(world):
    rows = [row(name=f"师{i}", composition=(GUIZHI if i % 2 else SIJUNZI) + ";黄芪15g") for i in range(30)]
    assert cases_import(actor=world.zhang, owner=world.zhang, data=sheet(rows)).ok
    analysis_run(actor=world.zhang, selection=Selection(subject_id=world.zhang.pk), clusters=3)
    relation = apprenticeship_of(world)
    # 李明 starts far from his master's prescriptions and comes closer visit by visit.
    compositions = [
        "黄连6g;黄芩9g;大黄6g",
        "桂枝9g;黄连6g;黄芩9g",
        "桂枝9g;白芍9g;黄芩9g",
        "桂枝9g;白芍9g;生姜9g;大枣4枚",
    ]
    header = [*HEADER, "就诊日期"]
    rows = [[*row(name=f"徒{i}", composition=c), datetime.date(2025, 4 + i, 1)] for i, c in enumerate(compositions)]
    assert cases_import(actor=world.liming, owner=world.liming, data=sheet(rows, header=header)).ok
    return relation


def test_each_case_is_scored_and_the_trend_is_rising(world, relation):
    result = fidelity_for(master=relation.master, apprentice=world.liming)
    assert [round(c.score, 2) for c in result.cases] == sorted(round(c.score, 2) for c in result.cases)
    assert result.cases[0].score < 0.5 < result.cases[-1].score
    assert result.trend == "上升" and result.slope > 0
    assert CaseRecord.objects.filter(owner=world.liming, apprenticeship=relation).count() == 4


def test_without_a_masters_analysis_it_says_what_is_missing(world):
    relation = apprenticeship_of(world)
    result = fidelity_for(master=relation.master, apprentice=world.liming)
    assert result.cases == [] and "尚无处方挖掘分析" in result.message


def test_the_include_draws_an_echarts_line(world, relation):
    html = render_to_string(
        "cases/_fidelity.html", {"fidelity": fidelity_for(master=relation.master, apprentice=world.liming)}
    )
    assert "fidelity-chart" in html and "echarts.min.js" in html and "上升" in html


@pytest.mark.parametrize(("persona", "status"), [("liming", 200), ("zhang", 200), ("zhou", 200), ("sun", 404)])
def test_the_fidelity_page_is_for_the_parties_and_their_staff(world, relation, client_for, persona, status):
    assert client_for(persona).get(f"/cases/fidelity/{relation.pk}/").status_code == status


def test_the_api_returns_scores_and_trend(world, relation, client_for):
    body = client_for("liming").get(f"/api/v1/apprenticeships/{relation.pk}/fidelity").json()
    assert body["trend"] == "上升" and len(body["cases"]) == 4 and body["analysis"]
    assert client_for("sun").get(f"/api/v1/apprenticeships/{relation.pk}/fidelity").status_code == 404


def test_zhang_reads_the_fidelity_trend_on_limings_graduation_page(world, relation, client_for):
    page = client_for("zhang").get(reverse("teaching:graduation", args=[relation.pk])).content.decode()
    assert "传承符合度" in page and "fidelity-chart" in page and "上升" in page
    assert page.count("徒") == 0  # pseudonyms only: the imported names never reach the page
