"""Walks every URL pattern as every persona. A new URL without an expectation here fails the
suite, so nobody adds a page without deciding who may see it."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from chuancheng.test import World

PERSONAS = ("anon",) + World.PERSONAS
SIGNED_IN = World.PERSONAS

# Persona groups, to keep the table readable.
OFFICE = ("sun", "zhou", "yang", "lin", "admin")


def everyone(status):
    return dict.fromkeys(PERSONAS, status)


def signed_in(status, anon=302):
    return {"anon": anon, **dict.fromkeys(SIGNED_IN, status)}


def only(allowed: dict, default, anon=302):
    return {"anon": anon, **{p: allowed.get(p, default) for p in SIGNED_IN}}


# 永济市中医医院 is in 永济市: its county's and the city's office staff and its own member reach it.
YONGJI_TCM = only({"zhou": 200, "yang": 200, "liming": 200, "admin": 200}, 404)
# 张医生's own record: himself, the county and city staff above 盐湖区; 陈专家 works in the same
# hospital (reaches it) but an expert may not open colleagues' records (403).
ZHANG = only({"zhang": 200, "sun": 200, "yang": 200, "admin": 200, "chen": 403}, 404)
# The audit log: office staff see their region's; the superuser does not read it at all, it is the
# audit administrator's (三权分立, accounts/duties.py).
AUDIT = only(dict.fromkeys(("sun", "zhou", "yang", "lin"), 200), 403)
DECLARANTS = only({**dict.fromkeys(OFFICE, 200), "guo": 200}, 403)
# 郭秀兰's draft in 临猗县: herself, the city's office staff (view, not edit) and the admin.
GUO_DRAFT = only({"guo": 200, "yang": 200, "admin": 200}, 404)
GUO_DRAFT_EDIT = only({"guo": 200, "yang": 403, "admin": 200}, 404)
VOCABULARY = only({"yang": 200, "admin": 200}, 403)


def technique_objects(world):
    from chuancheng.test import declaration_for
    from jobs.services import job_create
    from techniques.services import technique_advance

    draft = declaration_for(world.guo)
    published = declaration_for(world.guo, world.township_centre.region, submit=True, name="盐湖刮痧")
    for actor, to in (
        (world.lin, "received"),
        (world.sun, "verified"),
        (world.yang, "accepted"),
        (world.yang, "published"),
    ):
        technique_advance(technique=published, actor=actor, to=to)
    from techniques.views_spreadsheet import IMPORT_JOB_KIND

    job = job_create(owner=world.sun, kind=IMPORT_JOB_KIND, title="导入")
    return draft, published, job


def expectations(world):
    """name → (kwargs, query, {persona: status})."""
    draft, published, job = technique_objects(world)
    return {
        "portal:home": ({}, {}, everyone(200)),
        "portal:workbench": ({}, {}, signed_in(200)),
        "portal:favicon": ({}, {}, everyone(200)),
        "accounts:login": ({}, {}, everyone(200)),
        # The second factor exists only after the password step: everyone else is sent to sign in.
        "accounts:mfa-verify": ({}, {}, everyone(302)),
        "accounts:mfa-setup": ({}, {}, everyone(302)),
        "accounts:logout": ({}, {}, everyone(405)),  # POST only
        "accounts:password-change": ({}, {}, signed_in(200)),
        "accounts:password-change-done": ({}, {}, signed_in(200)),
        "accounts:password-reset": ({}, {}, everyone(200)),
        "accounts:password-reset-done": ({}, {}, everyone(200)),
        "accounts:password-reset-confirm": ({"uidb64": "MQ", "token": "bogus-token"}, {}, everyone(200)),
        "accounts:password-reset-complete": ({}, {}, everyone(200)),
        "accounts:profile": ({}, {}, signed_in(302)),
        "accounts:token-list": ({}, {}, signed_in(200)),
        "accounts:token-revoke": ({"pk": 1}, {}, signed_in(405)),
        "accounts:organization-list": ({}, {}, signed_in(200)),
        "accounts:organization-detail": ({"pk": world.yongji_tcm.pk}, {}, YONGJI_TCM),
        "accounts:workstation-decide": ({"pk": world.workstation.pk}, {}, signed_in(405)),
        "accounts:person-detail": ({"pk": world.zhang.pk}, {}, ZHANG),
        "accounts:person-set-active": ({"pk": world.zhang.pk}, {}, signed_in(405)),
        "workflow:audit-list": ({}, {}, AUDIT),
        # The region picker's data: public divisions, for the registration page too.
        # Self-registration (issue 12 §1): for those without an account; the signed-in go to work.
        "accounts:register": ({}, {}, only({}, 302, anon=200)),
        "accounts:register-code": ({}, {}, everyone(405)),  # POST only
        "accounts:privacy-notice": ({}, {}, everyone(200)),
        "workflow:audit-list": ({}, {}, AUDIT),
        "accounts:region-options": ({}, {"q": "linyi"}, everyone(200)),
        "workflow:audit-export": ({}, {}, AUDIT),
        # Every workflow button posts here; its POSTs are walked in workflow/tests/test_moves.py.
        "workflow:move": ({"label": "accounts.organization", "pk": world.workstation.pk}, {}, signed_in(405)),
        "api:api-root": ({}, {}, everyone(404)),
        "api:openapi-json": ({}, {}, everyone(200)),
        "api:openapi-view": ({}, {}, everyone(200)),
        "api:region_list": ({}, {"parent": "140800"}, everyone(200)),
        "api:region_get": ({"code": "140802"}, {}, everyone(200)),
        "api:organization_list": ({}, {}, signed_in(200, anon=401)),
        "api:organization_get": ({"pk": world.yongji_tcm.pk}, {}, {**YONGJI_TCM, "anon": 401}),
        "api:me_get": ({}, {}, signed_in(200, anon=401)),
        "set_language": ({}, {}, everyone(302)),
        "jobs:job-detail": ({"pk": job.pk}, {}, only({"sun": 200}, 404)),
        # The job has no file: 404 even for its owner (the file's owner-only download is tested
        # in cases/tests/test_import.py).
        "jobs:job-output": ({"pk": job.pk}, {}, only({}, 404)),
        "techniques:public-list": ({}, {}, everyone(200)),
        "techniques:public-detail": ({"pk": published.pk}, {}, everyone(200)),
        "techniques:declaration-create": ({}, {}, DECLARANTS),
        "techniques:manage-list": ({}, {}, signed_in(200)),
        "techniques:manage-detail": ({"pk": draft.pk}, {}, GUO_DRAFT),
        "techniques:declaration-edit": ({"pk": draft.pk}, {}, GUO_DRAFT_EDIT),
        "techniques:declaration-submit": ({"pk": draft.pk}, {}, signed_in(405)),
        "techniques:technique-advance": ({"pk": draft.pk}, {}, signed_in(405)),
        "techniques:protection-add": ({"pk": draft.pk}, {}, signed_in(405)),
        "techniques:consent-add": ({"pk": draft.pk}, {}, signed_in(405)),
        "techniques:procedure-add": ({"pk": draft.pk}, {}, signed_in(405)),
        "techniques:file-add": ({"pk": draft.pk}, {}, signed_in(405)),
        "techniques:classify": ({"pk": draft.pk}, {}, signed_in(405)),
        "techniques:term-suggest": ({}, {"vocabulary": "disease", "q": "积"}, signed_in(200)),
        "techniques:vocabulary-list": ({}, {}, VOCABULARY),
        "techniques:term-rename": ({"pk": 1}, {}, signed_in(405)),
        "techniques:dashboard": ({}, {}, signed_in(200)),
        "techniques:template": ({}, {}, DECLARANTS),
        # The spreadsheet channel is offline: staff import for their unit; holders declare online.
        "techniques:import": ({}, {}, only(dict.fromkeys(OFFICE, 200), 403)),
        "techniques:import-result": ({"pk": job.pk}, {}, only({"sun": 200}, 404)),
        # The job has no error sheet: 404 even for its owner.
        "techniques:import-errors": ({"pk": job.pk}, {}, only({}, 404)),
        "techniques:export": ({}, {}, only(dict.fromkeys(OFFICE, 200), 403)),
        "api:technique_public_list": ({}, {"q": "刮痧"}, everyone(200)),
        "api:technique_public_get": ({"pk": published.pk}, {}, everyone(200)),
        # GET on the path that also takes POST (create) is the scoped list.
        "api:technique_list": ({}, {}, signed_in(200, anon=401)),
        "api:technique_create": ({}, {}, signed_in(200, anon=401)),
        "api:technique_get": ({"pk": draft.pk}, {}, {**GUO_DRAFT, "anon": 401}),
        "api:technique_submit": ({"pk": draft.pk}, {}, everyone(405)),
        "api:technique_advance": ({"pk": draft.pk}, {}, everyone(405)),
        "api:term_list": ({}, {"vocabulary": "disease", "q": "积"}, everyone(200)),
        "api:technique_dashboard": ({}, {}, signed_in(200, anon=401)),
    }


def all_expectations(world):
    """The table above plus each app's own `<app>/tests/url_expectations.py`, if it has one:
    `expectations(world, groups) -> dict` in the same shape, where `groups` offers the helpers
    of this module (everyone, signed_in, only, OFFICE)."""
    import importlib

    from django.apps import apps

    table = expectations(world)
    groups = {"everyone": everyone, "signed_in": signed_in, "only": only, "OFFICE": OFFICE, "PERSONAS": PERSONAS}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.tests.url_expectations")
        except ModuleNotFoundError:
            continue
        table.update(module.expectations(world, groups))
    return table


def _walk(patterns, namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = p.namespace if p.namespace else namespace
            if namespace and p.namespace:
                inner = f"{namespace}:{p.namespace}"
            yield from _walk(p.url_patterns, inner)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}:{p.name}" if namespace else p.name, p


ADMIN_SKIPPED_SUFFIXES = ("_change", "_delete", "_history", "autocomplete", "jsi18n", "login", "logout")
ADMIN_UNSUPPORTED_SUFFIXES = ("password_change", "password_change_done", "view_on_site", "auth_user_password")


def _admin_names():
    names = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") and not pattern.pattern.converters and "(?P<" not in str(pattern.pattern):
            if not name.endswith(ADMIN_SKIPPED_SUFFIXES + ADMIN_UNSUPPORTED_SUFFIXES):
                names[name] = pattern
    return names


def test_every_url_has_an_expectation(world):
    named = {name for name, _ in _walk(get_resolver().url_patterns) if not name.startswith("admin:")}
    table = all_expectations(world)
    missing = named - set(table)
    assert not missing, (
        f"URLs without an expectation in {__file__} or <app>/tests/url_expectations.py: {sorted(missing)}"
    )
    assert not set(table) - named, "expectations for URLs that no longer exist"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_each_persona_as_expected(world, client, persona):
    from django.test import Client

    c = Client()
    if persona != "anon":
        c.force_login(getattr(world, persona))
    failures = []
    for name, (kwargs, query, statuses) in all_expectations(world).items():
        url = reverse(name, kwargs=kwargs or None)
        response = c.get(url, query)
        if response.status_code != statuses[persona]:
            failures.append(f"{name} {url}: expected {statuses[persona]}, got {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("persona", ["anon", "sun", "zhao", "admin"])
def test_the_admin_is_for_superusers_only(world, persona):
    from django.test import Client

    c = Client()
    if persona != "anon":
        c.force_login(getattr(world, persona))
    names = _admin_names()
    assert "admin:index" in names and "admin:accounts_organization_changelist" in names
    # Records that only the system writes: audit rows, tokens, lock-out logs, task results.
    no_add = {
        "admin:workflow_auditentry_add",
        "admin:accounts_apitoken_add",
        "admin:axes_accessattempt_add",
        "admin:axes_accesslog_add",
        "admin:axes_accessfailurelog_add",
        # Lineage records are entered and verified through their services (lineage/admin.py).
        "admin:lineage_person_add",
        "admin:lineage_source_add",
        "admin:lineage_link_add",
        "admin:lineage_citation_add",
        # Made by registration and the unit's confirmation (issue 12 §1), never by hand.
        "admin:accounts_membershiprequest_add",
        "admin:accounts_privacyconsent_add",
        "admin:accounts_phonecode_add",
        "admin:django_tasks_database_dbtaskresult_add",
        # A master comes from an application and its review (masters/admin.py).
        "admin:masters_master_add",
    }
    # The audit log and the sign-in logs are the audit administrator's, never the superuser's.
    audit = (
        "admin:workflow_auditentry_",
        "admin:workflow_auditarchive_",
        "admin:axes_accesslog_",
        "admin:axes_accessfailurelog_",
    )
    failures = []
    for name in names:
        response = c.get(reverse(name))
        if persona == "admin":
            expected = 403 if name in no_add or name.startswith(audit) else 200
        else:
            expected = 302
        if response.status_code != expected:
            failures.append(f"{name}: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)
