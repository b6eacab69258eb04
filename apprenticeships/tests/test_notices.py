"""Each arrival of an application, a match or an apprenticeship tells the people its model's NOTIFY
map names — once each, never the person who made the move."""

import pytest
from django.core.exceptions import PermissionDenied

from apprenticeships import services
from apprenticeships.models import ApprenticeApplication, Match
from apprenticeships.tests.factories import (
    a_master,
    all_accepted,
    approved_for,
    draft_for,
    live_match,
    signed_for,
    submitted_for,
    vetted_for,
    zhang_master,
)
from notifications.models import Notification

pytestmark = pytest.mark.django_db


class Told:
    """The notices written by what happens inside the block, as (recipient, title) pairs."""

    def __enter__(self):
        self.before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return self

    def __exit__(self, *exc):
        self.rows = list(Notification.objects.filter(pk__gt=self.before).select_related("recipient").order_by("pk"))

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [(n.recipient.username, n.title) for n in self.rows]

    def body_for(self, username: str) -> str:
        return next(n.body for n in self.rows if n.recipient.username == username)


def test_a_submitted_application_tells_the_organizing_reviewers_once(world):
    application = draft_for(world, [a_master(world)])
    with Told() as told:
        services.apprentice_application_submit(application=application, actor=world.liming)
    assert told.pairs == [("wang", "师承申请待初审：李明")]
    assert "第 1 轮审核" in told.body_for("wang")
    assert told.rows[0].url == f"/apprenticeships/applications/{application.pk}/"


def test_a_resubmitted_application_says_so_and_opens_the_next_round(world):
    application = vetted_for(world, [a_master(world)])
    services.apprentice_application_approve(
        application=application, actor=world.zhao, to="returned", reason="请补充单位意见"
    )
    with Told() as told:
        services.apprentice_application_submit(application=application, actor=world.liming)
    assert told.pairs == [("wang", "师承申请待初审：李明")]
    assert told.body_for("wang").startswith("重新提交师承申请，第 2 轮审核")


def test_a_vetted_application_tells_the_host_unit_and_the_applicant(world):
    application = submitted_for(world, [a_master(world)])
    with Told() as told:
        services.apprentice_application_vet(
            application=application, actor=world.wang, verdicts=all_accepted(application)
        )
    assert told.pairs == [("zhao", "师承申请待审核确定：李明"), ("liming", "您的师承申请初审通过")]


def test_a_returned_application_tells_the_applicant_with_every_reason(world):
    application = submitted_for(world, [a_master(world)])
    verdicts = all_accepted(application)
    verdicts[next(iter(verdicts))] = ("returned", "简历缺少工作经历")
    with Told() as told:
        services.apprentice_application_vet(
            application=application, actor=world.wang, verdicts=verdicts, comment="请补正"
        )
    assert told.pairs == [("liming", "您的师承申请已退回修改")]
    assert "简历缺少工作经历" in told.body_for("liming") and "请补正" in told.body_for("liming")


def test_a_rejected_application_tells_the_applicant(world):
    application = vetted_for(world, [a_master(world)])
    with Told() as told:
        services.apprentice_application_approve(
            application=application, actor=world.zhao, to="rejected", reason="学历证书与学信网记录不符"
        )
    assert told.pairs == [("liming", "您的师承申请未通过")]
    assert told.body_for("liming") == "学历证书与学信网记录不符"


def test_an_application_returned_by_the_host_unit_tells_the_applicant(world):
    application = vetted_for(world, [a_master(world)])
    with Told() as told:
        services.apprentice_application_approve(
            application=application, actor=world.zhao, to="returned", reason="请补充单位意见"
        )
    assert told.pairs == [("liming", "您的师承申请已退回修改")]


def test_an_approval_tells_the_applicant_and_the_proposal_tells_the_master(world):
    master = zhang_master(world)
    application = vetted_for(world, [master])
    with Told() as told:
        services.apprentice_application_approve(application=application, actor=world.zhao, to="approved")
    assert told.pairs == [
        ("zhang", "师承人推荐待您确认：李明"),
        ("liming", "已将您推荐给传承人张医生"),
        ("liming", "您的师承申请已审核通过，您已取得师承人资格"),
    ]


def test_a_withdrawn_draft_tells_nobody(world):
    application = draft_for(world, [a_master(world)])
    with Told() as told:
        services.apprentice_application_withdraw(application=application, actor=world.liming)
    assert told.pairs == []


def test_an_accepted_match_tells_the_applicant_that_the_contract_waits(world):
    match = live_match(approved_for(world, [zhang_master(world)]))
    with Told() as told:
        services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    # 张医生 made the move: he is not told of it.
    assert told.pairs == [("liming", "师承关系合同书待签署：张医生 — 李明")]


def test_a_declined_match_tells_the_applicant_and_those_who_propose_the_next_master(world):
    match = live_match(approved_for(world, [zhang_master(world)]))
    with Told() as told:
        services.apprentice_match_decide(match=match, actor=world.zhang, accept=False, reason="本年度名额已安排")
    assert told.pairs == [
        ("liming", "传承人张医生谢绝了本次推荐"),
        ("wang", "请为师承人重新推荐传承人：李明"),
        ("zhao", "请为师承人重新推荐传承人：李明"),
    ]
    assert told.body_for("liming") == (
        "原因：本年度名额已安排。承办单位将为您推荐其他传承人，您也可以在申请页面更改意向传承人。"
    )
    assert told.body_for("wang") == "张医生谢绝：本年度名额已安排"


def test_the_first_signature_asks_the_other_party_and_the_second_tells_both_and_the_host_unit(world):
    match = live_match(approved_for(world, [zhang_master(world)]))
    services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    with Told() as first:
        services.apprentice_contract_sign(match=match, actor=world.liming)
    assert [p[0] for p in first.pairs] == ["zhang"] and "对方已签署" in first.pairs[0][1]
    with Told() as second:
        services.apprentice_contract_sign(match=match, actor=world.zhang)
    # The match's arrival in 已签约 and the application's in 已签约 are one moment: one notice each.
    assert sorted(second.pairs) == [
        ("liming", "师徒关系已建立：张医生 — 李明"),
        ("zhao", "师徒关系已建立：张医生 — 李明"),
    ]
    apprenticeship = match.apprenticeship
    assert f"{apprenticeship.starts_on:%Y-%m-%d} 至 {apprenticeship.ends_on:%Y-%m-%d}" in second.body_for("liming")
    assert second.rows[0].url == f"/apprenticeships/matches/{match.pk}/"


def test_a_cancelled_proposal_tells_both_parties(world):
    match = live_match(approved_for(world, [zhang_master(world)]))
    with Told() as told:
        services.apprentice_match_cancel(match=match, actor=world.wang, reason="申请人改变师承方向")
    assert told.pairs == [
        ("liming", "师徒匹配已取消：张医生 — 李明"),
        ("zhang", "师徒匹配已取消：张医生 — 李明"),
    ]
    assert Match.objects.get(pk=match.pk).status == "cancelled"
    assert ApprenticeApplication.objects.get(pk=match.application_id).status == "approved"


def test_a_terminated_apprenticeship_tells_the_apprentice_and_the_master_the_reason(world):
    apprenticeship = signed_for(world).apprenticeship
    with Told() as told:
        services.apprenticeship_terminate(
            apprenticeship=apprenticeship, actor=world.zhao, reason="师承人调离原单位，无法继续跟师"
        )
    title = f"师承关系已终止：{apprenticeship}"
    assert told.pairs == [("liming", title), ("zhang", title)]
    assert told.body_for("liming") == "终止原因：师承人调离原单位，无法继续跟师"
    assert told.rows[0].url == f"/apprenticeships/relationships/{apprenticeship.pk}/"


def test_a_refused_move_tells_nobody(world):
    application = submitted_for(world, [a_master(world)])
    with Told() as told, pytest.raises(PermissionDenied):
        services.apprentice_application_vet(
            application=application, actor=world.zhao, verdicts=all_accepted(application)
        )
    assert told.pairs == []


def test_graduation_tells_the_master_and_the_graduate_hears_once_from_the_certificate(world):
    from teaching.services import graduation_certificate_issue
    from teaching.tests.factories import ready_to_graduate

    apprenticeship = ready_to_graduate(world)
    with Told() as told:
        certificate = graduation_certificate_issue(apprenticeship=apprenticeship, actor=world.zhao)
    assert [p for p in told.pairs if p[0] == "zhang"] == [("zhang", f"师承关系已结业：{apprenticeship}")]
    assert [p[0] for p in told.pairs if p[0] == "liming"] == ["liming"]
    assert certificate.number in next(n.title for n in told.rows if n.recipient == world.liming)
