"""Opening evaluations for accepted techniques, singly or in batches (issue 5 §2)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from chuancheng.test import declaration_for
from evaluations import services
from evaluations.models import Evaluation, GradeScale
from evaluations.tests.factories import accepted_technique, default_rubric, open_evaluation
from lib.errors import ApplicationError
from notifications.models import Notification
from workflow.models import AuditEntry


def _open(world, techniques, **overrides):
    values = dict(
        actor=world.yang,
        techniques=techniques,
        rubric=default_rubric(),
        deadline=timezone.now() + timedelta(days=14),
        tcm_count=3,
        western_count=2,
    )
    values.update(overrides)
    return services.evaluation_open(**values)


def test_yang_opens_a_batch_of_two_accepted_techniques(world):
    first = accepted_technique(world)
    second = accepted_technique(world, "郭氏艾灸治疗腹痛")
    opened = _open(world, [first, second], title="2026年第一批价值评估")
    assert [e.technique for e in opened] == [first, second]
    assert {e.batch_id for e in opened} == {opened[0].batch_id}
    assert all(e.status == Evaluation.Status.ASSIGNING and e.organization == world.city_health for e in opened)
    assert opened[0].disagreement_spread == default_rubric().disagreement_spread
    assert AuditEntry.objects.filter(action="create", content_type__model="evaluation").count() == 2
    # 郭秀兰 hears that her techniques are being evaluated.
    assert Notification.objects.filter(recipient=world.guo, title__contains="已进入价值评估").count() == 2


def test_it_refuses_a_technique_not_yet_accepted(world):
    draft = declaration_for(world.guo)
    with pytest.raises(ApplicationError) as excinfo:
        _open(world, [draft])
    assert "只有已入库的技术才能评估" in excinfo.value.message
    assert not Evaluation.objects.exists()


def test_it_refuses_a_technique_already_under_evaluation(world):
    evaluation = open_evaluation(world)
    with pytest.raises(ApplicationError) as excinfo:
        _open(world, [evaluation.technique])
    assert "已在评估中" in excinfo.value.message
    assert Evaluation.objects.count() == 1


@pytest.mark.parametrize(
    ("tcm", "western", "message"),
    [(1, 1, "3 至 15 人"), (10, 6, "3 至 15 人"), (0, 3, "至少需要 1 名中医专家")],
)
def test_it_refuses_a_panel_of_the_wrong_size(world, tcm, western, message):
    technique = accepted_technique(world)
    with pytest.raises(ApplicationError) as excinfo:
        _open(world, [technique], tcm_count=tcm, western_count=western)
    assert message in excinfo.value.message
    assert not Evaluation.objects.exists()


def test_it_refuses_a_deadline_in_the_past(world):
    technique = accepted_technique(world)
    with pytest.raises(ApplicationError) as excinfo:
        _open(world, [technique], deadline=timezone.now() - timedelta(minutes=1))
    assert excinfo.value.field == "deadline"


def test_county_staff_may_not_open_an_evaluation(world):
    technique = accepted_technique(world)
    with pytest.raises(PermissionDenied):
        _open(world, [technique], actor=world.sun)


def test_the_opening_page_opens_a_single_technique(world, client_for):
    technique = accepted_technique(world)
    client = client_for("yang")
    page = client.get("/evaluations/open/")
    assert technique.name in page.content.decode()
    deadline = (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/evaluations/open/",
        {
            "techniques": [technique.pk],
            "rubric": default_rubric().pk,
            "grade_scale": GradeScale.objects.get().pk,
            "tcm_count": 3,
            "western_count": 2,
            "deadline": deadline,
        },
    )
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302 and response.url == f"/evaluations/{evaluation.pk}/"


def test_the_opening_page_names_the_rule_broken(world, client_for):
    technique = accepted_technique(world)
    response = client_for("yang").post(
        "/evaluations/open/",
        {
            "techniques": [technique.pk],
            "tcm_count": 1,
            "western_count": 0,
            "deadline": "2030-01-01T09:00",
            "rubric": default_rubric().pk,
            "grade_scale": GradeScale.objects.get().pk,
        },
    )
    assert response.status_code == 200
    assert "专家组人数须在 3 至 15 人之间" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_an_evaluation_carries_its_techniques_region_and_is_scoped_by_it(world, client_for):
    from accounts.permissions import scope

    technique = accepted_technique(world, "盐湖推拿疗法")  # 中城街道, 盐湖区
    opened = _open(world, [technique])
    assert opened[0].region == technique.region == world.township_centre.region
    # 孙科员 of 盐湖区 sees it and the dashboard counts it; 周科员 of 永济市 sees neither.
    assert list(scope(world.sun, "evaluation.view", Evaluation.objects.all())) == opened
    assert not scope(world.zhou, "evaluation.view", Evaluation.objects.all()).exists()
    assert client_for("sun").get("/evaluations/dashboard/").context["figures"]["total"] == 1
    assert client_for("zhou").get("/evaluations/dashboard/").context["figures"]["total"] == 0
