"""`make bench`: the foundation's hot paths on a generated national-scale data set.

Builds (once; reused while its size matches) a database with 10,000+ organizations, 100,000
people with memberships and 1,000,000 audit rows, then times the pages and API lists that every
user hits, in-process through Django's test client, and writes bench/results.json.

The database is `bench/bench.sqlite3` unless BENCH_DATABASE_URL names another (e.g. the local
PostgreSQL: postgres://postgres@127.0.0.1:5432/chuancheng_bench).
"""

import json
import os
import platform
import sys
import time
from datetime import timedelta

from bench import setup  # noqa: E402,F401  (configures and starts Django)
from bench.timing import measure  # noqa: E402

HERE = setup.HERE

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Organization, Region, User  # noqa: E402
from workflow.models import AuditEntry  # noqa: E402

ORGANIZATIONS = 10_000
PEOPLE = 100_000
AUDIT_ROWS = 1_000_000
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def generate() -> None:
    if Organization.objects.count() >= ORGANIZATIONS and AuditEntry.objects.count() >= AUDIT_ROWS:
        return
    print("generating the data set (once)…", flush=True)
    started = time.perf_counter()
    from chuancheng.demo import load_demo

    load_demo()
    places = list(Region.objects.filter(level__in=["county", "township", "village"]).values_list("code", flat=True))
    kinds = [Organization.Kind.MEDICAL] * 8 + [Organization.Kind.GOVERNMENT, Organization.Kind.ORGANIZING]
    have = Organization.objects.count()
    Organization.objects.bulk_create(
        [
            Organization(name=f"基准单位{i:05d}", kind=kinds[i % len(kinds)], region_id=places[i % len(places)])
            for i in range(have, ORGANIZATIONS)
        ],
        batch_size=5000,
    )
    org_ids = list(Organization.objects.values_list("id", flat=True))
    have = User.objects.count()
    User.objects.bulk_create(
        [
            User(username=f"bench{i:06d}", full_name=f"人员{i:06d}", region_id=places[i % len(places)], password="!")
            for i in range(have, PEOPLE)
        ],
        batch_size=5000,
    )
    roles = Membership.Role.values
    user_ids = list(User.objects.filter(username__startswith="bench").values_list("id", flat=True))
    Membership.objects.bulk_create(
        [
            Membership(user_id=uid, organization_id=org_ids[n % len(org_ids)], role=roles[n % len(roles)])
            for n, uid in enumerate(user_ids)
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    actions = [a for a in AuditEntry.Action.values]
    now = timezone.now()
    have = AuditEntry.objects.count()
    batch = []
    for i in range(have, AUDIT_ROWS):
        batch.append(
            AuditEntry(
                created_at=now - timedelta(seconds=i * 7),
                actor_id=user_ids[i % len(user_ids)],
                actor_label=f"bench{i % len(user_ids):06d}",
                organization_id=org_ids[i % len(org_ids)],
                object_id=str(i),
                object_repr=f"记录{i}",
                action=actions[i % len(actions)],
                from_state="待批准",
                to_state="有效",
                reason="基准数据",
                ip="10.0.0.1",
            )
        )
        if len(batch) == 20_000:
            AuditEntry.objects.bulk_create(batch)
            batch = []
    if batch:
        AuditEntry.objects.bulk_create(batch)
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


SECTIONS = ("foundation", "techniques", "apprenticeships", "evaluations", "cases", "mining")


def main() -> None:
    """`python -m bench [SECTION …]`: every section by default; naming some runs only those and
    keeps the other sections' figures in results.json as they were."""
    only = [a for a in sys.argv[1:] if not a.startswith("-")]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        raise SystemExit(f"unknown bench section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    wanted = set(only or SECTIONS)
    call_command("migrate", verbosity=0)
    if "foundation" in wanted:
        generate()
    elif not User.objects.filter(username="cityoffice").exists():
        from chuancheng.demo import load_demo

        load_demo(techniques=20)
    clients = {}
    for name in ("county", "cityoffice", "host"):
        c = Client()
        c.force_login(User.objects.get(username=name))
        clients[name] = c
    anonymous = Client()
    out = HERE / "results.json"
    existing = json.loads(out.read_text()) if out.exists() else {}
    report = existing.get(connection.vendor, {})
    results = report.get("results", {})
    if "foundation" in wanted:
        cases = {
            "region children (API, public)": (anonymous, "/api/v1/regions?parent=140800"),
            "organization list page (county staff, scoped)": (clients["county"], "/accounts/organizations/"),
            "organization list page filtered (city staff)": (
                clients["cityoffice"],
                "/accounts/organizations/?kind=medical&region=140881",
            ),
            "organization list API (city staff)": (clients["cityoffice"], "/api/v1/organizations?limit=50"),
            "workbench (host unit)": (clients["host"], "/workbench/"),
            "audit log page 1 (city staff, 1M rows)": (clients["cityoffice"], "/audit/"),
            "audit log filtered by action (city staff)": (clients["cityoffice"], "/audit/?action=login_failed"),
            "person page (county staff)": (
                clients["county"],
                f"/accounts/people/{User.objects.get(username='master').pk}/",
            ),
        }
        results.update({name: measure(client, url) for name, (client, url) in cases.items()})
        report["data"] = {
            "organizations": Organization.objects.count(),
            "people": User.objects.count(),
            "memberships": Membership.objects.count(),
            "audit_rows": AuditEntry.objects.count(),
            "regions": Region.objects.count(),
        }

    if "techniques" in wanted:
        # Issue 4: 100,000 techniques — search with the index against a LIKE scan, and the pages.
        from bench import search as search_bench

        report["search"] = search_bench.run()
        technique_cases = {
            "technique database page (city staff, 100k)": (clients["cityoffice"], "/techniques/manage/"),
            "technique database filtered by county and status": (
                clients["cityoffice"],
                "/techniques/manage/?region=140881&status=accepted",
            ),
            "technique database search 推拿 (city staff)": (clients["cityoffice"], "/techniques/manage/?q=推拿"),
            "public catalogue page": (anonymous, "/techniques/"),
            "collection dashboard (city staff)": (clients["cityoffice"], "/techniques/dashboard/"),
            "technique list API (city staff)": (clients["cityoffice"], "/api/v1/techniques?limit=50"),
        }
        results.update({name: measure(client, url, repeat=10) for name, (client, url) in technique_cases.items()})
        # The database pages cache their facet counts: the same pages on a first view.
        results.update(
            {
                f"{name} — first view": measure(client, url, repeat=10, cold=True)
                for name, (client, url) in technique_cases.items()
                if url.startswith("/techniques/manage/") or url == "/techniques/"
            }
        )
    if "apprenticeships" in wanted:
        # Issue 3: 10,000 masters, 100,000 apprenticeships, 2,000,000 activity rows.
        from bench import apprenticeships as apprenticeships_bench

        report["apprenticeships"] = apprenticeships_bench.run()
    if "evaluations" in wanted:
        # Issue 5: the expert's queue and the aggregation of 100,000 evaluations.
        from bench import evaluations as evaluations_bench

        report["evaluations"] = evaluations_bench.run()
    if "cases" in wanted:
        # Issue 6: a 5,000-case analysis end to end (selection, normalisation, mining, clustering).
        from bench import cases as cases_bench

        report["cases"] = cases_bench.run()
    if "mining" in wanted and connection.vendor == "sqlite":
        # Issue 6: prescription mining against mlxtend on the same data (no database involved).
        from bench import mining as mining_bench

        report["mining"] = mining_bench.run()
    reset_queries()
    report.update(
        {
            "date": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "database": connection.vendor,
            "results": results,
        }
    )
    existing[connection.vendor] = report
    out.write_text(json.dumps(existing, ensure_ascii=False, indent=2) + "\n")
    for name, r in results.items():
        print(f"{name:<50} p50 {r['p50_ms']:>8.1f} ms  p95 {r['p95_ms']:>8.1f} ms  {r['queries']:>3} queries")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
