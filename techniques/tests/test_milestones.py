"""The dashboard's milestones of 003 §二 show measured progress (issue 12 §13): how many techniques
were collected, screened, evaluated and protected, against each year's target, the targets being
data beside the clause they serve."""

from __future__ import annotations

from datetime import date

from chuancheng.test import declaration_for
from evaluations.tests.factories import finalized_evaluation
from techniques import milestones, services
from techniques.models import Technique


def _by_measure(rows: list[dict]) -> dict[str, dict]:
    return {row["measure"]: row for row in rows}


def test_every_milestone_has_its_clause_its_measure_and_a_target():
    assert [m.due.year for m in milestones.MILESTONES] == [2025, 2026, 2027, 2028]
    assert [m.measure for m in milestones.MILESTONES] == ["collected", "screened", "evaluated", "protected"]
    assert all(m.target > 0 and str(m.goal) for m in milestones.MILESTONES)
    assert "二、总体目标" in str(milestones.CLAUSE)


def test_each_measure_counts_what_it_names(world):
    declaration_for(world.guo, name="草稿不算已申报")
    declaration_for(world.guo, world.township_centre.region, submit=True, name="已申报待受理")
    evaluation, _assignments = finalized_evaluation(world)  # an accepted technique, evaluated
    protected = evaluation.technique
    services.protection_add(technique=protected, actor=world.yang, kind="ich", level="county", title="县级名录")
    services.protection_add(technique=protected, actor=world.yang, kind="patent", title="专利")
    rows = _by_measure(milestones.progress(Technique.objects.all(), today=date(2025, 6, 1)))
    collected = Technique.objects.exclude(status="draft").count()
    assert rows["已申报"]["count"] == collected >= 2
    assert rows["已筛选入库"]["count"] == Technique.objects.filter(status__in=["accepted", "published"]).count() >= 1
    # Two records, one finalized evaluation: the technique counts once for each.
    assert rows["已完成价值评估"]["count"] == 1
    assert rows["已采取保护措施"]["count"] == 1
    assert all(row["state"] == "under_way" and row["target"] > row["count"] for row in rows.values())
    assert rows["已申报"]["percent"] == round(100 * collected / rows["已申报"]["target"])


def test_a_passed_date_without_the_target_is_overdue_and_a_reached_target_is_reached(world, monkeypatch):
    declaration_for(world.guo, world.township_centre.region, submit=True)
    first = milestones.MILESTONES[0]
    monkeypatch.setattr(
        milestones, "MILESTONES", [first, milestones.Milestone(date(2030, 1, 1), "下一个目标", "collected", 1)]
    )
    overdue, reached = milestones.progress(Technique.objects.all(), today=date(2026, 1, 5))
    assert overdue["state"] == "overdue" and overdue["passed"]
    assert reached["state"] == "reached" and reached["percent"] == 100 and not reached["passed"]


def test_the_dashboard_shows_counts_against_targets_within_the_persons_scope(world, client_for):
    declaration_for(world.guo, world.township_centre.region, submit=True, name="盐湖申报")
    declaration_for(world.guo, world.yongji_health.region, submit=True, name="永济申报")
    city = client_for("yang").get("/techniques/dashboard/")
    rows = _by_measure(city.context["figures"]["milestones"])
    assert rows["已申报"]["count"] == 2
    html = city.content.decode()
    assert 'id="milestones"' in html and f'/ <span class="milestone-target">{rows["已申报"]["target"]}</span>' in html
    county = _by_measure(client_for("sun").get("/techniques/dashboard/").context["figures"]["milestones"])
    assert county["已申报"]["count"] == 1
    # The API gives the same figures.
    api = client_for("yang").get("/api/v1/techniques-dashboard").json()
    assert _by_measure(api["milestones"])["已申报"]["count"] == 2


def test_a_merged_duplicate_is_collected_once(world):
    kept = declaration_for(world.guo, world.township_centre.region, submit=True, name="郭氏推拿治疗积滞")
    duplicate = declaration_for(
        world.guo, world.township_centre.region, submit=True, name="郭氏推拿治疗积滞症", operation_method="捏脊三遍。"
    )
    assert _by_measure(milestones.progress(Technique.objects.all()))["已申报"]["count"] == 2
    services.technique_merge(technique=duplicate, into=kept, actor=world.sun)
    assert _by_measure(milestones.progress(Technique.objects.all()))["已申报"]["count"] == 1
