"""The demo has an application at every stage and signed, active apprenticeships, and loading it
twice changes nothing."""

import io

import pytest
from django.core.management import call_command

from apprenticeships.models import ApprenticeApplication, Apprenticeship, Match

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_stage_and_loads_twice_without_change(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("load_demo", "--techniques", "8", stdout=io.StringIO())
    statuses = set(ApprenticeApplication.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "returned", "vetted", "approved", "contracted"} <= statuses
    assert Match.objects.filter(status="proposed").exists() and Match.objects.filter(status="accepted").exists()
    active = Apprenticeship.objects.filter(status="active")
    assert active.count() >= 3
    assert active.filter(apprentice__username="apprentice", master__user__username="master").exists()
    counts = (ApprenticeApplication.objects.count(), Match.objects.count(), Apprenticeship.objects.count())
    call_command("load_demo", "--techniques", "8", stdout=io.StringIO())
    assert (ApprenticeApplication.objects.count(), Match.objects.count(), Apprenticeship.objects.count()) == counts
