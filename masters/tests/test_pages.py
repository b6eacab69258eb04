import datetime

import pytest
from django.urls import reverse

from masters.models import Master, MasterExemption
from masters.tests.factories import TODAY, applicant, application_for, guide_reviewer

pytestmark = pytest.mark.django_db


def _form_data(world, **extra):
    data = {
        "tier": "zhiming_traditional",
        "title": "attending",
        "specialty": "中医内科",
        "clinical_since": "2000",
        "birth_date": "1970-06-01",
        "organization": str(world.city_tcm.pk),
        "region_code": "140802",
        "bio": "简介",
    }
    data.update(extra)
    return data


def test_a_master_applies_through_the_form_and_submits(client_for, world):
    c = client_for("zhang")
    response = c.post(reverse("masters:application-create"), _form_data(world))
    master = Master.objects.get(user=world.zhang)
    assert response.status_code == 302 and master.status == Master.Status.DRAFT
    page = c.get(reverse("masters:application-detail", args=[master.pk])).content.decode()
    assert "具有十年以上的临床经验" in page and "符合" in page
    c.post(reverse("masters:application-submit", args=[master.pk]))
    master.refresh_from_db()
    assert master.status == Master.Status.SUBMITTED


def test_the_form_refuses_an_unknown_region(client_for, world):
    response = client_for("zhang").post(reverse("masters:application-create"), _form_data(world, region_code="000000"))
    assert response.status_code == 200 and "区划代码「000000」不存在" in response.content.decode()
    assert not Master.objects.exists()


def test_a_failing_submission_names_the_clause_on_the_page(client_for, world):
    master = application_for(world, birth_date=datetime.date(1995, 1, 1))
    c = client_for("zhang")
    response = c.post(reverse("masters:application-submit", args=[master.pk]), follow=True)
    assert "MST-2.3" in response.content.decode() and "年龄在 40 岁以上" in response.content.decode()


def test_the_reviewer_records_an_exemption_on_the_page(client_for, world):
    master = application_for(
        world, birth_date=datetime.date(1995, 1, 1), exemption_requested=True, exemption_claim="特殊贡献"
    )
    c = client_for("wang")
    assert "记录决定" in c.get(reverse("masters:application-detail", args=[master.pk])).content.decode()
    c.post(reverse("masters:exemption-decide", args=[master.pk]), {"granted": "1", "reason": "获国家级奖励"})
    assert MasterExemption.objects.get(master=master).reason == "获国家级奖励"


def test_each_unit_sees_its_stage_with_the_buttons_of_the_transition_table(
    client_for, world, django_assert_max_num_queries
):
    for n in range(4):
        m = application_for(world, applicant(world, f"陈{n}"))
        from masters import services

        services.master_application_submit(master=m, actor=m.user, today=TODAY)
    c = client_for("wang")
    # Bounded however many rows: the buttons are the first row's moves (one check against the
    # record, workflow.moves), which every row of the stage shares.
    with django_assert_max_num_queries(10):
        response = c.get(reverse("masters:review-queue"))
    body = response.content.decode()
    assert len(response.context["page"]) == 4
    assert [m.to for m in response.context["moves"]] == ["reviewed", "returned", "rejected"]
    assert "审核通过" in body and "确定入选" not in body
    # The host unit's queue is the next stage, still empty.
    response = client_for("zhao").get(reverse("masters:review-queue"))
    assert response.context["current"][0] == "reviewed" and len(response.context["page"]) == 0


def test_the_queue_moves_an_application_on_and_comes_back(client_for, world):
    master = application_for(world)
    from masters import services

    services.master_application_submit(master=master, actor=world.zhang, today=TODAY)
    response = client_for("wang").post(
        reverse("masters:application-advance", args=[master.pk]), {"to": "reviewed", "reason": "", "next": "queue"}
    )
    assert response.status_code == 302 and response.url.endswith("?stage=submitted")
    master.refresh_from_db()
    assert master.status == Master.Status.REVIEWED


def test_the_queue_is_forbidden_without_a_reviewing_role(client_for, world):
    assert client_for("zhang").get(reverse("masters:review-queue")).status_code == 403


def test_another_units_application_is_not_found_and_a_wrong_role_is_forbidden(client_for, world):
    master = application_for(world)
    assert client_for("zhou").get(reverse("masters:application-detail", args=[master.pk])).status_code == 404
    # A guiding-unit reviewer does not see drafts; once submitted, sees it but may not review it.
    g = client_for("zhang")
    g.force_login(guide_reviewer(world))
    assert g.get(reverse("masters:application-detail", args=[master.pk])).status_code == 404
    from masters import services

    services.master_application_submit(master=master, actor=world.zhang, today=TODAY)
    assert g.get(reverse("masters:application-detail", args=[master.pk])).status_code == 200
    g.post(reverse("masters:application-advance", args=[master.pk]), {"to": "reviewed"})
    master.refresh_from_db()
    assert master.status == Master.Status.SUBMITTED
