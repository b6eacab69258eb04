"""This app's rows of the URL walk, checked on their own (portal/tests/test_every_url.py walks
every app's table; this runs only ours, for every persona)."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.tests.test_every_url import OFFICE, PERSONAS, everyone, only, signed_in

GROUPS = {"everyone": everyone, "signed_in": signed_in, "only": only, "OFFICE": OFFICE, "PERSONAS": PERSONAS}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_evaluations_url_answers_each_persona_as_expected(world, persona):
    from evaluations.tests.url_expectations import expectations

    client = Client()
    if persona != "anon":
        client.force_login(getattr(world, persona))
    failures = []
    for name, (kwargs, query, statuses) in expectations(world, GROUPS).items():
        url = reverse(name, kwargs=kwargs or None)
        status = client.get(url, query).status_code
        if status != statuses[persona]:
            failures.append(f"{name} {url}: expected {statuses[persona]}, got {status}")
    assert not failures, "\n".join(failures)
