"""What waits for whom, from the transition tables (workflow.waiting_for) and the two to-dos that
are not a move waiting in a state (apprenticeships/todos.py)."""

import pytest

from apprenticeships import services
from apprenticeships.models import ApprenticeApplication, Apprenticeship, Match
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
from chuancheng.test import World
from masters.tests.factories import applicant
from portal.todos import todos_for
from workflow.services import waiting_for

pytestmark = pytest.mark.django_db

OURS = (ApprenticeApplication, Match, Apprenticeship)


def waiting(world) -> dict[str, list]:
    """persona → the records of this app waiting for them."""
    return {p: [w.obj for w in waiting_for(getattr(world, p)) if isinstance(w.obj, OURS)] for p in World.PERSONAS}


def only(world, **expected) -> dict[str, list]:
    return {p: expected.get(p, []) for p in World.PERSONAS}


def test_a_submitted_application_waits_for_the_organizing_reviewer_only(world):
    application = submitted_for(world, [a_master(world)])
    assert waiting(world) == only(world, wang=[application])
    item = next(w for w in waiting_for(world.wang) if w.obj == application)
    assert (item.title, item.url) == (
        "初审师承申请：李明 的师承申请",
        f"/apprenticeships/applications/{application.pk}/",
    )


def test_a_vetted_application_waits_for_the_host_unit_only(world):
    application = vetted_for(world, [a_master(world)])
    assert waiting(world) == only(world, zhao=[application])


def test_a_returned_application_waits_for_its_applicant_only(world):
    application = submitted_for(world, [a_master(world)])
    verdicts = {pk: ("returned", "请补充盖章页") for pk in all_accepted(application)}
    services.apprentice_application_vet(application=application, actor=world.wang, verdicts=verdicts)
    assert waiting(world) == only(world, liming=[application])


def test_a_draft_and_a_withdrawn_application_wait_for_nobody(world):
    draft_for(world, [a_master(world)])
    withdrawn = draft_for(world, [a_master(world, "薛荣昌")], user=applicant(world, "王小红", "140881"))
    services.apprentice_application_withdraw(application=withdrawn, actor=withdrawn.applicant)
    assert waiting(world) == only(world)


def test_a_proposed_match_waits_for_the_master_not_the_applicant(world):
    application = approved_for(world, [zhang_master(world)])
    match = live_match(application)
    assert waiting(world) == only(world, zhang=[match])
    assert "接受或谢绝师承人：李明 → 张医生" in [t.title for t in todos_for(world.zhang)]


def test_an_accepted_match_waits_for_each_party_until_that_party_has_signed(world):
    match = live_match(approved_for(world, [zhang_master(world)]))
    services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    assert waiting(world) == only(world)
    title = "签署师承关系合同书：张医生 — 李明"
    assert title in [t.title for t in todos_for(world.liming)] and title in [t.title for t in todos_for(world.zhang)]
    services.apprentice_contract_sign(match=match, actor=world.liming)
    assert title not in [t.title for t in todos_for(world.liming)] and title in [
        t.title for t in todos_for(world.zhang)
    ]


def test_an_approved_application_without_a_match_waits_for_those_who_propose(world):
    master = zhang_master(world, capacity=0)
    application = approved_for(world, [master])
    assert not application.matches.exists()
    assert waiting(world) == only(world)
    title = "为师承人推荐传承人：李明"
    for persona in World.PERSONAS:
        titles = [t.title for t in todos_for(getattr(world, persona))]
        assert (title in titles) == (persona in ("wang", "zhao")), persona


def test_a_live_apprenticeship_and_a_signed_contract_wait_for_nobody(world):
    signed_for(world)
    assert waiting(world) == only(world)
    for persona in World.PERSONAS:
        titles = [t.title for t in todos_for(getattr(world, persona))]
        assert not [t for t in titles if t.startswith(("签署师承关系合同书", "为师承人推荐传承人"))], persona
