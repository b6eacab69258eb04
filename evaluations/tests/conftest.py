import pytest


@pytest.fixture
def experts(world):
    from evaluations.tests.factories import pool

    return pool(world)
