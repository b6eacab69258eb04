import os

import pytest

from chuancheng.test import World, build_world, ensure_regions


def pytest_configure(config):
    from django.conf import settings

    if os.environ.get("TEST_OWNER_ROLE"):
        _flush_as_table_owner(os.environ["TEST_OWNER_ROLE"])

    # Hashing with PBKDF2 for every persona in every test would cost seconds; tests of the
    # password rules do not depend on the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _flush_as_table_owner(owner: str) -> None:
    """The suite runs as the runtime role (chuancheng/testdb.py), which may not TRUNCATE the audit
    log; emptying every table between transactional tests is the harness's work, done as the owner
    for the length of the flush's own transaction (SET LOCAL ends with it)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    plain = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = plain(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if not statements:
            return statements
        return [f'SET LOCAL ROLE "{owner}"', *statements]

    DatabaseOperations.sql_flush = sql_flush


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


# --- browser tests: a real Chromium driven through Playwright -----------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser(django_db_setup, django_db_blocker):
    from playwright.sync_api import sync_playwright

    # A missing browser is a broken set-up, not a reason to skip: `make test` installs it.
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed (make system-packages)"
    # Playwright's sync API keeps an asyncio loop running in this thread, and Django then refuses
    # synchronous database calls from it. Allowed only while this module's browser is open.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
        # Leave the database as migrations left it for whatever test runs next.
        with django_db_blocker.unblock():
            ensure_regions()


@pytest.fixture
def page(browser, live_server):
    from playwright.sync_api import expect

    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    pg = context.new_page()
    yield pg
    context.close()
