import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apprenticeships.models import Apprenticeship
from teaching.models import Activity, Graduation
from teaching.tests.factories import PDF, apprenticeship_for, fill_quotas, materials_for, plan_for, term_ending_today

pytestmark = pytest.mark.django_db
API = "/api/v1/teaching"


def _post(c, url, payload=None):
    return c.post(url, json.dumps(payload or {}), content_type="application/json")


def test_the_whole_teaching_path_through_the_api(world, client_for, settings, tmp_path, django_assert_max_num_queries):
    settings.MEDIA_ROOT = tmp_path
    a = term_ending_today(world, term="half_year")
    zhang, liming, zhao = client_for("zhang"), client_for("liming"), client_for("zhao")
    plan = {
        "objectives": "掌握醒脑开窍针法",
        "content": "典型病案",
        "arrangements": "每周随诊",
        "planned_theory": 32,
        "planned_case_analysis": 16,
        "planned_self_study": 48,
        "planned_reflection": 24,
    }
    response = zhang.put(f"{API}/apprenticeships/{a.pk}/plan", json.dumps(plan), content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "draft"
    assert _post(zhang, f"{API}/apprenticeships/{a.pk}/plan/submit").json()["status"] == "submitted"
    assert _post(zhao, f"{API}/apprenticeships/{a.pk}/plan/decide", {"agree": True}).json()["status"] == "agreed"

    form = {
        "kind": "shadowing",
        "category": "case_analysis",
        "date": timezone.localdate().isoformat(),
        "hours": "3",
        "topic": "随诊：中风后遗症",
        "evidence": SimpleUploadedFile("随诊.pdf", PDF, content_type="application/pdf"),
    }
    response = liming.post(f"{API}/apprenticeships/{a.pk}/activities", form)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["has_evidence"] is True
    response = liming.post(f"{API}/apprenticeships/{a.pk}/activities", {**form, "hours": "30", "evidence": ""})
    assert response.status_code == 400 and response.json()["field"] == "hours"
    # The day's cap of the pages holds for the API too (teaching.quotas.MAX_HOURS_PER_DAY).
    response = liming.post(f"{API}/apprenticeships/{a.pk}/activities", {**form, "hours": "13", "evidence": ""})
    assert response.status_code == 400 and response.json()["field"] == "hours"

    assert _post(zhang, f"{API}/activities/{body['id']}/decide", {"confirm": True}).json()["status"] == "confirmed"
    again = _post(zhang, f"{API}/activities/{body['id']}/decide", {"confirm": True})
    assert again.status_code == 409 and "已确认" in again.json()["detail"]

    progress = liming.get(f"{API}/apprenticeships/{a.pk}/progress").json()
    case = next(c for c in progress["categories"] if c["category"] == "case_analysis")
    assert case["confirmed"] == "3.0" or float(case["confirmed"]) == 3
    assert "病案分析课程还差 13 课时" in progress["missing"]

    refused = _post(zhao, f"{API}/apprenticeships/{a.pk}/graduation/issue")
    assert refused.status_code == 400 and refused.json()["detail"].startswith(
        "尚不能颁发师承证书：理论课程还差 32 课时"
    )

    fill_quotas(world, a)
    response = liming.post(
        f"{API}/apprenticeships/{a.pk}/graduation/items", {"kind": "paper", "title": "论文", "text": "摘要"}
    )
    assert response.status_code == 201
    materials_for(world, a)
    assert _post(liming, f"{API}/apprenticeships/{a.pk}/graduation/submit").json()["status"] == "submitted"
    items = [{"item": i.pk, "score": 90, "passed": True} for i in Graduation.objects.get(apprenticeship=a).items.all()]
    assessment = {"items": items, "score": 90, "comment": "准予出师", "passed": True}
    assert _post(zhang, f"{API}/apprenticeships/{a.pk}/graduation/assess", assessment).json()["status"] == "passed"
    issued = _post(zhao, f"{API}/apprenticeships/{a.pk}/graduation/issue")
    assert issued.status_code == 201 and issued.json()["kind"] == "apprentice"
    assert Apprenticeship.objects.get(pk=a.pk).status == "graduated"

    with django_assert_max_num_queries(10):
        listed = liming.get(f"{API}/apprenticeships/{a.pk}/activities?limit=50")
    assert listed.json()["count"] == Activity.objects.filter(apprenticeship=a).count()
    with django_assert_max_num_queries(10):
        listed = zhao.get(f"{API}/apprenticeships?limit=50")
    assert listed.json()["items"][0]["plan_status"] == "agreed"


def test_the_api_keeps_outsiders_out(world, client_for):
    a = apprenticeship_for(world)
    plan_for(world, a)
    assert client_for("guo").get(f"{API}/apprenticeships/{a.pk}/progress").status_code == 404
    assert client_for("chen").get(f"{API}/apprenticeships/{a.pk}/progress").status_code == 403
    forbidden = client_for("zhang").post(
        f"{API}/apprenticeships/{a.pk}/activities",
        {
            "kind": "lecture",
            "category": "theory",
            "date": timezone.localdate().isoformat(),
            "hours": "2",
            "topic": "讲座",
        },
    )
    assert forbidden.status_code == 403 and not Activity.objects.exists()
