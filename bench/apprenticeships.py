"""`python -m bench.apprenticeships [SCALE]`: the apprenticeship programme at national scale.

Generates (once; topped up while fewer exist) 10,000 masters, 100,000 apprenticeships (each with
its apprentice account) and 2,000,000 teaching activity rows — SCALE multiplies all three, e.g.
`0.01` for a quick check — then times, in-process through Django's test client, the public master
directory search, the reviewers' queues and an apprentice's progress page: p50/p95 latency and
queries per request. `run()` returns the figures; run alone, it also merges them into
bench/results.json under "apprenticeships". The database is the one `make bench` uses.
"""

from __future__ import annotations

import datetime
import json
import random
import sys
import time

# isort: off
from bench import setup  # noqa: F401  (configures and starts Django; must come first)
# isort: on

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Organization, Region, User  # noqa: E402
from apprenticeships.models import Apprenticeship, Term  # noqa: E402
from masters.models import TIER_TRACK, Master, Tier, Title  # noqa: E402
from masters.services import name_pinyin  # noqa: E402
from teaching.models import Activity  # noqa: E402
from teaching.quotas import Category  # noqa: E402

MASTERS = 10_000
APPRENTICESHIPS = 100_000
ACTIVITIES = 2_000_000
BATCH = 20_000
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁薛")
GIVEN = list("秀兰建国志强德明玉珍永福桂英春生海平文华金凤国庆保全守义长顺树林淑芬润昌振东立")
SPECIALTIES = [
    "针灸推拿",
    "中医内科（脾胃病）",
    "中医妇科",
    "骨伤",
    "小儿推拿",
    "中医外科",
    "心血管内科",
    "肿瘤",
    "皮肤病",
    "眼科",
]
TOPICS = {
    Category.THEORY: "醒脑开窍针法理论",
    Category.CASE_ANALYSIS: "随诊：中风后遗症病案分析",
    Category.SELF_STUDY: "网课：《黄帝内经》精读",
    Category.REFLECTION: "撰写跟师心得",
}


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _users(prefix: str, n: int, places: list[str], rng: random.Random) -> list[int]:
    have = User.objects.filter(username__startswith=prefix).count()
    rows = (
        User(username=f"{prefix}{i:06d}", full_name=_name(rng), region_id=places[i % len(places)], password="!")
        for i in range(have, n)
    )
    _bulk(User, rows)
    return list(User.objects.filter(username__startswith=prefix).order_by("pk").values_list("pk", flat=True)[:n])


def _bulk(model, rows, size: int = 5000) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            model.objects.bulk_create(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)


def generate(scale: float = 1.0) -> None:
    masters, apprenticeships, activities = int(MASTERS * scale), int(APPRENTICESHIPS * scale), int(ACTIVITIES * scale)
    if (
        Master.objects.filter(user__username__startswith="bm").count() >= masters
        and Apprenticeship.objects.count() >= apprenticeships
        and Activity.objects.count() >= activities
    ):
        return
    print(f"generating {masters} masters, {apprenticeships} apprenticeships, {activities} activities…", flush=True)
    started = time.perf_counter()
    rng = random.Random(2026)
    if not User.objects.filter(username="host").exists():
        from chuancheng.demo import load_demo

        load_demo(techniques=20)
    places = list(
        Region.objects.filter(prefix__startswith="1408", level__in=["county", "township"]).values_list(
            "code", flat=True
        )
    )
    units = list(Organization.objects.filter(kind=Organization.Kind.MEDICAL).values_list("pk", flat=True)[:500])
    today = timezone.localdate()

    with transaction.atomic():
        master_users = _users("bm", masters, places, rng)
        have = set(Master.objects.filter(user_id__in=master_users).values_list("user_id", flat=True))
        tiers = list(Tier)

        def master_rows():
            for n, uid in enumerate(master_users):
                if uid in have:
                    continue
                name = _name(rng)
                pinyin, initials = name_pinyin(name)
                tier = tiers[n % len(tiers)]
                yield Master(
                    user_id=uid,
                    name=name,
                    name_pinyin=pinyin,
                    name_initials=initials,
                    track=TIER_TRACK[tier],
                    tier=tier,
                    title=Title.CHIEF,
                    specialty=SPECIALTIES[n % len(SPECIALTIES)],
                    clinical_since=1970 + n % 30,
                    birth_date=datetime.date(1940 + n % 30, 1 + n % 12, 1 + n % 28),
                    organization_id=units[n % len(units)],
                    region_id=places[n % len(places)],
                    # One in ten still waits in the reviewers' queue.
                    status=Master.Status.SUBMITTED if n % 10 == 0 else Master.Status.CERTIFIED,
                    submitted_at=timezone.now(),
                    capacity=10,
                )

        _bulk(Master, master_rows())
    certified = list(
        Master.objects.filter(user__username__startswith="bm", status=Master.Status.CERTIFIED).values_list(
            "pk", flat=True
        )
    )

    with transaction.atomic():
        apprentices = _users("ba", apprenticeships, places, rng)
        have = set(Apprenticeship.objects.filter(apprentice_id__in=apprentices).values_list("apprentice_id", flat=True))
        terms = [Term.HALF_YEAR, Term.ONE_YEAR, Term.ONE_YEAR, Term.THREE_YEARS]

        def apprenticeship_rows():
            for n, uid in enumerate(apprentices):
                if uid in have:
                    continue
                starts_on = today - datetime.timedelta(days=60 + n % 700)
                yield Apprenticeship(
                    master_id=certified[n % len(certified)],
                    apprentice_id=uid,
                    organization_id=units[n % len(units)],
                    region_id=places[n % len(places)],
                    term=terms[n % len(terms)],
                    starts_on=starts_on,
                    ends_on=starts_on + datetime.timedelta(days=1095),
                    status=Apprenticeship.Status.GRADUATED if n % 20 == 0 else Apprenticeship.Status.ACTIVE,
                )

        _bulk(Apprenticeship, apprenticeship_rows())

    _activities(activities, rng, today)
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


def _activities(total: int, rng: random.Random, today: datetime.date) -> None:
    """Raw INSERTs in batches: the ORM's per-object cost would dominate at two million rows."""
    have = Activity.objects.count()
    if have >= total:
        return
    pairs = list(Apprenticeship.objects.order_by("pk").values_list("pk", "apprentice_id", "starts_on"))
    kinds, categories = list(Activity.Kind), list(Category)
    statuses = ["confirmed"] * 14 + ["pending"] * 5 + ["rejected"]
    table = Activity._meta.db_table
    columns = (
        "apprenticeship_id, kind, category, date, hours, topic, online, online_agreement_note, evidence, "
        "evidence_type, status, logged_by_id, decision_note, created_at, updated_at"
    )
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 15)})"
    now = timezone.now()
    rows = []
    with connection.cursor() as cursor:
        for i in range(have, total):
            pk, apprentice_id, starts_on = pairs[i % len(pairs)]
            category = categories[i % len(categories)]
            day = starts_on + datetime.timedelta(days=(i // len(pairs)) * 3 % 55)
            rows.append(
                (
                    pk,
                    kinds[i % len(kinds)],
                    category,
                    min(day, today),
                    rng.choice((2, 3, 4, 6, 8)),
                    TOPICS[category],
                    False,
                    "",
                    "",
                    "",
                    statuses[i % len(statuses)],
                    apprentice_id,
                    "",
                    now,
                    now,
                )
            )
            if len(rows) == BATCH:
                with transaction.atomic():
                    cursor.executemany(sql, rows)
                rows = []
        if rows:
            with transaction.atomic():
                cursor.executemany(sql, rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def run(scale: float = 1.0) -> dict:
    from bench.timing import measure

    call_command("migrate", verbosity=0)
    generate(scale)
    anonymous = Client()

    def client(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    organizer, host = User.objects.get(username="organizer"), User.objects.get(username="host")
    # An apprentice in the middle of the table, with the average twenty activities.
    sample = (
        Apprenticeship.objects.filter(status=Apprenticeship.Status.ACTIVE)
        .order_by("pk")[Apprenticeship.objects.count() // 2 :]
        .select_related("apprentice", "master__user")
        .first()
    )
    apprentice, master = client(sample.apprentice), client(sample.master.user)
    cases = {
        "master directory search by surname 张 (public)": (anonymous, "/masters/?q=张"),
        "master directory search by pinyin zhang (public)": (anonymous, "/masters/?q=zhang"),
        "master directory search by initials + tier (public)": (anonymous, "/masters/?q=zd&tier=minglao_zhongyi"),
        "master review queue (organizing unit)": (client(organizer), "/masters/review/"),
        "teaching list (host unit, all apprenticeships)": (client(host), "/teaching/"),
        "apprentice's progress page": (apprentice, f"/teaching/{sample.pk}/"),
        "apprentice's activity list": (apprentice, f"/teaching/{sample.pk}/activities/"),
        "master's confirmation queue": (master, "/teaching/confirm/"),
        "progress API": (apprentice, f"/api/v1/teaching/apprenticeships/{sample.pk}/progress"),
    }
    try:
        # The apprenticeships app's own queue, when it is there (applications are not generated here).
        cases["apprentice application review queue (organizing unit)"] = (
            client(organizer),
            reverse("apprenticeships:review-queue"),
        )
    except NoReverseMatch:
        pass
    results = {name: measure(c, url, repeat=10) for name, (c, url) in cases.items()}
    return {
        "data": {
            "masters": Master.objects.count(),
            "apprenticeships": Apprenticeship.objects.count(),
            "activities": Activity.objects.count(),
        },
        "results": results,
    }


def main() -> None:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    figures = run(scale)
    out = setup.HERE / "results.json"
    existing = json.loads(out.read_text()) if out.exists() else {}
    existing.setdefault(connection.vendor, {})["apprenticeships"] = {
        "date": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "scale": scale,
        **figures,
    }
    out.write_text(json.dumps(existing, ensure_ascii=False, indent=2) + "\n")
    for name, r in figures["results"].items():
        print(f"{name:<55} p50 {r['p50_ms']:>8.1f} ms  p95 {r['p95_ms']:>8.1f} ms  {r['queries']:>3} queries")
    print(f"{figures['data']} → {out}")


if __name__ == "__main__":
    main()
