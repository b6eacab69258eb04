"""The teaching rows of the every-URL walk, as each persona (the full walk lives in portal)."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.tests.test_every_url import OFFICE, PERSONAS, everyone, only, signed_in
from teaching.tests.url_expectations import expectations

pytestmark = pytest.mark.django_db


def test_every_teaching_url_answers_each_persona_as_expected(world):
    groups = {"everyone": everyone, "signed_in": signed_in, "only": only, "OFFICE": OFFICE, "PERSONAS": PERSONAS}
    table = expectations(world, groups)
    failures = []
    for persona in PERSONAS:
        c = Client()
        if persona != "anon":
            c.force_login(getattr(world, persona))
        for name, (kwargs, query, statuses) in table.items():
            response = c.get(reverse(name, kwargs=kwargs or None), query)
            if response.status_code != statuses[persona]:
                failures.append(f"{persona} {name}: expected {statuses[persona]}, got {response.status_code}")
    assert not failures, "\n".join(failures)
