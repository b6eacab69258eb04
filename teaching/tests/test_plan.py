import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from lib.errors import ApplicationError, ConflictError
from notifications.models import Notification
from teaching import services
from teaching.models import TeachingPlan
from teaching.tests.factories import PLAN_TEXT, apprenticeship_for, log, plan_for
from workflow.models import AuditEntry

pytestmark = pytest.mark.django_db
ONE_YEAR = {"theory": 48, "case_analysis": 24, "self_study": 72, "reflection": 36}


def test_zhang_drafts_the_plan_and_the_host_unit_agrees_it(world):
    a = apprenticeship_for(world)
    plan = services.plan_save(apprenticeship=a, actor=world.zhang, planned=ONE_YEAR, **PLAN_TEXT)
    assert plan.status == TeachingPlan.Status.DRAFT
    services.plan_submit(plan=plan, actor=world.zhang)
    assert Notification.objects.filter(recipient=world.zhao, title__contains="请确认传承计划").exists()
    services.plan_decide(plan=plan, actor=world.zhao, agree=True)
    plan.refresh_from_db()
    assert plan.status == TeachingPlan.Status.AGREED and plan.agreed_by == world.zhao
    states = list(
        AuditEntry.objects.filter(content_type__model="teachingplan", object_id=str(plan.pk))
        .order_by("pk")
        .values_list("to_state", flat=True)
    )
    assert states == ["草稿", "待主办单位确认", "已确认"]
    assert Notification.objects.filter(recipient=world.liming, title__contains="传承计划已确认").exists()


def test_planned_hours_below_the_quota_are_refused_naming_the_category_and_clause(world):
    a = apprenticeship_for(world)
    with pytest.raises(ApplicationError) as exc:
        services.plan_save(apprenticeship=a, actor=world.zhang, planned={**ONE_YEAR, "theory": 40}, **PLAN_TEXT)
    assert exc.value.field == "planned_theory"
    assert "理论课程计划课时" in exc.value.message and "48" in exc.value.message and "000 §三(五)" in exc.value.message
    assert not TeachingPlan.objects.exists()


def test_only_the_master_drafts_the_plan(world):
    a = apprenticeship_for(world)
    with pytest.raises(PermissionDenied):
        services.plan_save(apprenticeship=a, actor=world.liming, planned=ONE_YEAR, **PLAN_TEXT)
    with pytest.raises(Http404):
        services.plan_save(apprenticeship=a, actor=world.guo, planned=ONE_YEAR, **PLAN_TEXT)


def test_returning_a_plan_needs_a_reason_and_it_goes_back_to_draft(world):
    a = apprenticeship_for(world)
    plan = plan_for(world, a, agreed=False)
    services.plan_submit(plan=plan, actor=world.zhang)
    with pytest.raises(ApplicationError):
        services.plan_decide(plan=plan, actor=world.zhao, agree=False)
    services.plan_decide(plan=plan, actor=world.zhao, agree=False, reason="请补充随诊安排")
    plan.refresh_from_db()
    assert plan.status == TeachingPlan.Status.DRAFT


def test_the_master_cannot_agree_his_own_plan(world):
    a = apprenticeship_for(world)
    plan = plan_for(world, a, agreed=False)
    services.plan_submit(plan=plan, actor=world.zhang)
    with pytest.raises(PermissionDenied):
        services.plan_decide(plan=plan, actor=world.zhang, agree=True)


def test_an_agreed_plan_cannot_be_edited(world):
    a = apprenticeship_for(world)
    plan_for(world, a)
    with pytest.raises(ConflictError):
        services.plan_save(apprenticeship=a, actor=world.zhang, planned=ONE_YEAR, **PLAN_TEXT)


def test_no_hours_are_logged_before_the_plan_is_agreed(world):
    a = apprenticeship_for(world)
    plan_for(world, a, agreed=False)
    with pytest.raises(ConflictError) as exc:
        log(world, a)
    assert "传承计划" in exc.value.message
