"""Each apprenticeships URL answers each persona as url_expectations.py says (the same table the
portal's walk over every URL uses), run here so the app's own suite checks it."""

import pytest
from django.test import Client
from django.urls import reverse

from apprenticeships.tests import url_expectations
from portal.tests import test_every_url as walk


@pytest.mark.parametrize("persona", walk.PERSONAS)
def test_every_apprenticeships_url_answers_as_expected(world, persona):
    groups = {"everyone": walk.everyone, "signed_in": walk.signed_in, "only": walk.only}
    table = url_expectations.expectations(world, groups)
    client = Client()
    if persona != "anon":
        client.force_login(getattr(world, persona))
    failures = []
    for name, (kwargs, query, statuses) in table.items():
        response = client.get(reverse(name, kwargs=kwargs or None), query)
        if response.status_code != statuses[persona]:
            failures.append(f"{name}: expected {statuses[persona]}, got {response.status_code}")
    assert not failures, "\n".join(failures)
