"""Entering people, sources and links: what is refused, naming the field, and that nothing is
half-written when it is."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from lib.errors import ApplicationError
from lineage import services
from lineage.models import Citation, Link, Person, Source
from lineage.tests.factories import book, line, link, person
from workflow.models import AuditEntry
from workflow.services import AlreadyDecided


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_a_person_keeps_dates_as_written_with_sortable_years(world):
    fei = person(world, "费伯雄", courtesy_name="晋卿", art_name="砚云子", birth="嘉庆五年", death="光绪五年")
    assert (fei.birth, fei.birth_earliest, fei.birth_latest) == ("嘉庆五年", 1800, 1800)
    assert (fei.death, fei.death_earliest) == ("光绪五年", 1879)
    assert fei.entered_org == world.yanhu_health
    assert AuditEntry.objects.filter(action="create", object_id=str(fei.pk), content_type__model="person").exists()


def test_an_unknown_reign_era_is_refused_naming_the_field_and_nothing_is_saved(world):
    with pytest.raises(ApplicationError) as caught:
        person(world, "某人", birth="大顺二年")
    assert caught.value.field == "birth"
    assert caught.value.message.startswith("出生：未知的年号")
    assert not Person.objects.exists()


def test_a_death_before_the_birth_is_refused(world):
    with pytest.raises(ApplicationError) as caught:
        person(world, "某人", birth="1900", death="1890")
    assert caught.value.field == "death"


def test_one_person_is_never_two_records(world):
    person(world, "孙科员", user=world.sun)
    with pytest.raises(ApplicationError) as caught:
        person(world, "孙科员二", user=world.sun)
    assert caught.value.field == "user"
    assert Person.objects.count() == 1


def test_only_office_staff_enter_people(world):
    with pytest.raises(PermissionDenied):
        person(world, "某人", actor=world.chen)


def test_a_link_cannot_be_submitted_without_a_citation(world):
    a, b = person(world, "甲"), person(world, "乙")
    made = services.link_create(actor=world.sun, teacher=a, disciple=b, kind="in_person")
    with pytest.raises(ApplicationError) as caught:
        services.link_move(made, to=Link.Status.SUBMITTED, actor=world.sun)
    assert caught.value.field == "citation"
    made.refresh_from_db()
    assert made.status == Link.Status.DRAFT
    services.citation_add(actor=world.sun, link=made, source=book(world), quoted_text="乙从甲学")
    services.link_move(made, to=Link.Status.SUBMITTED, actor=world.sun)
    assert made.status == Link.Status.SUBMITTED


def test_a_citation_needs_a_source(world):
    a, b = person(world, "甲"), person(world, "乙")
    made = services.link_create(actor=world.sun, teacher=a, disciple=b, kind="in_person")
    with pytest.raises(ApplicationError) as caught:
        services.citation_add(actor=world.sun, link=made, source=None)
    assert caught.value.field == "source"


def test_a_cycle_is_refused_naming_the_disciple_and_nothing_is_written(world):
    a, b, c = line(world, "甲", "乙", "丙", verify=False)
    links_before, citations_before = Link.objects.count(), Citation.objects.count()
    with pytest.raises(ApplicationError) as caught:
        link(world, c, a)
    assert caught.value.field == "disciple"
    assert "循环" in caught.value.message
    assert (Link.objects.count(), Citation.objects.count()) == (links_before, citations_before)


def test_in_person_teaching_after_the_masters_death_is_refused_with_the_dates(world):
    teacher = person(world, "叶桂", birth="1667", death="乾隆十一年")
    disciple = person(world, "后学", birth="1800")
    with pytest.raises(ApplicationError) as caught:
        link(world, teacher, disciple, kind="in_person")
    assert caught.value.field == "kind"
    assert "1800" in caught.value.message and "乾隆十一年" in caught.value.message
    assert not Link.objects.exists()
    # Learning from the master's writings has no such limit.
    assert link(world, teacher, disciple, kind="private").status == Link.Status.VERIFIED


def test_the_county_or_city_verifies_and_the_township_may_not(world):
    a, b = person(world, "甲", actor=world.lin), person(world, "乙", actor=world.lin)
    made = link(world, a, b, verify=False, actor=world.lin)
    services.link_move(made, to=Link.Status.SUBMITTED, actor=world.lin)
    with pytest.raises(PermissionDenied):
        services.link_move(made, to=Link.Status.VERIFIED, actor=world.lin)
    with pytest.raises(Http404):
        services.link_move(made, to=Link.Status.VERIFIED, actor=world.zhou)
    services.link_move(made, to=Link.Status.VERIFIED, actor=world.sun)
    assert made.status == Link.Status.VERIFIED


def test_a_return_needs_a_reason_and_a_stale_page_is_refused(world):
    a, b = person(world, "甲"), person(world, "乙")
    made = link(world, a, b, verify=False)
    services.link_move(made, to=Link.Status.SUBMITTED, actor=world.sun)
    with pytest.raises(ApplicationError):
        services.link_move(made, to=Link.Status.RETURNED, actor=world.yang)
    services.link_move(made, to=Link.Status.RETURNED, actor=world.yang, reason="出处页码不对")
    with pytest.raises(AlreadyDecided):
        services.link_move(made, to=Link.Status.VERIFIED, actor=world.yang, expect=Link.Status.SUBMITTED)


def test_an_interview_names_its_interviewer_and_its_file_is_checked_by_content(world):
    with pytest.raises(ApplicationError) as caught:
        services.source_create(actor=world.sun, kind="interview", title="随访郭氏后人")
    assert caught.value.field == "interviewer"
    forged = SimpleUploadedFile("transcript.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ApplicationError) as caught:
        services.source_create(
            actor=world.sun, kind="interview", title="随访郭氏后人", interviewer="孙科员", file=forged
        )
    assert caught.value.field == "file"
    assert not Source.objects.exists()
    pdf = SimpleUploadedFile("t.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    source = services.source_create(
        actor=world.sun, kind="interview", title="随访郭氏后人", interviewer="孙科员", date="2025", file=pdf
    )
    assert source.file_type == "application/pdf"
    assert source.file.name.endswith(".pdf") and "t.pdf" not in source.file.name
