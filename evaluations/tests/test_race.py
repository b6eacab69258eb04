"""Two staff finalizing the same evaluation at once: exactly one wins (issue 5, bad input and
races). Real threads, each with its own database connection, on committed data."""

import contextlib
import threading

import pytest
from django.db import connection, connections

from evaluations import services
from evaluations.models import Evaluation, FinalDecision
from evaluations.tests.factories import concluded_evaluation, ensure_defaults
from lib.errors import ApplicationError
from workflow.models import AuditEntry


@pytest.fixture
def committed_world(live_world):
    ensure_defaults()
    return live_world


def test_two_staff_finalizing_at_once_exactly_one_wins(committed_world, transactional_db):
    from accounts import services as accounts_services
    from accounts.models import Membership

    world = committed_world
    evaluation, _ = concluded_evaluation(world)
    # A colleague of 杨主任 at the city office.
    colleague = accounts_services.user_create(
        username="li_city", password="Persona-pass-2026", full_name="李科长", region=world.city_health.region
    )
    accounts_services.membership_grant(
        user=colleague, organization=world.city_health, role=Membership.Role.OFFICE_STAFF
    )

    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}
    # PostgreSQL runs both decisions truly at once: the row lock makes one wait, then see the
    # other's decision. SQLite allows one writer at a time anyway, and its shared in-memory test
    # database reports "table is locked" instead of waiting, so there the two (both holding the
    # stale "concluded" page) take turns.
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def decide(actor, grade: str, reason: str) -> None:
        try:
            stale = Evaluation.objects.get(pk=evaluation.pk)  # both read "concluded"
            barrier.wait(timeout=10)
            with turns:
                outcomes[actor.username] = services.evaluation_finalize(
                    actor=actor, evaluation=stale, passed=True, grade=grade, reason=reason
                )
        except ApplicationError as exc:
            outcomes[actor.username] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(world.yang, "乙级", "")),
        threading.Thread(target=decide, args=(colleague, "甲级", "认为应提级")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    winners = [o for o in outcomes.values() if isinstance(o, FinalDecision)]
    losers = [o for o in outcomes.values() if isinstance(o, ApplicationError)]
    assert len(outcomes) == 2
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert "当前状态为「已终审」" in losers[0].message
    decision = FinalDecision.objects.get()
    evaluation.technique.refresh_from_db()
    assert evaluation.technique.grade == {"乙级": "B", "甲级": "A"}[decision.grade]
    assert (
        AuditEntry.objects.filter(content_type__model="evaluation", to_state="已终审", outcome="success").count() == 1
    )
    assert AuditEntry.objects.filter(content_type__model="evaluation", to_state="已终审", outcome="denied").count() == 1
