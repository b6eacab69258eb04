import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from apprenticeships.models import Apprenticeship
from certificates.models import Certificate
from lib.errors import ApplicationError, ConflictError
from notifications.models import Notification
from teaching import services
from teaching.models import Graduation, GraduationItem
from teaching.quotas import Category
from teaching.tests.factories import (
    PDF,
    apprenticeship_for,
    assess,
    fill_quotas,
    materials_for,
    plan_for,
    ready_to_graduate,
    term_ending_today,
)
from workflow.models import AuditEntry

pytestmark = pytest.mark.django_db


def _submitted(world, *, short=None):
    a = term_ending_today(world, term="half_year")
    plan_for(world, a)
    fill_quotas(world, a, short=short)
    graduation = materials_for(world, a)
    services.graduation_submit(apprenticeship=a, actor=world.liming)
    graduation.refresh_from_db()
    return a, graduation


def test_graduation_materials_must_include_every_kind_the_programme_names(world):
    a = term_ending_today(world)
    services.graduation_item_add(
        apprenticeship=a, actor=world.liming, kind=GraduationItem.Kind.CASE_RECORD, title="病案一", text="略"
    )
    with pytest.raises(ApplicationError) as exc:
        services.graduation_submit(apprenticeship=a, actor=world.liming)
    assert exc.value.message == "结业材料缺少：学习笔记、读书临证心得、论文（000 §四(五)）"
    assert Graduation.objects.get(apprenticeship=a).status == Graduation.Status.DRAFT


def test_a_material_needs_text_or_a_genuine_file(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = apprenticeship_for(world)
    with pytest.raises(ApplicationError) as exc:
        services.graduation_item_add(apprenticeship=a, actor=world.liming, kind="paper", title="论文")
    assert exc.value.field == "text"
    fake = SimpleUploadedFile("论文.pdf", b"<html>not a pdf</html>")
    with pytest.raises(ApplicationError) as exc:
        services.graduation_item_add(apprenticeship=a, actor=world.liming, kind="paper", title="论文", upload=fake)
    assert exc.value.field == "file"
    item = services.graduation_item_add(
        apprenticeship=a, actor=world.liming, kind="paper", title="论文", upload=SimpleUploadedFile("论文.pdf", PDF)
    )
    assert item.file_type == "application/pdf"
    assert GraduationItem.objects.count() == 1


def test_zhang_assesses_each_item_and_the_whole(world):
    a, graduation = _submitted(world)
    assert Notification.objects.filter(recipient=world.zhang, title__contains="请进行出师考核").exists()
    assess(world, graduation, score=91)
    graduation.refresh_from_db()
    assert graduation.status == Graduation.Status.PASSED and graduation.score == 91
    assert set(graduation.items.values_list("score", "passed")) == {(91, True)}
    assert Notification.objects.filter(recipient=world.zhao, title__contains="待颁发师承证书").exists()


def test_an_assessment_must_cover_every_item_with_a_score_between_0_and_100(world):
    a, graduation = _submitted(world)
    items = list(graduation.items.all())
    partial = {items[0].pk: services.ItemAssessment(80, True)}
    with pytest.raises(ApplicationError) as exc:
        services.graduation_assess(
            graduation=graduation, actor=world.zhang, items=partial, score=80, comment="好", passed=True
        )
    assert "必须评分" in exc.value.message
    full = {i.pk: services.ItemAssessment(101, True) for i in items}
    with pytest.raises(ApplicationError) as exc:
        services.graduation_assess(
            graduation=graduation, actor=world.zhang, items=full, score=80, comment="好", passed=True
        )
    assert "0–100" in exc.value.message
    assert Graduation.objects.get(pk=graduation.pk).status == Graduation.Status.SUBMITTED
    assert not GraduationItem.objects.filter(score__isnull=False).exists()


def test_only_the_master_assesses(world):
    a, graduation = _submitted(world)
    items = {i.pk: services.ItemAssessment(90, True) for i in graduation.items.all()}
    for outsider in (world.liming, world.zhao):
        with pytest.raises(PermissionDenied):
            services.graduation_assess(
                graduation=graduation, actor=outsider, items=items, score=90, comment="好", passed=True
            )


def test_a_failed_assessment_lets_liming_revise_and_resubmit(world):
    a, graduation = _submitted(world)
    assess(world, graduation, passed=False, score=52)
    services.graduation_item_add(apprenticeship=a, actor=world.liming, kind="paper", title="补充论文", text="修改稿")
    services.graduation_submit(apprenticeship=a, actor=world.liming)
    assert Graduation.objects.get(pk=graduation.pk).status == Graduation.Status.SUBMITTED


def test_the_certificate_is_refused_saying_exactly_what_is_missing(world):
    a, graduation = _submitted(world, short={Category.THEORY: 12, Category.REFLECTION: 6})
    assess(world, graduation, passed=False, score=50)
    with pytest.raises(ApplicationError) as exc:
        services.graduation_certificate_issue(apprenticeship=a, actor=world.zhao)
    assert exc.value.message == "尚不能颁发师承证书：理论课程还差 12 课时；撰写学习体会还差 6 课时；结业考核未通过"
    a.refresh_from_db()
    assert (
        a.status == Apprenticeship.Status.ACTIVE
        and not Certificate.objects.filter(kind=Certificate.Kind.APPRENTICE).exists()
    )


def test_graduation_before_the_quotas_are_met_is_refused_even_when_assessed(world):
    a, graduation = _submitted(world, short={Category.SELF_STUDY: 0.5})
    assess(world, graduation)
    with pytest.raises(ApplicationError) as exc:
        services.graduation_certificate_issue(apprenticeship=a, actor=world.zhao)
    assert "自学还差 0.5 课时" in exc.value.message


def test_zhao_issues_the_certificate_and_the_apprenticeship_ends_as_graduated(world, client):
    a = ready_to_graduate(world, term="half_year")
    certificate = services.graduation_certificate_issue(apprenticeship=a, actor=world.zhao)
    a.refresh_from_db()
    assert a.status == Apprenticeship.Status.GRADUATED
    assert certificate.kind == Certificate.Kind.APPRENTICE and certificate.holder == world.liming
    assert certificate.issuer == world.host and certificate.subject == a
    assert (certificate.term_start, certificate.term_end) == (a.starts_on, a.ends_on)
    assert AuditEntry.objects.filter(
        content_type__model="apprenticeship", object_id=str(a.pk), to_state="已结业"
    ).exists()
    assert Notification.objects.filter(recipient=world.liming, title__contains=certificate.number).exists()
    page = client.get(certificate.public_verify_url).content.decode()
    assert "有效" in page
    with pytest.raises(ConflictError):
        services.graduation_certificate_issue(apprenticeship=a, actor=world.zhao)
    assert Certificate.objects.filter(kind=Certificate.Kind.APPRENTICE).count() == 1


def test_only_the_host_unit_issues_the_certificate(world):
    a = ready_to_graduate(world, term="half_year")
    for person in (world.zhang, world.wang):
        with pytest.raises(PermissionDenied):
            services.graduation_certificate_issue(apprenticeship=a, actor=person)
    assert not Certificate.objects.filter(kind=Certificate.Kind.APPRENTICE).exists()
