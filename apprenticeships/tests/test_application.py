"""李明 applies to learn from a certified master (APP-1)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apprenticeships import services
from apprenticeships.models import ApprenticeApplication, Document, IntendedMaster
from apprenticeships.tests.factories import PDF, a_master, draft_for, pdf
from lib.errors import ApplicationError
from masters.models import Title
from workflow.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_liming_drafts_an_application_with_his_documents(world):
    master = a_master(world)
    application = draft_for(world, [master])
    assert application.status == ApprenticeApplication.Status.DRAFT
    assert [i.master for i in application.intents.all()] == [master]
    assert {d.kind for d in services.current_documents(application)} == {"resume", "degree", "qualification", "title"}
    assert AuditEntry.objects.filter(object_id=str(application.pk), to_state="草稿").exists()


def test_a_second_open_application_to_the_same_master_is_refused(world):
    master = a_master(world)
    draft_for(world, [master], documents=False)
    with pytest.raises(ApplicationError, match="尚在办理中，不能重复申请"):
        draft_for(world, [master], documents=False)
    assert ApprenticeApplication.objects.count() == 1


def test_the_database_itself_refuses_two_open_intents_for_the_same_master(world):
    from django.db import IntegrityError, transaction

    master = a_master(world)
    first = draft_for(world, [master], documents=False)
    second = draft_for(world, [a_master(world, "薛荣昌")], documents=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        IntendedMaster.objects.create(application=second, master=master, applicant=world.liming)
    assert first.intents.count() == 1


def test_after_withdrawal_he_may_apply_to_the_same_master_again(world):
    master = a_master(world)
    first = draft_for(world, [master], documents=False)
    services.apprentice_application_withdraw(application=first, actor=world.liming)
    second = draft_for(world, [master], documents=False)
    assert second.intents.get().is_open
    assert not first.intents.get().is_open


def test_an_uncertified_master_cannot_be_chosen(world):
    from masters.tests.factories import application_for

    pending = application_for(world)
    with pytest.raises(ApplicationError, match="不是已认证的传承人"):
        draft_for(world, [pending], documents=False)


def test_a_disguised_file_is_refused_by_its_content(world):
    application = draft_for(world, [a_master(world)], documents=False)
    fake = SimpleUploadedFile("学历.pdf", b"MZ\x90\x00 this is a windows program", content_type="application/pdf")
    with pytest.raises(ApplicationError, match="学历学位证书：文件内容不是允许的类型"):
        services.apprentice_document_add(application=application, actor=world.liming, kind=Document.DEGREE, upload=fake)
    assert not application.documents.exists()


def test_an_oversize_file_is_refused_with_the_limit(world):
    application = draft_for(world, [a_master(world)], documents=False)
    big = SimpleUploadedFile("简历.pdf", PDF + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    with pytest.raises(ApplicationError, match="不能超过 10 MB"):
        services.apprentice_document_add(application=application, actor=world.liming, kind=Document.RESUME, upload=big)


def test_a_new_file_replaces_the_earlier_one_which_stays_in_the_history(world):
    application = draft_for(world, [a_master(world)])
    services.apprentice_document_add(
        application=application, actor=world.liming, kind=Document.RESUME, upload=pdf("新简历.pdf")
    )
    resumes = application.documents.filter(kind=Document.RESUME)
    assert resumes.count() == 2
    assert resumes.filter(superseded=False).get().original_name == "新简历.pdf"


def test_submission_names_missing_documents_and_failed_clauses(world):
    from masters.models import Tier

    guoyi = a_master(world, "李济仁", tier=Tier.GUOYI_DASHI)
    application = draft_for(world, [guoyi], documents=False, title=Title.ATTENDING)
    with pytest.raises(ApplicationError) as exc:
        services.apprentice_application_submit(application=application, actor=world.liming)
    assert "缺少材料「报名信息表（含个人简历）」" in exc.value.message
    assert "APP-2.1" in exc.value.message and "副主任医师" in exc.value.message
    application.refresh_from_db()
    assert application.status == "draft"


def test_only_the_applicant_may_submit(world):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    application = draft_for(world, [a_master(world)])
    with pytest.raises((PermissionDenied, Http404)):
        services.apprentice_application_submit(application=application, actor=world.wang)


def test_submission_opens_round_one_and_tells_the_organizing_reviewers(world):
    from notifications.models import Notification

    application = draft_for(world, [a_master(world)])
    services.apprentice_application_submit(application=application, actor=world.liming)
    application.refresh_from_db()
    assert (application.status, application.round) == ("submitted", 1)
    assert Notification.objects.filter(recipient=world.wang, title__contains="待初审").exists()
