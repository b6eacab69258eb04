"""The two-stage review (APP-3): 王审核 at the organizing unit vets each document; 赵主任 at the
host unit approves."""

import pytest

from apprenticeships import services
from apprenticeships.models import ApprenticeApplication, Document, DocumentReview
from apprenticeships.tests.factories import a_master, all_accepted, pdf, submitted_for, vetted_for
from lib.errors import ApplicationError, ConflictError
from notifications.models import Notification
from workflow.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_wang_returns_one_document_and_liming_fixes_it_in_a_second_round(world):
    application = submitted_for(world, [a_master(world)])
    verdicts = all_accepted(application)
    degree = application.documents.get(kind=Document.DEGREE)
    verdicts[degree.pk] = ("returned", "学位证书扫描不清晰，请重新扫描")
    services.apprentice_application_vet(application=application, actor=world.wang, verdicts=verdicts, comment="请补正")
    assert application.status == "returned"
    assert Notification.objects.filter(recipient=world.liming, body__contains="学位证书扫描不清晰").exists()

    services.apprentice_document_add(
        application=application, actor=world.liming, kind=Document.DEGREE, upload=pdf("学位证书（清晰）.pdf")
    )
    services.apprentice_application_submit(application=application, actor=world.liming)
    application.refresh_from_db()
    assert (application.status, application.round) == ("submitted", 2)
    # Only the replacement is decided in round 2; the earlier file keeps its round-1 decision.
    services.apprentice_application_vet(application=application, actor=world.wang, verdicts=all_accepted(application))
    assert application.status == "vetted"
    rounds = list(DocumentReview.objects.filter(document__application=application).values_list("round", "verdict"))
    assert (1, "returned") in rounds and (2, "accepted") in rounds
    history = AuditEntry.objects.filter(
        content_type__model="apprenticeapplication",
        object_id=str(application.pk),
        action="transition",
        outcome="success",
    )
    assert [e.to_state for e in history.order_by("pk")] == ["待初审", "已退回修改", "待初审", "初审通过"]


def test_a_rejected_document_rejects_the_application_and_frees_the_master(world):
    master = a_master(world)
    application = submitted_for(world, [master])
    verdicts = all_accepted(application)
    verdicts[application.documents.get(kind=Document.QUALIFICATION).pk] = ("rejected", "证书编号查无此证")
    services.apprentice_application_vet(application=application, actor=world.wang, verdicts=verdicts)
    assert application.status == "rejected"
    assert not application.intents.get().is_open


def test_a_return_without_a_reason_is_refused_and_nothing_is_recorded(world):
    application = submitted_for(world, [a_master(world)])
    verdicts = all_accepted(application)
    verdicts[next(iter(verdicts))] = ("returned", "")
    with pytest.raises(ApplicationError, match="必须填写原因"):
        services.apprentice_application_vet(application=application, actor=world.wang, verdicts=verdicts)
    assert not DocumentReview.objects.exists()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_every_document_needs_a_verdict(world):
    application = submitted_for(world, [a_master(world)])
    verdicts = all_accepted(application)
    verdicts.pop(next(iter(verdicts)))
    with pytest.raises(ApplicationError, match="请对每一项材料给出审核结论"):
        services.apprentice_application_vet(application=application, actor=world.wang, verdicts=verdicts)


def test_the_host_unit_cannot_vet_and_the_organizing_unit_cannot_approve(world):
    from django.core.exceptions import PermissionDenied

    application = submitted_for(world, [a_master(world)])
    with pytest.raises(PermissionDenied):
        services.apprentice_application_vet(
            application=application, actor=world.zhao, verdicts=all_accepted(application)
        )
    services.apprentice_application_vet(application=application, actor=world.wang, verdicts=all_accepted(application))
    with pytest.raises(PermissionDenied):
        services.apprentice_application_approve(application=application, actor=world.wang, to="approved")


def test_an_outsider_from_another_county_does_not_see_the_application(world):
    from django.http import Http404

    application = submitted_for(world, [a_master(world)])
    with pytest.raises(Http404):
        services.apprentice_application_vet(
            application=application, actor=world.sun, verdicts=all_accepted(application)
        )


def test_zhao_approves_and_the_first_intended_master_is_proposed(world):
    master = a_master(world)
    application = vetted_for(world, [master])
    services.apprentice_application_approve(application=application, actor=world.zhao, to="approved", reason="同意")
    assert application.status == "approved"
    match = application.matches.get()
    assert (match.master, match.status) == (master, "proposed")
    assert Notification.objects.filter(recipient=master.user, title__contains="师承人推荐待您确认").exists()


def test_the_host_must_give_a_reason_to_return(world):
    application = vetted_for(world, [a_master(world)])
    with pytest.raises(ApplicationError, match="退回必须填写原因"):
        services.apprentice_application_approve(application=application, actor=world.zhao, to="returned")


def test_a_second_decision_on_the_same_application_is_refused_and_says_so(world):
    application = submitted_for(world, [a_master(world)])
    stale = ApprenticeApplication.objects.get(pk=application.pk)
    services.apprentice_application_vet(application=application, actor=world.wang, verdicts=all_accepted(application))
    with pytest.raises(ConflictError, match="已由其他人员处理，当前状态为「初审通过」"):
        services.apprentice_application_vet(application=stale, actor=world.wang, verdicts=all_accepted(stale))
    assert DocumentReview.objects.filter(document__application=application).count() == 4


def test_the_special_expertise_exemption_is_a_recorded_decision_that_lets_him_apply(world):
    from apprenticeships.tests.factories import draft_for
    from masters.models import Tier, Title

    guoyi = a_master(world, "李济仁", tier=Tier.GUOYI_DASHI)
    draft = draft_for(
        world, [guoyi], title=Title.ATTENDING, exemption_requested=True, exemption_claim="发表针灸专著三部"
    )
    assert "APP-2.1" in "".join(services.submission_problems(draft))
    with pytest.raises(ApplicationError, match="必须填写理由"):
        services.apprentice_exemption_decide(application=draft, actor=world.wang, granted=True, reason=" ")
    services.apprentice_exemption_decide(application=draft, actor=world.wang, granted=True, reason="专著三部，业内公认")
    assert draft.exemptions.get().decided_by == world.wang
    services.apprentice_application_submit(application=draft, actor=world.liming)
    assert draft.status == "submitted"
    assert Notification.objects.filter(recipient=world.liming, title__contains="豁免决定：同意").exists()
