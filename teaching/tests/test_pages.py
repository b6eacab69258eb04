import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apprenticeships.models import Apprenticeship
from teaching.models import Activity, Graduation
from teaching.quotas import Category
from teaching.tests.factories import (
    apprenticeship_for,
    fill_quotas,
    log,
    materials_for,
    plan_for,
    ready_to_graduate,
    term_ending_today,
)
from workflow.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def learning(world):
    a = apprenticeship_for(world, term="half_year")
    plan_for(world, a)
    return a


def test_zhang_drafts_and_submits_the_plan_on_the_page(world, client_for):
    a = apprenticeship_for(world)
    c = client_for("zhang")
    page = c.get(reverse("teaching:plan", args=[a.pk])).content.decode()
    assert "理论课程计划课时" in page and 'value="48"' in page
    data = {
        "objectives": "掌握醒脑开窍针法",
        "content": "典型病案",
        "arrangements": "每周随诊",
        "planned_theory": "30",
        "planned_case_analysis": "24",
        "planned_self_study": "72",
        "planned_reflection": "36",
    }
    response = c.post(reverse("teaching:plan", args=[a.pk]), data)
    assert response.status_code == 200 and "不能少于一年的规定课时 48" in response.content.decode()
    c.post(reverse("teaching:plan", args=[a.pk]), {**data, "planned_theory": "60"})
    c.post(reverse("teaching:plan-submit", args=[a.pk]))
    assert a.plan.__class__.objects.get(apprenticeship=a).status == "submitted"
    page = client_for("zhao").get(reverse("teaching:plan", args=[a.pk])).content.decode()
    assert "确认传承计划" in page


def test_liming_logs_hours_through_the_form_and_bad_input_names_the_field(world, client_for, learning):
    c = client_for("liming")
    url = reverse("teaching:activity-create", args=[learning.pk])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = {
        "kind": "lecture",
        "category": "theory",
        "date": tomorrow.isoformat(),
        "hours": "3",
        "topic": "中风病机讲座",
    }
    response = c.post(url, data)
    assert response.status_code == 200 and "不能登记将来的活动" in response.content.decode()
    assert not Activity.objects.exists()
    response = c.post(url, {**data, "date": timezone.localdate().isoformat()})
    assert response.status_code == 302 and Activity.objects.get().topic == "中风病机讲座"


def test_the_progress_page_shows_bars_per_category_and_what_is_missing(world, client_for, learning):
    fill_quotas(world, learning, short={Category.THEORY: 12})
    log(world, learning, category=Category.THEORY, hours="2", days_ago=30)
    page = client_for("liming").get(reverse("teaching:progress", args=[learning.pk])).content.decode()
    assert "已确认 20 / 32 课时" in page and "待确认 2" in page
    assert "理论课程还差 12 课时" in page and "结业材料尚未提交" in page
    assert "已确认 108 / 120 课时" in page


def test_a_staff_view_of_the_progress_page_is_logged_and_a_partys_is_not(world, client_for, learning):
    client_for("liming").get(reverse("teaching:progress", args=[learning.pk]))
    client_for("zhou").get(reverse("teaching:progress", args=[learning.pk]))
    views = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_PERSONAL, object_id=str(learning.pk))
    assert list(views.values_list("actor__username", flat=True)) == ["zhou"]


def test_zhang_confirms_a_batch_from_his_queue(world, client_for, learning):
    ids = [log(world, learning, days_ago=d).pk for d in (1, 2, 3)]
    c = client_for("zhang")
    page = c.get(reverse("teaching:confirm-queue")).content.decode()
    assert "确认所选课时" in page and page.count('name="activities"') == 3
    c.post(reverse("teaching:activity-batch"), {"decision": "confirm", "activities": [str(i) for i in ids[:2]]})
    assert list(Activity.objects.order_by("date").values_list("status", flat=True)) == [
        "pending",
        "confirmed",
        "confirmed",
    ]
    response = c.post(
        reverse("teaching:activity-batch"), {"decision": "confirm", "activities": [str(ids[0])]}, follow=True
    )
    assert "已由其他人员处理" in response.content.decode()


def test_the_issue_button_page_says_what_is_missing(world, client_for, learning):
    fill_quotas(world, learning, short={Category.REFLECTION: 6})
    response = client_for("zhao").post(reverse("teaching:graduation-issue", args=[learning.pk]), follow=True)
    text = response.content.decode()
    assert "撰写学习体会还差 6 课时；结业材料尚未提交" in text
    learning.refresh_from_db()
    assert learning.status == Apprenticeship.Status.ACTIVE


def test_materials_assessment_and_issue_through_the_pages(world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = term_ending_today(world, term="half_year")
    plan_for(world, a)
    fill_quotas(world, a)
    materials_for(world, a)
    client_for("liming").post(reverse("teaching:graduation-submit", args=[a.pk]))
    graduation = Graduation.objects.get(apprenticeship=a)
    assert graduation.status == "submitted"
    data = {"score": "86", "passed": "1", "comment": "准予出师"}
    for item in graduation.items.all():
        data.update({f"item-{item.pk}-score": "85", f"item-{item.pk}-passed": "1"})
    client_for("zhang").post(reverse("teaching:graduation-assess", args=[a.pk]), data)
    graduation.refresh_from_db()
    assert graduation.status == "passed" and graduation.score == 86
    response = client_for("zhao").post(reverse("teaching:graduation-issue", args=[a.pk]), follow=True)
    assert "师承证书已颁发" in response.content.decode()
    a.refresh_from_db()
    assert a.status == Apprenticeship.Status.GRADUATED


@pytest.mark.parametrize("persona", ["zhang", "zhao", "yang"])
def test_the_list_page_makes_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries, persona):
    for _ in range(3):
        a = apprenticeship_for(world)
        plan_for(world, a)
        log(world, a)
    c = client_for(persona)
    with django_assert_max_num_queries(12):
        response = c.get(reverse("teaching:list"))
    assert response.content.decode().count("progress-bar") >= 3


def test_the_progress_page_makes_a_fixed_number_of_queries(world, client_for, learning, django_assert_max_num_queries):
    fill_quotas(world, learning)
    c = client_for("liming")
    with django_assert_max_num_queries(14):
        c.get(reverse("teaching:progress", args=[learning.pk]))


def test_the_activity_pages_make_a_fixed_number_of_queries(world, client_for, learning, django_assert_max_num_queries):
    fill_quotas(world, learning)
    for d in range(1, 6):
        log(world, learning, days_ago=d + 40)
    c = client_for("zhang")
    with django_assert_max_num_queries(12):
        c.get(reverse("teaching:activity-list", args=[learning.pk]))
    with django_assert_max_num_queries(10):
        c.get(reverse("teaching:confirm-queue"))


def test_the_graduation_page_makes_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    a = ready_to_graduate(world, term="half_year")
    c = client_for("zhao")
    # 16 for the page, up to 3 for the fidelity card (the master's analysis, the cases, their herbs).
    with django_assert_max_num_queries(19):
        response = c.get(reverse("teaching:graduation", args=[a.pk]))
    assert "颁发师承证书" in response.content.decode()


def test_progress_is_one_aggregate_query(world, learning, django_assert_num_queries):
    from teaching.selectors import progress_for

    fill_quotas(world, learning)
    with django_assert_num_queries(1):
        figures = progress_for(learning)
    assert figures.complete and figures.percent == 100
