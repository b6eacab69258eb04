"""Blind scoring holds in pages and API alike (issue 13 §2): an expert of the panel reads the
other experts' scores only once their own sheet for the round is in; the technique's holder
never; office staff always. Every reply that carries a score — the panel's totals, the
evaluation's score and disagreement flag, the aggregate, the panel's conclusion, the graded
list, the dashboard — answers from evaluations.permissions.scores_visible_q.

The panel of 郭秀兰's technique: 马建华 and 何守义 have scored (马 low on 有效性, so the panel
disagrees), 田玉珍, 徐文华 and 曹海平 have not; 卢桂英 is in the pool but not on the panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Membership
from evaluations import permissions, services
from evaluations.models import Assignment, Evaluation
from evaluations.tests.factories import UNIFORM, expert, scoring_evaluation, submit
from techniques.models import TechniqueHolder

LOW = {**UNIFORM, "有效性": 40}  # 82.5 − 0.25 × 45 = 71.25: the panel's spread is 11.25, 有效性's 45
MA_TOTAL = "71.25"
AGGREGATE = "76.88"  # (71.25 + 82.5) / 2


@pytest.fixture
def panel(world, experts):
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    ma, tian, he, xu, cao = assignments
    submit(ma, LOW)
    submit(he)
    evaluation.refresh_from_db()
    assert evaluation.flagged and evaluation.score == pytest.approx(76.88)
    return evaluation, dict(ma=ma, tian=tian, he=he, xu=xu, cao=cao)


def _as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _readers(world, experts) -> dict:
    """The readers of every walk: who has not scored, who has, an expert off the panel, the
    holder, the office (city and county) and nobody signed in."""
    return {
        "pending": experts["tian"].user,
        "submitted": experts["ma"].user,
        "off_panel": experts["lu"].user,
        "holder": world.guo,
        "city_office": world.yang,
        "county_office": world.sun,
        "anonymous": None,
    }


def _flagged_count(client) -> int:
    return client.get("/api/v1/evaluations", {"flagged": "true"}).json()["count"]


# --- the leak of the issue --------------------------------------------------------------------------


def test_an_expert_who_has_not_scored_gets_no_other_experts_total_from_the_assignments_list(world, experts, panel):
    evaluation, a = panel
    rows = _as(experts["tian"].user).get(f"/api/v1/evaluations/{evaluation.pk}/assignments").json()
    assert {r["expert"]: r["total"] for r in rows} == {
        "马建华": None,
        "田玉珍": None,
        "何守义": None,
        "徐文华": None,
        "曹海平": None,
    }


def test_the_totals_appear_once_the_experts_own_sheet_is_in(world, experts, panel):
    evaluation, a = panel
    tian = _as(experts["tian"].user)
    submit(a["tian"])
    totals = {r["expert"]: r["total"] for r in tian.get(f"/api/v1/evaluations/{evaluation.pk}/assignments").json()}
    assert totals["马建华"] == pytest.approx(71.25)
    assert totals["田玉珍"] == pytest.approx(82.5) and totals["何守义"] == pytest.approx(82.5)
    assert totals["徐文华"] is None  # not scored yet, for anyone


# --- the walk: every reply that carries a score, for every reader -----------------------------------


def test_the_api_shows_scores_to_the_office_and_the_scored_and_to_no_one_else(world, experts, panel):
    evaluation, _a = panel
    pk = evaluation.pk
    expected = {
        # reader: (status of the evaluation's replies, scores shown)
        "pending": (200, False),
        "submitted": (200, True),
        "off_panel": (404, False),
        "holder": (404, False),
        "city_office": (200, True),
        "county_office": (200, True),
        "anonymous": (401, False),
    }
    for reader, user in _readers(world, experts).items():
        status, shown = expected[reader]
        client = _as(user)
        got = client.get(f"/api/v1/evaluations/{pk}")
        assert got.status_code == status, reader
        assignments = client.get(f"/api/v1/evaluations/{pk}/assignments")
        assert assignments.status_code == status, reader
        aggregate = client.get(f"/api/v1/evaluations/{pk}/aggregate")
        if status != 200:
            assert aggregate.status_code == status, reader
            continue
        body = got.json()
        totals = {r["expert"]: r["total"] for r in assignments.json()}
        if shown:
            assert body["score"] == pytest.approx(76.88) and body["flagged"] is True, reader
            assert totals["马建华"] == pytest.approx(71.25) and totals["何守义"] == pytest.approx(82.5), reader
            assert aggregate.status_code == 200 and aggregate.json()["flagged"] is True, reader
            assert _flagged_count(client) == 1, reader
        else:
            assert body["score"] is None and body["flagged"] is None, reader
            assert totals["马建华"] is None and totals["何守义"] is None, reader
            assert aggregate.status_code == 403, reader
            assert "提交您本人的评分后" in aggregate.json()["detail"], reader
            # Filtering on the flag, either way, tells nothing of an evaluation whose scores are hidden.
            assert _flagged_count(client) == 0, reader
            assert client.get("/api/v1/evaluations", {"flagged": "false"}).json()["count"] == 0, reader
        listed = client.get("/api/v1/evaluations").json()["items"]
        assert [(e["score"] is not None, e["flagged"]) for e in listed] == [(shown, True if shown else None)], reader


def test_the_lists_of_the_api_show_nothing_to_who_may_not_see_the_evaluation(world, experts, panel):
    for reader in ("off_panel", "holder"):
        client = _as(_readers(world, experts)[reader])
        assert client.get("/api/v1/evaluations").json()["count"] == 0, reader
        assert client.get("/api/v1/evaluations-dashboard").json()["flagged"] == 0, reader
    assert _as(None).get("/api/v1/evaluations").status_code == 401
    assert _as(None).get("/api/v1/evaluations-dashboard").status_code == 401
    assert _as(None).get("/api/v1/graded").status_code == 401


def test_the_api_dashboard_counts_a_disagreement_only_where_the_scores_are_visible(world, experts, panel):
    evaluation, _a = panel
    for reader, flagged in (("pending", 0), ("submitted", 1), ("city_office", 1), ("county_office", 1)):
        figures = _as(_readers(world, experts)[reader]).get("/api/v1/evaluations-dashboard").json()
        assert figures["flagged"] == flagged, reader
        assert [row["flagged"] for row in figures["next"] if row["evaluation"] == evaluation.pk] == [bool(flagged)]


def test_the_pages_show_scores_to_the_office_and_the_scored_and_to_no_one_else(world, experts, panel):
    evaluation, _a = panel
    pk = evaluation.pk
    expected = {
        "pending": (200, False),
        "submitted": (200, True),
        "off_panel": (404, False),
        "holder": (404, False),
        "city_office": (200, True),
        "county_office": (200, True),
        "anonymous": (302, False),
    }
    for reader, user in _readers(world, experts).items():
        status, shown = expected[reader]
        client = _as(user)
        detail = client.get(f"/evaluations/{pk}/")
        assert detail.status_code == status, reader
        listing = client.get("/evaluations/")
        dashboard = client.get("/evaluations/dashboard/")
        if reader == "anonymous":
            assert listing.status_code == dashboard.status_code == 302
            continue
        pages = listing.content.decode() + dashboard.content.decode()
        if status == 200:
            pages += detail.content.decode()
        flagged_list = client.get("/evaluations/", {"flagged": "1"}).content.decode()
        if shown:
            assert MA_TOTAL in pages and AGGREGATE in pages and 'id="flagged"' in detail.content.decode(), reader
            assert 'id="flagged-count">1<' in pages and evaluation.technique.name in flagged_list, reader
        else:
            assert MA_TOTAL not in pages and AGGREGATE not in pages, reader
            assert 'id="flagged"' not in detail.content.decode(), reader
            assert "分歧</span>" not in pages and 'id="flagged-count">0<' in pages, reader
            assert evaluation.technique.name not in flagged_list, reader
        if reader == "pending":
            assert "提交您本人的评分后，才能看到其他专家的评分" in pages


def test_an_expert_reads_their_own_total_in_their_queue_and_on_their_sheet(world, experts, panel):
    evaluation, a = panel
    ma = _as(experts["ma"].user)
    mine = ma.get("/api/v1/my/assignments").json()["items"]
    assert [(r["expert"], r["total"]) for r in mine] == [("马建华", pytest.approx(71.25))]
    assert MA_TOTAL in ma.get(f"/evaluations/assignments/{a['ma'].pk}/score/").content.decode()
    # Nobody else opens the sheet, the office included (it is the expert's own).
    for reader in ("pending", "off_panel", "holder", "city_office", "county_office"):
        response = _as(_readers(world, experts)[reader]).get(f"/evaluations/assignments/{a['ma'].pk}/score/")
        assert response.status_code in (403, 404), reader


# --- the holder -------------------------------------------------------------------------------------


def test_a_holder_who_is_also_office_staff_never_sees_the_scores(world, experts, panel):
    """孙科员 of 盐湖区 sees the evaluations of his county; listed as a holder of the technique
    himself, he sees this one's progress but none of its scores, in page or API."""
    evaluation, _a = panel
    TechniqueHolder.objects.create(technique=evaluation.technique, user=world.sun, name="孙科员", is_primary=False)
    sun = _as(world.sun)
    body = sun.get(f"/api/v1/evaluations/{evaluation.pk}").json()
    assert body["score"] is None and body["flagged"] is None
    totals = [r["total"] for r in sun.get(f"/api/v1/evaluations/{evaluation.pk}/assignments").json()]
    assert totals == [None] * 5
    refused = sun.get(f"/api/v1/evaluations/{evaluation.pk}/aggregate")
    assert refused.status_code == 403 and refused.json()["detail"] == "您是该技术的持有人或申报人，不能查看专家评分"
    page = sun.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert MA_TOTAL not in page and AGGREGATE not in page and 'id="flagged"' not in page
    assert sun.get("/api/v1/evaluations-dashboard").json()["flagged"] == 0
    # His colleague of the city office sees it all.
    assert _as(world.yang).get(f"/api/v1/evaluations/{evaluation.pk}").json()["score"] == pytest.approx(76.88)


def test_a_holder_on_the_panel_reads_their_own_total_but_never_the_others(world, experts, panel):
    """郭秀兰 seated on her own technique's panel with a waiver: her sheet in, still blind."""
    evaluation, a = panel
    services.assignment_withdraw(actor=world.yang, assignment=a["tian"], reason="时间冲突")  # a TCM seat free
    accounts_services.membership_grant(user=world.guo, organization=world.village_clinic, role=Membership.Role.EXPERT)
    guo_expert = expert(world, "", user=world.guo, organization=world.village_clinic)
    seat = services.assignment_create(
        actor=world.yang, evaluation=evaluation, expert=guo_expert, waiver_reason="本人技术，仅作说明"
    )
    services.assignment_respond(actor=world.guo, assignment=seat, accept=True)
    submit(seat)
    guo = _as(world.guo)
    totals = {r["expert"]: r["total"] for r in guo.get(f"/api/v1/evaluations/{evaluation.pk}/assignments").json()}
    assert totals["郭秀兰"] == pytest.approx(82.5)
    assert totals["马建华"] is None and totals["何守义"] is None
    assert guo.get(f"/api/v1/evaluations/{evaluation.pk}").json()["score"] is None
    assert guo.get(f"/api/v1/evaluations/{evaluation.pk}/aggregate").status_code == 403
    page = guo.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert MA_TOTAL not in page and 'id="score-table-1"' not in page


# --- the conclusion, the history, the graded list ---------------------------------------------------


@pytest.fixture
def concluded_late(world, experts, panel):
    """The deadline passed with 田玉珍, 徐文华 and 曹海平 still owing their sheets; the office
    concluded on the two that came in and then decided."""
    evaluation, a = panel
    Evaluation.objects.filter(pk=evaluation.pk).update(deadline=timezone.now() - timedelta(hours=1))
    evaluation.refresh_from_db()
    services.evaluation_conclude(
        actor=world.yang,
        evaluation=evaluation,
        passed=True,
        grade="乙级",
        recommendation="promote",
        conclusion="安全有效，建议推广。",
    )
    evaluation.refresh_from_db()
    return evaluation, a


def test_the_panels_conclusion_keeps_its_figures_from_who_has_not_scored(world, experts, concluded_late):
    evaluation, _a = concluded_late
    url = f"/api/v1/evaluations/{evaluation.pk}/conclusions"
    (hidden,) = _as(experts["tian"].user).get(url).json()
    assert hidden["score"] is None and hidden["tcm_score"] is None and hidden["western_score"] is None
    assert hidden["computed_grade"] is None and hidden["flagged"] is None
    assert hidden["grade"] == "乙级" and hidden["conclusion"] == "安全有效，建议推广。"  # the outcome, not a score
    (shown,) = _as(experts["ma"].user).get(url).json()
    assert shown["score"] == pytest.approx(76.88) and shown["flagged"] is True
    page = _as(experts["tian"].user).get(f"/evaluations/{evaluation.pk}/").content.decode()
    # The audit trail records the conclusion with its score: the reason is left out for her.
    assert AGGREGATE not in page and "综合得分 76.88" not in page and "存在意见分歧" not in page
    assert "综合得分 76.88" in _as(world.yang).get(f"/evaluations/{evaluation.pk}/").content.decode()


def test_the_graded_list_shows_the_score_to_the_office_and_the_scored_only(world, experts, concluded_late):
    evaluation, _a = concluded_late
    services.evaluation_finalize(
        actor=world.yang, evaluation=evaluation, passed=True, grade="乙级", management_class="推广类"
    )
    for reader, shown in (("pending", False), ("submitted", True), ("city_office", True), ("county_office", True)):
        client = _as(_readers(world, experts)[reader])
        (row,) = client.get("/api/v1/graded").json()["items"]
        assert (row["score"] is not None, row["flagged"]) == (shown, True if shown else None), reader
        page = client.get("/evaluations/graded/").content.decode()
        assert (AGGREGATE in page) == shown and "乙级" in page, reader
    for reader in ("off_panel", "holder"):
        client = _as(_readers(world, experts)[reader])
        assert client.get("/api/v1/graded").json()["count"] == 0, reader
        assert evaluation.technique.name not in client.get("/evaluations/graded/").content.decode(), reader
    assert _as(None).get("/evaluations/graded/").status_code == 302


def test_the_public_promotion_catalogue_and_the_pricing_export_carry_no_panel_score(world, experts, concluded_late):
    evaluation, _a = concluded_late
    services.evaluation_finalize(
        actor=world.yang, evaluation=evaluation, passed=True, grade="乙级", management_class="推广类"
    )
    from evaluations import outcomes

    outcomes.promotion_list(actor=world.yang, evaluation=evaluation, scope_note="县级以上中医医院")
    for user in (None, world.guo, experts["tian"].user):
        page = _as(user).get("/evaluations/catalogue/").content.decode()
        assert evaluation.technique.name in page and MA_TOTAL not in page and AGGREGATE not in page
        assert "76.8" not in _as(user).get("/api/v1/promotion").content.decode()
    # The export is the city office's, and holds the grade and the price, not the panel's scores.
    for reader in ("pending", "submitted", "holder", "county_office"):
        assert _as(_readers(world, experts)[reader]).get("/evaluations/pricing/export/").status_code == 403
    assert "综合得分" not in outcomes.PRICING_HEADERS and "加权总分" not in outcomes.PRICING_HEADERS


# --- rounds -----------------------------------------------------------------------------------------


def test_a_second_round_is_blind_again_and_a_newcomer_never_reads_the_first(world, experts, concluded_late):
    evaluation, a = concluded_late
    services.evaluation_rereview(
        actor=world.yang, evaluation=evaluation, reason="意见分歧较大", deadline=timezone.now() + timedelta(days=7)
    )
    evaluation.refresh_from_db()
    # 马建华 and 曹海平 sit again (曹 never scored round 1); 卢桂英 and 宋长顺 are new, as is 邓金凤.
    seats = {
        key: services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts[key])
        for key in ("ma", "lu", "song", "cao", "deng")
    }
    for key, seat in seats.items():
        services.assignment_respond(actor=experts[key].user, assignment=seat, accept=True)
    services.evaluation_start_scoring(actor=world.yang, evaluation=evaluation)
    submit(seats["lu"], LOW)
    ma, lu = _as(experts["ma"].user), _as(experts["lu"].user)
    rounds = {
        (r["round"], r["expert"]): r["total"] for r in ma.get(f"/api/v1/evaluations/{evaluation.pk}/assignments").json()
    }
    assert rounds[1, "何守义"] == pytest.approx(82.5)  # the round he scored
    assert rounds[2, "卢桂英"] is None  # the round he has not scored yet
    assert ma.get(f"/api/v1/evaluations/{evaluation.pk}/aggregate", {"round": 1}).status_code == 200
    assert ma.get(f"/api/v1/evaluations/{evaluation.pk}/aggregate", {"round": 2}).status_code == 403
    # 卢桂英 scored round 2 only: round 1 stays closed to her, its conclusion's figures too.
    rounds = {
        (r["round"], r["expert"]): r["total"] for r in lu.get(f"/api/v1/evaluations/{evaluation.pk}/assignments").json()
    }
    assert rounds[1, "何守义"] is None and rounds[2, "卢桂英"] == pytest.approx(71.25)
    assert lu.get(f"/api/v1/evaluations/{evaluation.pk}/aggregate", {"round": 1}).status_code == 403
    (first,) = lu.get(f"/api/v1/evaluations/{evaluation.pk}/conclusions").json()
    assert first["score"] is None
    page = lu.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert 'id="scores-blind-1"' in page and 'id="score-table-2"' in page


# --- the one predicate ------------------------------------------------------------------------------


def test_the_list_filter_and_the_record_predicate_are_the_same_rule(world, experts, panel):
    evaluation, _a = panel
    readers = {**_readers(world, experts), "admin": world.admin, "township_office": world.lin}
    for reader, user in readers.items():
        user = user or _anonymous()
        as_list = Evaluation.objects.filter(permissions.scores_visible_q(user), pk=evaluation.pk).exists()
        annotated = permissions.with_scores_visible(Evaluation.objects.filter(pk=evaluation.pk), user).get()
        may = permissions.may_see_scores(user, evaluation)
        viewable = reader not in ("off_panel", "holder", "anonymous")
        assert may == (viewable and as_list) == (viewable and annotated.scores_visible), reader
        assert may == (reader in ("submitted", "city_office", "county_office", "admin", "township_office")), reader


def test_a_withdrawn_expert_no_longer_reaches_the_scores(world, experts, panel):
    evaluation, a = panel
    services.assignment_withdraw(actor=world.yang, assignment=a["xu"], reason="时间冲突")
    xu = _as(experts["xu"].user)
    assert xu.get(f"/api/v1/evaluations/{evaluation.pk}/assignments").status_code == 404
    assert not permissions.may_see_scores(experts["xu"].user, evaluation)
    assert Assignment.objects.get(pk=a["xu"].pk).status == "withdrawn"


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()
