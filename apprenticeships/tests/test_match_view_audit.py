"""A match's page and its API read show the application's personal data: every view by someone
other than the applicant is logged (OPS-1; issue 13 §6)."""

import pytest
from django.urls import reverse

from apprenticeships.tests.factories import approved_for, live_match, zhang_master
from workflow.models import AuditEntry

pytestmark = pytest.mark.django_db


def _views_of(application) -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_PERSONAL, object_id=str(application.pk))
        .order_by("id")
        .values_list("actor__username", "reason")
    )


@pytest.fixture
def match(world):
    return live_match(approved_for(world, [zhang_master(world)]))


def test_the_master_opening_the_match_page_is_logged(world, client_for, match):
    master_user = match.master.user
    from django.test import Client

    c = Client()
    c.force_login(master_user)
    assert c.get(reverse("apprenticeships:match-detail", args=[match.pk])).status_code == 200
    assert _views_of(match.application)[-1] == (master_user.username, "师承匹配")


def test_the_match_read_through_the_api_is_logged_too(world, client_for, match):
    before = len(_views_of(match.application))
    assert client_for("wang").get(f"/api/v1/apprentice-matches/{match.pk}").status_code == 200
    assert _views_of(match.application)[before:] == [(world.wang.username, "师承匹配")]


def test_the_applicant_reading_their_own_match_is_not_a_view_of_someone_elses_data(world, client_for, match):
    before = len(_views_of(match.application))
    assert client_for("liming").get(reverse("apprenticeships:match-detail", args=[match.pk])).status_code == 200
    assert len(_views_of(match.application)) == before
