import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Membership
from accounts.services import membership_grant
from lib.errors import ApplicationError, ConflictError
from masters.tests.factories import applicant
from notifications.models import Notification
from teaching import quotas, services
from teaching.models import Activity
from teaching.quotas import Category
from teaching.tests.factories import PDF, apprenticeship_for, log, plan_for
from workflow.models import AuditEntry
from workflow.services import AlreadyDecided

pytestmark = pytest.mark.django_db
Kind = Activity.Kind


@pytest.fixture
def learning(world):
    a = apprenticeship_for(world)
    plan_for(world, a)
    return a


def test_liming_logs_a_shadowing_clinic_with_evidence_and_zhang_is_told(world, learning, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    evidence = SimpleUploadedFile("随诊记录.pdf", PDF, content_type="application/pdf")
    activity = log(
        world, learning, kind=Kind.SHADOWING, category=Category.CASE_ANALYSIS, hours="3.5", evidence=evidence
    )
    assert activity.status == Activity.Status.PENDING and activity.evidence_type == "application/pdf"
    assert AuditEntry.objects.filter(
        content_type__model="activity", object_id=str(activity.pk), actor=world.liming
    ).exists()
    assert Notification.objects.filter(recipient=world.zhang, title__contains="请确认带教课时").exists()


def test_a_disguised_evidence_file_is_refused_and_nothing_is_saved(world, learning):
    fake = SimpleUploadedFile("记录.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ApplicationError) as exc:
        log(world, learning, evidence=fake)
    assert exc.value.field == "evidence" and "佐证材料" in exc.value.message and "扩展名" in exc.value.message
    assert not Activity.objects.exists()


def test_an_oversize_evidence_file_is_refused(world, learning):
    big = SimpleUploadedFile("记录.pdf", PDF + b"0" * (20 * 1024 * 1024), content_type="application/pdf")
    with pytest.raises(ApplicationError) as exc:
        log(world, learning, evidence=big)
    assert "20 MB" in exc.value.message


def test_hours_cannot_be_logged_in_the_future(world, learning):
    with pytest.raises(ApplicationError) as exc:
        log(world, learning, days_ago=-1)
    assert exc.value.field == "date" and "将来" in exc.value.message


def test_hours_must_fall_within_the_term(world, learning):
    with pytest.raises(ApplicationError) as exc:
        log(world, learning, days_ago=200)
    assert exc.value.field == "date" and "师承期限" in exc.value.message


@pytest.mark.parametrize("hours", ["0", "-2", "12.5", "25", "1.25", "abc"])
def test_hours_must_be_positive_sane_and_at_most_one_decimal(world, learning, hours):
    with pytest.raises(ApplicationError) as exc:
        log(world, learning, hours=hours)
    assert exc.value.field == "hours" and exc.value.message.startswith("课时")


def test_one_day_holds_at_most_twelve_hours_and_refused_hours_do_not_count(world, learning):
    assert quotas.MAX_HOURS_PER_DAY == 12
    assert log(world, learning, hours="12", days_ago=2).hours == 12
    first = log(world, learning, hours="8")
    with pytest.raises(ApplicationError) as exc:
        log(world, learning, hours="5", category=Category.SELF_STUDY)
    assert "已登记 8 课时" in exc.value.message and "不能超过 12 课时" in exc.value.message
    services.activity_decide(activity=first, actor=world.zhang, confirm=False, reason="当日无面授")
    assert log(world, learning, hours="5", category=Category.SELF_STUDY).hours == 5


def test_the_activity_form_holds_hours_to_the_same_cap():
    from teaching.forms import ActivityForm

    form = ActivityForm(
        {"kind": "face_to_face", "category": "theory", "date": "2024-03-05", "hours": "13", "topic": "针法"}
    )
    assert not form.is_valid() and "hours" in form.errors
    assert form.fields["hours"].max_value == quotas.MAX_HOURS_PER_DAY


def test_a_face_to_face_course_moved_online_records_the_agreement(world, learning):
    with pytest.raises(ApplicationError) as exc:
        log(world, learning, online=True)
    assert exc.value.field == "online_agreement_note" and "000 §三(五) 备注" in exc.value.message
    agreed = timezone.localdate() - datetime.timedelta(days=3)
    activity = log(world, learning, online=True, online_agreed_on=agreed, online_agreement_note="因疫情改为线上授课")
    assert activity.online_agreed_by == world.zhang and activity.online_agreed_on == agreed


def test_remote_guidance_is_online_and_self_study_online_needs_no_agreement(world, learning):
    remote = log(world, learning, kind=Kind.REMOTE, category=Category.SELF_STUDY)
    assert remote.online and remote.online_agreed_by is None


def test_zhang_confirms_and_cannot_confirm_twice(world, learning):
    activity = log(world, learning)
    services.activity_decide(activity=activity, actor=world.zhang, confirm=True)
    activity.refresh_from_db()
    assert activity.status == Activity.Status.CONFIRMED and activity.decided_by == world.zhang
    assert Notification.objects.filter(recipient=world.liming, title__contains="带教课时已确认").exists()
    # The one "someone decided first" of the workflow core (issue 11), naming the state it is in.
    with pytest.raises(AlreadyDecided) as exc:
        services.activity_decide(activity=activity, actor=world.zhang, confirm=True)
    assert "当前状态为「已确认」" in exc.value.message


def test_two_confirmations_of_a_stale_row_record_exactly_one(world, learning):
    activity = log(world, learning)
    stale = Activity.objects.get(pk=activity.pk)
    services.activity_decide(activity=activity, actor=world.zhang, confirm=True)
    with pytest.raises(ConflictError):
        services.activity_decide(activity=stale, actor=world.zhang, confirm=False, reason="重复")
    transitions = AuditEntry.objects.filter(
        content_type__model="activity", object_id=str(activity.pk), action="transition", outcome="success"
    )
    assert transitions.count() == 1


def test_the_apprentice_and_a_colleague_master_cannot_confirm(world, learning):
    activity = log(world, learning)
    with pytest.raises(PermissionDenied):
        services.activity_decide(activity=activity, actor=world.liming, confirm=True)
    colleague = applicant(world, "刘医生")  # another master at 运城市中医医院
    with pytest.raises(PermissionDenied):
        services.activity_decide(activity=activity, actor=colleague, confirm=True)
    assert Activity.objects.get(pk=activity.pk).status == Activity.Status.PENDING


def test_refusing_hours_needs_a_reason(world, learning):
    activity = log(world, learning)
    with pytest.raises(ApplicationError) as exc:
        services.activity_decide(activity=activity, actor=world.zhang, confirm=False)
    assert exc.value.field == "reason"


def test_batch_confirmation_is_all_or_nothing(world, learning):
    a1, a2, a3 = (log(world, learning, days_ago=d) for d in (1, 2, 3))
    services.activity_decide(activity=a3, actor=world.zhang, confirm=True)
    with pytest.raises(ConflictError) as exc:
        services.activity_decide_batch(activity_ids=[a1.pk, a2.pk, a3.pk], actor=world.zhang, confirm=True)
    assert "未做任何更改" in exc.value.message
    assert set(Activity.objects.filter(pk__in=[a1.pk, a2.pk]).values_list("status", flat=True)) == {"pending"}
    assert services.activity_decide_batch(activity_ids=[a1.pk, a2.pk], actor=world.zhang, confirm=True) == 2
    assert Notification.objects.filter(recipient=world.liming, title__contains="2 条带教活动已确认").exists()


def test_hours_of_an_ended_apprenticeship_are_refused(world, learning):
    learning.status = "terminated"
    learning.save(update_fields=["status"])
    with pytest.raises(ConflictError):
        log(world, learning)


def test_a_master_membership_elsewhere_does_not_make_zhou_a_party(world, learning):
    membership_grant(user=world.zhou, organization=world.yongji_tcm, role=Membership.Role.MASTER)
    with pytest.raises(PermissionDenied):
        services.activity_log(
            apprenticeship=learning,
            actor=world.zhou,
            kind=Kind.LECTURE,
            category=Category.THEORY,
            date=timezone.localdate(),
            hours="2",
            topic="讲座",
        )
    assert not Activity.objects.exists()
