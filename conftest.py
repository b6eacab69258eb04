import pytest

from chuancheng.test import World, build_world, ensure_regions


def pytest_configure(config):
    from django.conf import settings

    # Hashing with PBKDF2 for every persona in every test would cost seconds; tests of the
    # password rules do not depend on the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def client_for(client, world):
    """client_for("sun") → a test client signed in as 孙科员."""
    from django.test import Client

    def make(name: str) -> Client:
        c = Client()
        c.force_login(getattr(world, name))
        return c

    return make


@pytest.fixture
def live_world(transactional_db) -> World:
    """The personas for tests that need committed data (live server, browser)."""
    ensure_regions()
    return build_world()
