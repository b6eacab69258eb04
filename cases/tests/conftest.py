import pytest


@pytest.fixture(autouse=True)
def _no_curated_spellings_between_tests():
    """A curator's spellings live in lib.herbs for the process; the database rolls back after each
    test, so they must go with it."""
    from cases import herbmap

    herbmap.forget()
    yield
    herbmap.forget()
