"""The graduation's workflow from its table — materials submitted, assessed, passed or failed —
and the certificate that ends the apprenticeship: who is told, whose workbench, which buttons."""

import pytest

from portal.todos import todos_for
from teaching import services
from teaching.models import Graduation
from teaching.tests.factories import (
    assess,
    fill_quotas,
    materials_for,
    move_url,
    plan_for,
    term_ending_today,
    told,
)
from workflow.models import AuditEntry
from workflow.services import moves, waiting_for

pytestmark = pytest.mark.django_db
Status = Graduation.Status


@pytest.fixture
def draft(world):
    a = term_ending_today(world, term="half_year")
    plan_for(world, a)
    fill_quotas(world, a)
    return materials_for(world, a)


@pytest.fixture
def submitted(world, draft):
    services.graduation_submit(apprenticeship=draft.apprenticeship, actor=world.liming)
    draft.refresh_from_db()
    return draft


def _waiting(user) -> list:
    return [w.obj for w in waiting_for(user) if isinstance(w.obj, Graduation)]


def test_submitted_materials_tell_the_master_once(world, draft):
    notices = told(lambda: services.graduation_submit(apprenticeship=draft.apprenticeship, actor=world.liming))
    assert notices == {"zhang": ["请进行出师考核：李明"]}


def test_a_passed_assessment_tells_the_apprentice_and_the_host_unit_once(world, submitted):
    notices = told(lambda: assess(world, submitted, passed=True, score=90))
    assert notices == {"liming": ["出师考核通过：李明"], "zhao": ["出师考核通过，待颁发师承证书：李明"]}


def test_a_failed_assessment_tells_the_apprentice_alone(world, submitted):
    from notifications.models import Notification

    notices = told(lambda: assess(world, submitted, passed=False, score=50))
    assert notices == {"liming": ["出师考核未通过，请修改结业材料后重新提交：李明"]}
    assert Notification.objects.get(recipient=world.liming, title__startswith="出师考核未通过").body.startswith("50 分")


def test_the_graduate_hears_of_the_certificate_exactly_once(world, submitted):
    assess(world, submitted)
    issued = {}
    notices = told(
        lambda: issued.update(
            certificate=services.graduation_certificate_issue(apprenticeship=submitted.apprenticeship, actor=world.zhao)
        )
    )
    assert len(notices["liming"]) == 1 and issued["certificate"].number in notices["liming"][0]
    assert "zhao" not in notices


def test_materials_wait_for_the_apprentice_then_the_master_then_nobody(world, draft):
    assert _waiting(world.liming) == [draft]
    assert [w.title for w in waiting_for(world.liming) if w.obj == draft] == ["提交出师考核：李明"]
    for persona in ("zhang", "wang", "zhao", "chen", "sun", "zhou", "yang", "guo", "lin"):
        assert _waiting(getattr(world, persona)) == [], persona
    services.graduation_submit(apprenticeship=draft.apprenticeship, actor=world.liming)
    assert [w.title for w in waiting_for(world.zhang) if w.obj == draft] == ["出师考核：李明"]
    for persona in ("liming", "wang", "zhao", "chen", "sun", "zhou", "yang", "guo", "lin"):
        assert _waiting(getattr(world, persona)) == [], persona
    assess(world, draft, passed=False, score=40)
    assert _waiting(world.liming) == [draft] and _waiting(world.zhang) == []
    services.graduation_submit(apprenticeship=draft.apprenticeship, actor=world.liming)
    assess(world, draft, passed=True)
    for persona in world.PERSONAS:
        assert _waiting(getattr(world, persona)) == [], persona


def test_a_passed_graduation_asks_the_host_unit_for_the_certificate(world, submitted):
    assess(world, submitted)
    assert "颁发师承证书：李明" in [t.title for t in todos_for(world.zhao)]
    for persona in ("zhang", "liming", "wang", "zhou", "yang"):
        assert not [t for t in todos_for(getattr(world, persona)) if t.title.startswith("颁发师承证书")], persona
    services.graduation_certificate_issue(apprenticeship=submitted.apprenticeship, actor=world.zhao)
    assert not [t for t in todos_for(world.zhao) if t.title.startswith("颁发师承证书")]


def test_the_buttons_are_the_apprentices_submit_and_the_masters_assessment_page(world, draft, client_for):
    assert [(m.to, m.button) for m in moves(draft, world.liming)] == [(Status.SUBMITTED, "提交传承人考核")]
    assert moves(draft, world.zhang) == []
    services.graduation_submit(apprenticeship=draft.apprenticeship, actor=world.liming)
    draft.refresh_from_db()
    page_url = draft.get_absolute_url() + "#assess-form"
    assert [(m.to, m.page_url) for m in moves(draft, world.zhang)] == [
        (Status.PASSED, page_url),
        (Status.FAILED, page_url),
    ]
    assert moves(draft, world.liming) == []
    page = client_for("zhang").get(draft.get_absolute_url()).content.decode()
    assert 'id="assess-form"' in page and f'href="{page_url}"' in page
    assert 'id="assess-form"' not in client_for("liming").get(draft.get_absolute_url()).content.decode()


def test_the_apprentice_submits_through_the_move_endpoint(world, draft, client_for):
    response = client_for("liming").post(move_url(draft), {"to": "submitted", "expect": "draft"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED and draft.submitted_at is not None
    assert AuditEntry.objects.filter(
        content_type__model="graduation", object_id=str(draft.pk), to_state="待传承人考核", outcome="success"
    ).exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("guo", 404), ("sun", 404), ("chen", 403), ("zhang", 403), ("zhao", 403)]
)
def test_only_the_apprentice_may_post_the_submission(world, draft, client_for, persona, status):
    response = client_for(persona).post(move_url(draft), {"to": "submitted", "expect": "draft"})
    assert response.status_code == status
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_assessment_is_not_a_bare_button(world, submitted, client_for):
    assert client_for("guo").post(move_url(submitted), {"to": "passed", "expect": "submitted"}).status_code == 404
    assert client_for("liming").post(move_url(submitted), {"to": "passed", "expect": "submitted"}).status_code == 403
    response = client_for("zhang").post(move_url(submitted), {"to": "passed", "expect": "submitted"})
    assert response.status_code == 400 and "考核页面" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_a_stale_page_is_told_someone_else_decided_and_nothing_changes(world, draft, client_for):
    liming, url = client_for("liming"), draft.get_absolute_url()
    liming.post(move_url(draft), {"to": "submitted", "expect": "draft"})
    response = liming.post(move_url(draft), {"to": "submitted", "expect": "failed", "next": url}, follow=True)
    assert "已由其他人员处理" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert AuditEntry.objects.filter(content_type__model="graduation", to_state="待传承人考核").count() == 2


@pytest.mark.parametrize("forged", ["graduated", "", "draft"])
def test_a_forged_target_is_refused_and_changes_nothing(world, draft, client_for, forged):
    response = client_for("liming").post(move_url(draft), {"to": forged, "expect": "draft"})
    assert response.status_code in (400, 409)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_stale_assessment_form_is_told_someone_else_decided(world, submitted, client_for):
    assess(world, submitted)
    data = {"score": "60", "passed": "0", "comment": "再评", "expect": "submitted"}
    for item in submitted.items.all():
        data.update({f"item-{item.pk}-score": "60", f"item-{item.pk}-passed": "0"})
    url = submitted.get_absolute_url()
    response = client_for("zhang").post(f"{url}assess/", data, HTTP_REFERER=url, follow=True)
    assert "已由其他人员处理" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.PASSED and submitted.score == 88
