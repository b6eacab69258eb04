"""Fuzz the API from its own OpenAPI schema (issue 13 §8): every operation, as every persona,
with data that fits the schema and data that does not, through the WSGI app in-process. The one
property: no response is a server error. Bounded (a few examples per operation, derandomized) so
that it runs in the suite on SQLite and PostgreSQL alike."""

import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from accounts.services import api_token_create
from chuancheng.test import World
from chuancheng.wsgi import application

EXAMPLES = 6


@pytest.fixture
def same_connection():
    """Requests go through the real WSGI handler, whose request_started and request_finished
    signals close the database connection — and with it the test's transaction on PostgreSQL.
    Django's own test client holds them off the same way."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


@pytest.fixture
def tokens(world) -> dict[str, str]:
    return {name: api_token_create(user=getattr(world, name), name="fuzz")[1] for name in World.PERSONAS}


def test_no_api_operation_answers_a_server_error(tokens, same_connection):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    personas = [None, *sorted(tokens)]
    server_errors = []
    started = time.monotonic()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy, persona=st.sampled_from(personas))
            def probe(case, persona):
                headers = {"Authorization": f"Bearer {tokens[persona]}"} if persona else {}
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    server_errors.append(f"{persona} {case.as_curl_command(headers=headers)} → {response.status_code}")

            try:
                probe()
            except Unsatisfiable:
                # An operation whose only inputs are free strings has no input outside its schema.
                assert mode is GenerationMode.NEGATIVE
    print(f"{len(operations)} operations in {time.monotonic() - started:.0f}s")
    assert server_errors == []
