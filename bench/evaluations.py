"""`python -m bench.evaluations [SCALE]`: the value evaluation at city-programme scale.

Generates (once; topped up while fewer exist) 100,000 evaluations of accepted techniques — each
with a panel of five experts from a pool of 500, and every submitted sheet's seven scores
(3.5 million score rows) — SCALE multiplies the evaluations, e.g. `0.01` for a quick check. Then
times, in-process through Django's test client, the expert's queue page (an expert on a few
thousand panels), the office's list, dashboard and graded database, and the aggregation of all
100,000 evaluations: p50/p95 latency and queries per request. `run()` returns the figures; run
alone, it also merges them into bench/results.json under "evaluations". The database is the one
`make bench` uses.
"""
# isort: skip_file

from __future__ import annotations

import json
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal


# isort: off
from bench import setup  # noqa: F401  (configures and starts Django; must come first)
# isort: on

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Organization, Region, User  # noqa: E402
from evaluations.models import (  # noqa: E402
    Assignment,
    Evaluation,
    EvaluationBatch,
    ExpertProfile,
    GradeScale,
    Rubric,
    Score,
)
from techniques.models import Technique  # noqa: E402

EVALUATIONS = 100_000
EXPERTS = 500
PANEL = (("tcm", 3), ("western", 2))
BATCH = 5_000
STATUSES = ["finalized"] * 6 + ["concluded"] * 1 + ["scoring"] * 2 + ["assigning"] * 1


def _experts(rng: random.Random) -> list[ExpertProfile]:
    have = list(ExpertProfile.objects.filter(user__username__startswith="bench_expert"))
    if len(have) >= EXPERTS:
        return have
    hospitals = list(Organization.objects.filter(kind="medical", region__prefix__startswith="1408")[:50])
    if not hospitals:
        hospitals = [Organization.objects.create(name="基准医院", kind="medical", region_id="140802")]
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench_expert{i:04d}",
                full_name=f"专家{i:04d}",
                password="!",
                region=hospitals[i % len(hospitals)].region,
            )
            for i in range(len(have), EXPERTS)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, organization=hospitals[i % len(hospitals)], role="expert") for i, u in enumerate(users)],
        ignore_conflicts=True,
    )
    ExpertProfile.objects.bulk_create(
        [
            ExpertProfile(
                user=u,
                field="tcm" if i % 5 < 3 else "western",
                title="chief",
                organization=hospitals[i % len(hospitals)],
                region=hospitals[i % len(hospitals)].region,
            )
            for i, u in enumerate(users)
        ]
    )
    return list(ExpertProfile.objects.filter(user__username__startswith="bench_expert"))


def _stamp_stages(evaluations: list) -> None:
    """The stage timestamps a real evaluation at each status has (scoring started, concluded,
    finalized), so that lists ordered by them and the dashboard's stage durations see real
    spreads rather than one large tie of NULLs."""
    for ev in evaluations:
        # stage_entered_at is drawn from 31 days; seconds from the id make each moment distinct.
        entered = ev.stage_entered_at - timedelta(seconds=ev.pk % 86_400)
        if ev.status == "scoring":
            ev.scoring_started_at = entered
        elif ev.status in ("concluded", "finalized"):
            ev.scoring_started_at = ev.opened_at + timedelta(days=3, minutes=ev.pk % 1440)
            ev.concluded_at = entered if ev.status == "concluded" else entered - timedelta(days=4, minutes=ev.pk % 720)
            ev.finalized_at = entered if ev.status == "finalized" else None
    Evaluation.objects.bulk_update(
        evaluations, ["scoring_started_at", "concluded_at", "finalized_at"], batch_size=BATCH
    )


def _techniques(n: int) -> list[int]:
    ids = list(
        Technique.objects.filter(status__in=["accepted", "published"])
        .exclude(evaluations__isnull=False)
        .values_list("pk", flat=True)[:n]
    )
    if len(ids) < n:
        entered_by, _ = User.objects.get_or_create(
            username="bench_search", defaults={"full_name": "基准录入员", "password": "!"}
        )
        places = list(Region.objects.filter(prefix__startswith="1408", level="township").values_list("code", flat=True))
        start = Technique.objects.count()
        Technique.objects.bulk_create(
            [
                Technique(
                    name=f"基准评估技术{start + i:06d}",
                    region_id=places[i % len(places)],
                    status="accepted",
                    entered_by=entered_by,
                )
                for i in range(n - len(ids))
            ],
            batch_size=BATCH,
        )
        ids = list(
            Technique.objects.filter(status__in=["accepted", "published"])
            .exclude(evaluations__isnull=False)
            .values_list("pk", flat=True)[:n]
        )
    return ids


def _office_user() -> User:
    """The demo's city office account when `make bench` built the demo; otherwise one of our own."""
    user = User.objects.filter(username="cityoffice").first()
    if user is not None:
        return user
    office, _ = Organization.objects.get_or_create(
        name="运城市卫生健康委员会", region_id="140800", defaults={"kind": "government", "department": "health"}
    )
    user = User.objects.create(username="cityoffice", full_name="杨慧敏", password="!", region_id="140802")
    Membership.objects.get_or_create(user=user, organization=office, role="office_staff")
    return user


def generate(n: int) -> None:
    have = Evaluation.objects.count()
    if have >= n:
        return
    print(f"generating {n - have} evaluations…", flush=True)
    started = time.perf_counter()
    rng = random.Random(1408 + have)
    experts = _experts(rng)
    by_field = {f: [e for e in experts if e.field == f] for f, _ in PANEL}
    rubric = Rubric.objects.get(is_default=True)
    criteria = list(rubric.criteria.all())
    scale = GradeScale.objects.get(is_default=True)
    opener = _office_user()
    office = opener.memberships.get(role="office_staff").organization
    batch = EvaluationBatch.objects.create(title="基准批次", opened_by=opener, organization=office)
    now = timezone.now()
    technique_ids = _techniques(n - have)
    for start in range(0, len(technique_ids), BATCH):
        with transaction.atomic():
            chunk = technique_ids[start : start + BATCH]
            regions = dict(Technique.objects.filter(pk__in=chunk).values_list("pk", "region_id"))
            evaluations = Evaluation.objects.bulk_create(
                [
                    Evaluation(
                        batch=batch,
                        technique_id=tid,
                        region_id=regions[tid],
                        organization=office,
                        rubric=rubric,
                        grade_scale=scale,
                        tcm_count=3,
                        western_count=2,
                        deadline=now + timedelta(days=rng.randint(-30, 30)),
                        disagreement_spread=Decimal("30"),
                        status=rng.choice(STATUSES),
                        opened_by=opener,
                        opened_at=now - timedelta(days=rng.randint(30, 400)),
                        stage_entered_at=now - timedelta(days=rng.randint(0, 30)),
                    )
                    for tid in chunk
                ]
            )
            if connection.vendor == "sqlite" and evaluations[0].pk is None:
                evaluations = list(Evaluation.objects.filter(technique_id__in=chunk))
            _stamp_stages(evaluations)
            assignments = []
            for ev in evaluations:
                submitted = ev.status in ("finalized", "concluded") or (ev.status == "scoring" and rng.random() < 0.6)
                for field, seats in PANEL:
                    for expert in rng.sample(by_field[field], seats):
                        status = "submitted" if submitted else ("accepted" if ev.status == "scoring" else "invited")
                        assignments.append(
                            Assignment(evaluation=ev, expert=expert, field=field, status=status, invited_by=opener)
                        )
            Assignment.objects.bulk_create(assignments, batch_size=BATCH)
            saved = Assignment.objects.filter(evaluation__in=evaluations, status="submitted").values_list(
                "pk", flat=True
            )
            scores = []
            for assignment_id in saved:
                base = rng.randint(55, 95)
                for c in criteria:
                    scores.append(
                        Score(
                            assignment_id=assignment_id, criterion=c, value=min(100, max(0, base + rng.randint(-8, 8)))
                        )
                    )
            Score.objects.bulk_create(scores, batch_size=BATCH)
        print(f"  {start + len(chunk):,} / {len(technique_ids):,}", flush=True)
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


def _aggregate_all() -> dict:
    """All evaluations aggregated (score, panels, disagreement), timed: one run through 100k."""
    from evaluations.services import evaluations_aggregate_many

    ids = list(Evaluation.objects.order_by("pk").values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        results = evaluations_aggregate_many(ids, chunk=2000)
        elapsed = time.perf_counter() - started
    flagged = sum(1 for r in results.values() if r.flagged)
    return {
        "evaluations": len(ids),
        "seconds": round(elapsed, 1),
        "per_1000_ms": round(elapsed * 1000 / max(len(ids), 1) * 1000, 1),
        "queries": len(ctx.captured_queries),
        "flagged": flagged,
    }


def run(scale: float = 1.0) -> dict:
    from bench.timing import measure

    call_command("migrate", verbosity=0)
    have = Evaluation.objects.count()
    generate(int(EVALUATIONS * scale))
    if connection.vendor == "postgresql" and Evaluation.objects.count() > have:
        # As in bench/search.py: measure the steady state autovacuum reaches after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    busiest = (
        ExpertProfile.objects.filter(user__username__startswith="bench_expert")
        .annotate(n=Count("assignments"))
        .order_by("-n")
        .first()
    )
    expert_client = Client()
    expert_client.force_login(busiest.user)
    office = Client()
    office.force_login(_office_user())
    one = Evaluation.objects.filter(status="finalized").order_by("pk").first()
    cases = {
        "expert queue page (an expert on thousands of panels)": (expert_client, "/evaluations/mine/"),
        "expert queue API": (expert_client, "/api/v1/my/assignments?limit=50"),
        "evaluation list page (city office)": (office, "/evaluations/"),
        "evaluation list flagged (city office)": (office, "/evaluations/?flagged=1"),
        "evaluation dashboard (city office)": (office, "/evaluations/dashboard/"),
        "graded database (city office)": (office, "/evaluations/graded/"),
        "evaluation page with scores (city office)": (office, f"/evaluations/{one.pk}/"),
        "evaluation list API (city office)": (office, "/api/v1/evaluations?limit=50"),
    }
    results = {name: measure(client, url, repeat=10) for name, (client, url) in cases.items()}
    return {
        "database": connection.vendor,
        "data": {
            "evaluations": Evaluation.objects.count(),
            "assignments": Assignment.objects.count(),
            "scores": Score.objects.count(),
            "experts": ExpertProfile.objects.count(),
            "busiest_expert_panels": busiest.assignments.count(),
        },
        "results": results,
        "aggregation": _aggregate_all(),
    }


def main() -> None:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    figures = run(scale)
    out = setup.HERE / "results.json"
    existing = json.loads(out.read_text()) if out.exists() else {}
    existing.setdefault(connection.vendor, {})["evaluations"] = {
        "date": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "scale": scale,
        **figures,
    }
    out.write_text(json.dumps(existing, ensure_ascii=False, indent=2) + "\n")
    for name, r in figures["results"].items():
        print(f"{name:<55} p50 {r['p50_ms']:>8.1f} ms  p95 {r['p95_ms']:>8.1f} ms  {r['queries']:>3} queries")
    print(f"aggregation: {figures['aggregation']}")
    print(f"{figures['data']} → {out}")


if __name__ == "__main__":
    main()
