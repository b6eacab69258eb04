"""The buttons of the application's and the match's pages, and the one move endpoint behind them
(workflow:move): the right person moves the record; others are refused and nothing changes."""

import pytest

from apprenticeships.models import ApprenticeApplication, Match
from apprenticeships.tests.factories import (
    a_master,
    approved_for,
    draft_for,
    live_match,
    submitted_for,
    vetted_for,
    zhang_master,
)
from workflow.models import AuditEntry
from workflow.services import moves

pytestmark = pytest.mark.django_db


def move_url(obj) -> str:
    return f"/audit/move/{obj._meta.app_label}.{obj._meta.model_name}/{obj.pk}/"


def transitions(obj, **filters):
    return AuditEntry.objects.filter(
        content_type__model=obj._meta.model_name, object_id=str(obj.pk), action="transition", **filters
    )


def status_of(obj) -> str:
    return type(obj).objects.values_list("status", flat=True).get(pk=obj.pk)


# --- the application --------------------------------------------------------------------------------


def test_the_applicant_submits_his_draft_with_the_button(world, client_for):
    application = draft_for(world, [a_master(world)])
    assert [(m.to, m.button) for m in moves(application, world.liming)] == [
        ("submitted", "提交申请"),
        ("withdrawn", "撤回申请"),
    ]
    url = f"/apprenticeships/applications/{application.pk}/"
    assert 'data-moves="submitted withdrawn ' in client_for("liming").get(url).content.decode()
    response = client_for("liming").post(move_url(application), {"to": "submitted", "expect": "draft", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    application.refresh_from_db()
    assert (application.status, application.round) == ("submitted", 1)
    assert transitions(application, outcome="success", to_state="待初审", actor=world.liming).exists()


def test_submitting_an_incomplete_draft_shows_what_is_missing(world, client_for):
    application = draft_for(world, [a_master(world)], documents=False)
    url = f"/apprenticeships/applications/{application.pk}/"
    response = client_for("liming").post(
        move_url(application), {"to": "submitted", "expect": "draft", "next": url}, follow=True
    )
    assert "缺少材料「报名信息表（含个人简历）」" in response.content.decode()
    assert status_of(application) == "draft"


def test_the_host_unit_decides_with_the_buttons(world, client_for):
    application = vetted_for(world, [a_master(world)])
    assert [(m.to, m.button, m.reason_required) for m in moves(application, world.zhao)] == [
        ("approved", "审核通过", False),
        ("returned", "退回修改", True),
        ("rejected", "不予通过", True),
    ]
    response = client_for("zhao").post(
        move_url(application), {"to": "returned", "expect": "vetted", "reason": "请补充单位推荐意见"}
    )
    assert response.status_code == 302
    assert status_of(application) == "returned"
    assert transitions(application, outcome="success", to_state="已退回修改", reason="请补充单位推荐意见").exists()


def test_vetting_is_a_link_to_the_verdicts_form_not_a_button(world, client_for):
    application = submitted_for(world, [a_master(world)])
    here = f"/apprenticeships/applications/{application.pk}/"
    assert {m.to: m.page_url for m in moves(application, world.wang)} == dict.fromkeys(
        ("vetted", "returned", "rejected"), here + "#vet-form"
    )
    # A forged post of the vetting move without a verdict per document is refused.
    response = client_for("wang").post(move_url(application), {"to": "returned", "expect": "submitted", "reason": "x"})
    assert response.status_code == 400
    assert status_of(application) == "submitted"
    assert not transitions(application, to_state="已退回修改").exists()


@pytest.mark.parametrize(("persona", "status"), [("sun", 404), ("guo", 404), ("zhou", 403), ("wang", 403)])
def test_people_without_the_host_units_act_cannot_decide(world, client_for, persona, status):
    # 孙科员 (盐湖区) does not reach an application from 永济市; 周科员 (永济市) and 王审核 (the
    # organizing unit) reach it but may not decide for the host unit.
    application = vetted_for(world, [a_master(world)])
    response = client_for(persona).post(move_url(application), {"to": "approved", "expect": "vetted"})
    assert response.status_code == status
    assert status_of(application) == "vetted"


def test_a_stale_host_decision_is_told_someone_else_decided(world, client_for):
    application = vetted_for(world, [a_master(world)])
    url = f"/apprenticeships/applications/{application.pk}/"
    zhao = client_for("zhao")
    zhao.post(move_url(application), {"to": "rejected", "expect": "vetted", "reason": "证书系伪造"})
    response = zhao.post(move_url(application), {"to": "approved", "expect": "vetted", "next": url}, follow=True)
    assert "已由其他人员处理" in response.content.decode()
    assert status_of(application) == "rejected"


@pytest.mark.parametrize("forged", ["contracted", "vetted", "published", ""])
def test_a_forged_target_on_an_application_is_refused(world, client_for, forged):
    application = vetted_for(world, [a_master(world)])
    response = client_for("zhao").post(move_url(application), {"to": forged, "expect": "vetted", "reason": "x"})
    assert response.status_code in (400, 409)
    assert status_of(application) == "vetted"


def test_the_old_submit_url_still_works(world, client_for):
    application = draft_for(world, [a_master(world)])
    response = client_for("liming").post(f"/apprenticeships/applications/{application.pk}/submit/")
    assert response.status_code == 302
    assert status_of(application) == "submitted"


# --- the match --------------------------------------------------------------------------------------


def test_the_master_accepts_with_the_button(world, client_for):
    match = live_match(approved_for(world, [zhang_master(world)]))
    assert [(m.to, m.button) for m in moves(match, world.zhang)] == [
        ("accepted", "接受为师承人"),
        ("declined", "谢绝"),
    ]
    url = f"/apprenticeships/matches/{match.pk}/"
    response = client_for("zhang").post(move_url(match), {"to": "accepted", "expect": "proposed", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    match.refresh_from_db()
    assert match.status == "accepted" and match.contract_number.startswith("HT-") and match.contract
    assert transitions(match, outcome="success", to_state="已接受，待签约", actor=world.zhang).exists()


def test_the_applicant_follows_his_proposal_but_has_no_button_on_it(world, client_for):
    match = live_match(approved_for(world, [zhang_master(world)]))
    assert moves(match, world.liming) == []
    page = client_for("liming").get(f"/apprenticeships/matches/{match.pk}/")
    assert page.status_code == 200 and "workflow-moves" not in page.content.decode()
    assert client_for("liming").get(f"/api/v1/apprentice-matches/{match.pk}").status_code == 200
    response = client_for("liming").post(move_url(match), {"to": "accepted", "expect": "proposed"})
    assert response.status_code == 403
    assert status_of(match) == "proposed"


@pytest.mark.parametrize(("persona", "status"), [("sun", 404), ("guo", 404), ("zhou", 403), ("liming", 403)])
def test_nobody_but_the_master_accepts(world, client_for, persona, status):
    match = live_match(approved_for(world, [zhang_master(world)]))
    response = client_for(persona).post(move_url(match), {"to": "accepted", "expect": "proposed"})
    assert response.status_code == status
    assert status_of(match) == "proposed"


def test_a_decline_without_a_reason_is_refused_with_the_rule(world, client_for):
    match = live_match(approved_for(world, [zhang_master(world)]))
    url = f"/apprenticeships/matches/{match.pk}/"
    response = client_for("zhang").post(
        move_url(match), {"to": "declined", "expect": "proposed", "next": url}, follow=True
    )
    assert "谢绝时必须填写原因" in response.content.decode()
    assert status_of(match) == "proposed"


def test_a_stale_decision_on_a_proposal_is_told_someone_else_decided(world, client_for):
    match = live_match(approved_for(world, [zhang_master(world)]))
    zhang = client_for("zhang")
    zhang.post(move_url(match), {"to": "accepted", "expect": "proposed"})
    response = zhang.post(move_url(match), {"to": "declined", "expect": "proposed", "reason": "改变主意"})
    assert response.status_code == 409 and "已由其他人员处理" in response.content.decode()
    assert status_of(match) == "accepted"


def test_signing_is_a_link_to_the_sign_form_and_cannot_be_posted_as_a_move(world, client_for):
    from apprenticeships import services

    match = live_match(approved_for(world, [zhang_master(world)]))
    services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    signing = [m for m in moves(match, world.liming) if m.to == "signed"]
    assert [m.page_url for m in signing] == [f"/apprenticeships/matches/{match.pk}/#sign-form"]
    response = client_for("liming").post(move_url(match), {"to": "signed", "expect": "accepted"})
    assert response.status_code == 400
    assert status_of(match) == "accepted" and not match.signatures.exists()


def test_the_organizing_unit_cancels_a_proposal_with_a_reason(world, client_for):
    application = approved_for(world, [zhang_master(world)])
    match = live_match(application)
    assert [(m.to, m.reason_required) for m in moves(match, world.wang)] == [("cancelled", True)]
    response = client_for("wang").post(
        move_url(match), {"to": "cancelled", "expect": "proposed", "reason": "申请人改变师承方向"}
    )
    assert response.status_code == 302
    assert status_of(match) == "cancelled" and status_of(application) == "approved"
    assert not Match.objects.filter(application=application, status__in=["proposed", "accepted"]).exists()
    assert ApprenticeApplication.objects.get(pk=application.pk).is_open


def test_a_master_who_declined_has_no_more_to_do_with_the_application(world, client_for):
    from apprenticeships import services

    application = approved_for(world, [zhang_master(world), a_master(world)])
    match = live_match(application)
    declined_by = match.master.user
    services.apprentice_match_decide(match=match, actor=declined_by, accept=False, reason="名额已满")
    other = next(m for m in application.masters.all() if m.user_id != declined_by.pk)
    services.apprentice_match_propose(application=application, master=other, actor=world.zhao)
    application.refresh_from_db()
    # No contract link that would lead to the colleague's match (a 404), and no page at all.
    assert moves(application, declined_by) == []
    assert client_for_user(declined_by).get(f"/apprenticeships/applications/{application.pk}/").status_code == 404
    # The colleague to whom it is now proposed reaches it.
    assert client_for_user(other.user).get(f"/apprenticeships/applications/{application.pk}/").status_code == 200


def client_for_user(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c
