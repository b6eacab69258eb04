"""Graduation comes at the term's end (issue 12 §6; 000 §三(五), §四(五)): materials cannot be
submitted before it, unless the host unit — which made the plan with the master (000 §四(四)) —
allows it, with a reason that is recorded and audited."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from lib.errors import ApplicationError, ConflictError
from notifications.models import Notification
from teaching import services
from teaching.models import Graduation
from teaching.tests.factories import apprenticeship_for, materials_for, plan_for, term_ending_today
from workflow.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def early(world):
    """李明, four months into a one-year term, with every kind of material in."""
    a = apprenticeship_for(world, days_ago=120)
    plan_for(world, a)
    materials_for(world, a)
    return a


def test_materials_cannot_be_submitted_before_the_terms_end(world, early):
    with pytest.raises(ConflictError) as exc:
        services.graduation_submit(apprenticeship=early, actor=world.liming)
    assert f"师承期限至 {early.ends_on:%Y-%m-%d} 届满" in exc.value.message and "主办单位批准" in exc.value.message
    assert Graduation.objects.get(apprenticeship=early).status == Graduation.Status.DRAFT


def test_the_page_says_when_and_refuses_the_forged_submission(world, early, client_for):
    liming = client_for("liming")
    url = reverse("teaching:graduation", args=[early.pk])
    page = liming.get(url).content.decode()
    assert 'id="term-end"' in page and f"{early.ends_on:%Y-%m-%d}" in page
    assert 'id="early-form"' not in page
    response = liming.post(reverse("teaching:graduation-submit", args=[early.pk]), HTTP_REFERER=url, follow=True)
    assert "届满前不能提交结业材料" in response.content.decode()
    assert Graduation.objects.get(apprenticeship=early).status == Graduation.Status.DRAFT


def test_on_the_last_day_of_the_term_the_materials_go_in(world):
    a = term_ending_today(world)
    assert a.ends_on == timezone.localdate()
    plan_for(world, a)
    materials_for(world, a)
    assert services.graduation_submit(apprenticeship=a, actor=world.liming).status == Graduation.Status.SUBMITTED


def test_the_host_unit_allows_early_submission_with_a_reason_that_is_audited(world, early, client_for):
    zhao = client_for("zhao")
    url = reverse("teaching:graduation", args=[early.pk])
    assert 'id="early-form"' in zhao.get(url).content.decode()
    zhao.post(reverse("teaching:graduation-early", args=[early.pk]), {"reason": ""}, HTTP_REFERER=url)
    assert Graduation.objects.get(apprenticeship=early).early_allowed_at is None
    reason = "传承计划约定的学习内容已全部完成，传承人将赴外地援建一年"
    zhao.post(reverse("teaching:graduation-early", args=[early.pk]), {"reason": reason}, HTTP_REFERER=url)
    graduation = Graduation.objects.get(apprenticeship=early)
    assert graduation.early_reason == reason and graduation.early_allowed_by == world.zhao
    entry = AuditEntry.objects.get(to_state="批准提前提交结业材料")
    assert entry.actor == world.zhao and reason in entry.reason and "000 §四(四)" in entry.reason
    told = set(
        Notification.objects.filter(title__contains="批准提前提交").values_list("recipient__username", flat=True)
    )
    assert told == {"liming", "zhang"}
    page = client_for("liming").get(url).content.decode()
    assert 'id="early-allowed"' in page and reason in page and 'id="term-end"' not in page
    assert services.graduation_submit(apprenticeship=early, actor=world.liming).status == Graduation.Status.SUBMITTED


def test_only_the_host_unit_allows_it_and_only_once_and_only_before_the_end(world, early):
    for person in (world.liming, world.zhang, world.wang):
        with pytest.raises(PermissionDenied):
            services.graduation_early_allow(apprenticeship=early, actor=person, reason="理由")
    with pytest.raises(Http404):
        services.graduation_early_allow(apprenticeship=early, actor=world.guo, reason="理由")
    with pytest.raises(ApplicationError) as exc:
        services.graduation_early_allow(apprenticeship=early, actor=world.zhao, reason="  ")
    assert exc.value.field == "reason"
    services.graduation_early_allow(apprenticeship=early, actor=world.zhao, reason="学习内容已提前完成")
    with pytest.raises(ConflictError, match="已批准"):
        services.graduation_early_allow(apprenticeship=early, actor=world.zhao, reason="再次")
    past = apprenticeship_for(world, days_ago=400)
    assert past.ends_on < timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(ConflictError, match="无需批准"):
        services.graduation_early_allow(apprenticeship=past, actor=world.zhao, reason="理由")
