"""The API (issue 5 §9): one evaluation from opening to grade, every step through /api/v1/,
and the lists within a fixed number of queries."""

import json
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluations.tests.factories import (
    accepted_technique,
    criteria_by_name,
    default_rubric,
    open_evaluation,
    scoring_evaluation,
    submit,
)


def _post(client, url, data):
    return client.post(url, json.dumps(data, default=str), content_type="application/json")


def test_one_evaluation_from_opening_to_grade_through_the_api(world, experts, client_for):
    technique = accepted_technique(world)
    default_rubric()
    yang = client_for("yang")
    response = _post(
        yang,
        "/api/v1/evaluations",
        {
            "techniques": [technique.pk],
            "deadline": (timezone.now() + timedelta(days=7)).isoformat(),
            "tcm_count": 2,
            "western_count": 1,
        },
    )
    assert response.status_code == 201, response.content
    pk = response.json()[0]["id"]
    suggestions = yang.get(f"/api/v1/evaluations/{pk}/suggestions").json()
    assert {s["name"] for s in suggestions} >= {"马建华", "徐文华"}
    assignments = []
    for key in ("ma", "tian", "xu"):
        r = _post(yang, f"/api/v1/evaluations/{pk}/assignments", {"expert_id": experts[key].pk})
        assert r.status_code == 201, r.content
        assignments.append((key, r.json()["id"]))
    ids = criteria_by_name()
    for key, assignment_id in assignments:
        expert = client_for("admin")
        expert.force_login(experts[key].user)
        assert (
            _post(expert, f"/api/v1/assignments/{assignment_id}/respond", {"accept": True}).json()["status"]
            == "accepted"
        )
    assert _post(yang, f"/api/v1/evaluations/{pk}/start-scoring", {}).json()["status"] == "scoring"
    evidence = _post(
        yang,
        f"/api/v1/evaluations/{pk}/efficacy",
        {"case": "患儿，5岁，食积腹胀", "measure": "腹胀评分", "before": "6", "after": "1", "judgement": "marked"},
    )
    assert evidence.status_code == 201
    for key, assignment_id in assignments:
        expert = client_for("admin")
        expert.force_login(experts[key].user)
        scores = [{"criterion_id": cid, "value": 88} for cid in ids.values()]
        r = _post(expert, f"/api/v1/assignments/{assignment_id}/scores", {"scores": scores})
        assert r.status_code == 200 and r.json()["total"] == 88.0, r.content
        # Twice: refused with the reason, in Chinese.
        again = _post(expert, f"/api/v1/assignments/{assignment_id}/scores", {"scores": scores})
        assert again.status_code == 400 and again.json()["detail"] == "您已提交过本轮评分，不能重复评分"
    aggregate = yang.get(f"/api/v1/evaluations/{pk}/aggregate").json()
    assert aggregate["score"] == 88.0 and aggregate["by_field"] == {"tcm": 88.0, "western": 88.0}
    r = _post(
        yang,
        f"/api/v1/evaluations/{pk}/conclusion",
        {"passed": True, "grade": "甲级", "recommendation": "promote", "conclusion": "疗效确切"},
    )
    assert r.status_code == 201 and r.json()["computed_grade"] == "甲级"
    r = _post(yang, f"/api/v1/evaluations/{pk}/decision", {"action": "finalize", "passed": True, "grade": "甲级"})
    assert r.status_code == 201 and r.json()["technique_grade"] == "A"
    assert yang.get(f"/api/v1/techniques/{technique.pk}").json()["grade"] == "A"
    assert (
        _post(
            yang, f"/api/v1/evaluations/{pk}/decision", {"action": "finalize", "passed": True, "grade": "甲级"}
        ).status_code
        == 409
    )
    r = _post(
        yang,
        f"/api/v1/evaluations/{pk}/pricing",
        {
            "clinical_value": 80,
            "patient_recognition": 80,
            "labour_value": 80,
            "reference_price": "40",
            "outpatient": True,
        },
    )
    assert r.json()["proposed_price"] == "48.00"
    listing = _post(yang, f"/api/v1/evaluations/{pk}/promotion", {"scope_note": "全市基层医疗卫生机构"})
    assert listing.status_code == 201
    assert yang.get("/api/v1/promotion").json()["items"][0]["technique"] == technique.name
    export = yang.get("/api/v1/pricing/export")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_bad_input_comes_back_as_400_naming_the_field(world, experts, client_for):
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    expert = client_for("admin")
    expert.force_login(assignments[0].expert.user)
    ids = criteria_by_name()
    r = _post(
        expert,
        f"/api/v1/assignments/{assignments[0].pk}/scores",
        {"scores": [{"criterion_id": ids["安全性"], "value": 130}]},
    )
    assert r.status_code == 400
    assert "「安全性」的分数必须在 0 到 100 之间" in r.json()["detail"] and "「有效性」为必评项" in r.json()["detail"]
    neighbour = client_for("yang")
    from evaluations.tests.factories import expert as make_expert

    chen = make_expert(world, "", user=world.chen)
    forming = open_evaluation(world, accepted_technique(world, "郭氏艾灸治疗腹痛"))
    r = _post(neighbour, f"/api/v1/evaluations/{forming.pk}/assignments", {"expert_id": chen.pk})
    assert r.status_code == 400 and r.json()["field"] == "waiver_reason"


def test_the_lists_answer_in_a_fixed_number_of_queries(world, experts, client_for):
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    for a in assignments[:2]:
        submit(a)
    yang = client_for("yang")
    expert = client_for("admin")
    expert.force_login(assignments[0].expert.user)
    for client, url, most in (
        (yang, "/api/v1/evaluations", 8),
        (yang, "/api/v1/experts", 10),
        (yang, "/api/v1/graded", 8),
        (yang, "/api/v1/evaluations-dashboard", 14),
        (expert, "/api/v1/my/assignments", 8),
        (yang, f"/api/v1/evaluations/{evaluation.pk}/assignments", 10),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        assert len(queries) <= most, f"{url}: {len(queries)} queries"
