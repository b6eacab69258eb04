import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.services import membership_grant
from lib.errors import ApplicationError, ConflictError
from masters import services
from masters.models import Master
from masters.tests.factories import TODAY, application_for, certified, guide_reviewer
from techniques.models import Technique
from workflow.models import AuditEntry
from workflow.services import TransitionNotAllowed

pytestmark = pytest.mark.django_db
S = Master.Status


def _submitted(world, **fields):
    master = application_for(world, **fields)
    services.master_application_submit(master=master, actor=world.zhang, today=TODAY)
    master.refresh_from_db()
    return master


def test_the_whole_path_to_certification_leaves_an_audit_row_for_each_step(world):
    technique = Technique.objects.create(
        name="张氏腹针", region=world.city_tcm.region, entered_by=world.zhang, status=Technique.Status.PUBLISHED
    )
    master = certified(world, techniques=[technique])
    assert master.status == S.CERTIFIED
    # The number is the master certificate's (certificates.services numbers them per year).
    certificate = master.certificates.get(kind="master")
    assert master.certificate_number == certificate.number
    assert re.fullmatch(rf"CCM-{master.certified_at:%Y}-\d{{6}}", master.certificate_number)
    assert master.certificate_number.startswith("CCM-20") and len(master.certificate_number) == 15
    rows = AuditEntry.objects.filter(object_id=str(master.pk), content_type__model="master").order_by("pk")
    transitions = [(r.actor.username, r.to_state) for r in rows if r.action == AuditEntry.Action.TRANSITION]
    assert transitions == [
        ("zhang", "已提交"),
        ("wang", "审核通过"),
        ("zhao", "已入选"),
        ("guide_reviewer", "已认证"),
    ]
    issued = rows.get(to_state="颁发传承人证书")
    assert master.certificate_number in issued.reason and "张氏腹针" in issued.reason
    assert rows.first().action == AuditEntry.Action.CREATE


def test_returned_needs_a_reason_and_can_be_fixed_and_resubmitted(world):
    master = _submitted(world)
    with pytest.raises(ApplicationError):
        services.master_application_advance(master=master, actor=world.wang, to=S.RETURNED, reason=" ")
    services.master_application_advance(master=master, actor=world.wang, to=S.RETURNED, reason="请补充职称证书编号")
    services.master_application_update(master=master, actor=world.zhang, specialty="针灸、推拿")
    services.master_application_submit(master=master, actor=world.zhang, today=TODAY)
    master.refresh_from_db()
    assert master.status == S.SUBMITTED and master.specialty == "针灸、推拿"
    assert AuditEntry.objects.filter(object_id=str(master.pk), reason="请补充职称证书编号", to_state="已退回").exists()


def test_rejection_needs_a_reason(world):
    master = _submitted(world)
    with pytest.raises(ApplicationError):
        services.master_application_advance(master=master, actor=world.wang, to=S.REJECTED)


def test_the_host_unit_cannot_review_and_the_organizing_unit_cannot_select(world):
    master = _submitted(world)
    with pytest.raises(PermissionDenied):
        services.master_application_advance(master=master, actor=world.zhao, to=S.REVIEWED)
    services.master_application_advance(master=master, actor=world.wang, to=S.REVIEWED)
    with pytest.raises(PermissionDenied):
        services.master_application_advance(master=master, actor=world.wang, to=S.SELECTED)
    # The refusal is history too.
    assert AuditEntry.objects.filter(object_id=str(master.pk), outcome=AuditEntry.Outcome.DENIED).count() == 2


def test_only_the_guiding_unit_certifies(world):
    master = _submitted(world)
    services.master_application_advance(master=master, actor=world.wang, to=S.REVIEWED)
    services.master_application_advance(master=master, actor=world.zhao, to=S.SELECTED)
    with pytest.raises(PermissionDenied):
        services.master_application_advance(master=master, actor=world.zhao, to=S.CERTIFIED)
    # A guiding-unit member without a reviewing role may not certify either.
    membership_grant(user=world.liming, organization=world.guide, role="apprentice")
    with pytest.raises(PermissionDenied):
        services.master_application_advance(master=master, actor=world.liming, to=S.CERTIFIED)
    services.master_application_advance(master=master, actor=guide_reviewer(world), to=S.CERTIFIED)


def test_another_countys_office_does_not_see_the_application(world):
    master = _submitted(world)
    with pytest.raises(Http404):
        services.master_application_advance(master=master, actor=world.zhou, to=S.REVIEWED)


def test_a_step_cannot_be_skipped(world):
    master = _submitted(world)
    with pytest.raises(TransitionNotAllowed):
        services.master_application_advance(master=master, actor=guide_reviewer(world), to=S.CERTIFIED)


def test_a_submitted_application_can_no_longer_be_edited(world):
    master = _submitted(world)
    with pytest.raises(ApplicationError):
        services.master_application_update(master=master, actor=world.zhang, specialty="改")


def test_a_person_cannot_apply_twice_while_an_application_is_open(world):
    application_for(world)
    with pytest.raises(ApplicationError):
        application_for(world)


def test_someone_elses_draft_cannot_be_edited_or_submitted(world):
    master = application_for(world)
    with pytest.raises(Http404):
        services.master_application_update(master=master, actor=world.liming, specialty="改")
    with pytest.raises(Http404):
        services.master_application_submit(master=master, actor=world.liming, today=TODAY)


def test_the_name_is_kept_with_its_pinyin_and_initials(world):
    master = application_for(world, birth_date=datetime.date(1970, 1, 1))
    assert (master.name, master.name_pinyin, master.name_initials) == ("张医生", "zhangyisheng", "zys")
    assert master.track == "traditional"


def test_a_reviewer_who_loses_to_a_colleague_is_told_it_was_already_decided(world):
    master = _submitted(world)
    stale = Master.objects.get(pk=master.pk)  # the second reviewer's page, loaded before the first decided
    services.master_application_advance(master=master, actor=world.wang, to=Master.Status.REVIEWED)
    with pytest.raises(ConflictError, match="已由其他人员处理"):
        services.master_application_advance(
            master=stale, actor=world.wang, to=Master.Status.RETURNED, reason="材料不全"
        )
    master.refresh_from_db()
    assert master.status == Master.Status.REVIEWED
    attempts = AuditEntry.objects.filter(object_id=str(master.pk), to_state="已退回")
    assert [a.outcome for a in attempts] == [AuditEntry.Outcome.DENIED]  # refused, and on record
