"""Two reviewers deciding the same application at once: exactly one decision is recorded and the
other person is told (APP-3). Real threads, each with its own database connection, so the row
lock of workflow.transition() is what decides — run it on PostgreSQL to see the lock at work."""

import threading

import pytest
from django.db import OperationalError, connection

from apprenticeships import services
from apprenticeships.models import ApprenticeApplication, DocumentReview, Match
from apprenticeships.tests.factories import a_master, all_accepted, approved_for, submitted_for
from chuancheng.test import build_world, ensure_regions
from lib.errors import ConflictError


@pytest.fixture
def committed_world(transactional_db):
    ensure_regions()
    return build_world()


def _at_once(*calls):
    """Run each call in its own thread, released together; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = call()
        except Exception as exc:  # noqa: BLE001  (the outcome under test)
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def _told(error: Exception, words: str) -> None:
    """On PostgreSQL the second waits on the row lock, then reads the new state and is told why.
    The test database on SQLite is a shared in-memory one, which refuses the second writer at once
    ("database table is locked") instead of letting it wait — still exactly one decision."""
    if connection.vendor == "sqlite" and isinstance(error, OperationalError):
        return
    assert isinstance(error, ConflictError) and words in error.message, error


def test_two_reviewers_vetting_at_once_record_exactly_one_decision(committed_world):
    world = committed_world
    from accounts import services as accounts_services
    from accounts.models import Membership

    second = accounts_services.user_create(username="wang2", password=None, full_name="吴审核")
    accounts_services.membership_grant(user=second, organization=world.organizer, role=Membership.Role.REVIEWER)
    application = submitted_for(world, [a_master(world)])
    accept = all_accepted(application)
    reject = {pk: ("rejected", "证书系伪造") for pk in accept}

    outcomes = _at_once(
        lambda: services.apprentice_application_vet(
            application=ApprenticeApplication.objects.get(pk=application.pk), actor=world.wang, verdicts=accept
        ),
        lambda: services.apprentice_application_vet(
            application=ApprenticeApplication.objects.get(pk=application.pk), actor=second, verdicts=reject
        ),
    )
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 1, outcomes
    _told(errors[0], "已由其他人员处理")
    application.refresh_from_db()
    winner = world.wang if application.status == "vetted" else second
    assert application.status in ("vetted", "rejected")
    reviews = DocumentReview.objects.filter(document__application=application)
    assert reviews.count() == 4 and {r.reviewer_id for r in reviews} == {winner.pk}


def test_a_master_accepting_two_apprentices_at_once_for_the_last_place_accepts_one(committed_world):
    world = committed_world
    from masters.tests.factories import applicant, certified

    master = certified(world, world.zhang, capacity=1)
    first = approved_for(world, [master])
    other = applicant(world, "王小红", "140881")
    xue = a_master(world, "薛荣昌")
    second = approved_for(world, [xue], user=other)
    services.apprentice_match_decide(match=second.matches.get(), actor=xue.user, accept=False, reason="名额已满")
    # 王小红 proposed to 张医生 too, while he still had room.
    extra = services.apprentice_match_propose(application=second, master=master, actor=world.wang)
    matches = [first.matches.get(master=master), extra]

    outcomes = _at_once(
        *[
            (
                lambda m=m: services.apprentice_match_decide(
                    match=Match.objects.get(pk=m.pk), actor=world.zhang, accept=True
                )
            )
            for m in matches
        ]
    )
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 1, outcomes
    _told(errors[0], "带教名额已满")
    assert Match.objects.filter(master=master, status="accepted").count() == 1


def test_two_host_reviewers_terminating_at_once_end_it_once_and_the_other_is_told(committed_world):
    from accounts import services as accounts_services
    from accounts.models import Membership
    from apprenticeships.models import Apprenticeship
    from apprenticeships.tests.factories import signed_for
    from workflow.models import AuditEntry
    from workflow.services import AlreadyDecided

    world = committed_world
    second = accounts_services.user_create(username="zhao2", password=None, full_name="钱主任")
    accounts_services.membership_grant(user=second, organization=world.host, role=Membership.Role.REVIEWER)
    apprenticeship = signed_for(world).apprenticeship

    outcomes = _at_once(
        *[
            (
                lambda actor=actor, reason=reason: services.apprenticeship_terminate(
                    apprenticeship=Apprenticeship.objects.get(pk=apprenticeship.pk), actor=actor, reason=reason
                )
            )
            for actor, reason in ((world.zhao, "师承人调离"), (second, "传承人病休"))
        ]
    )
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 1, outcomes
    if not (connection.vendor == "sqlite" and isinstance(errors[0], OperationalError)):
        assert isinstance(errors[0], AlreadyDecided), errors[0]
        _told(errors[0], "已由其他人员处理")
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == Apprenticeship.Status.TERMINATED
    ended = AuditEntry.objects.filter(
        content_type__model="apprenticeship", object_id=str(apprenticeship.pk), outcome="success", to_state="已终止"
    )
    assert ended.count() == 1
