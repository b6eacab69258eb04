"""`python -m bench.search [N]`: full-text search latency on N (100,000) techniques, the index
(FTS5 on SQLite, GIN on PostgreSQL) against a plain `LIKE '%term%'` scan.

Generates (once; topped up while fewer exist) techniques named from the real vocabularies and the
places of Yuncheng, reindexes what is not indexed, then times a results page — the first 20 and
the total — for about fifty queries: Han words common and rare, place and holder names, pinyin,
initials, two-term ANDs and absent words. The database is the one `make bench` uses:
`bench/bench.sqlite3` unless BENCH_DATABASE_URL names another.
"""

import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import timedelta

from bench import setup  # noqa: E402,F401  (configures and starts Django)

HERE = setup.HERE

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Region, User  # noqa: E402
from techniques.models import Technique, TechniqueHolder, Term, Vocabulary  # noqa: E402
from techniques.search import like_search, reindex, search  # noqa: E402

PAGE = 20
REPEAT = 3
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁薛")
GIVEN = list("秀兰建国志强德明玉珍永福桂英春生海平文华金凤国庆保全守义长顺树林淑芬")
ERAS = ["明代万历", "清代康熙", "清代乾隆", "清代道光", "清代光绪", "民国初", "民国二十", "上世纪五十"]
POINTS = ["足三里", "中脘", "关元", "气海", "天枢", "脾俞", "肾俞", "大椎", "合谷", "内关", "百会", "板门", "脾经"]
ACTIONS = ["揉", "按", "推", "摩", "捏", "点", "拿", "擦", "灸", "刮", "拔", "刺"]
BASES = ["调和气血", "温经散寒", "健脾和胃", "舒筋活络", "清热解毒", "扶正祛邪", "活血化瘀", "消食导滞"]
RISKS = [
    "皮肤破损、出血倾向者禁用；孕妇慎用。",
    "高热、急性传染病期间禁用；饭后一小时内不宜操作。",
    "对方中药物过敏者禁用；肝肾功能不全者慎用。",
    "骨折未愈、严重骨质疏松者禁用。",
    "",
]
SUFFIXES = ["疗法", "手法", "验方", "秘方", "膏", "散", "技术"]


def _short(name: str) -> str:
    return name.split("（")[0]


def _place(name: str) -> str:
    for suffix in ("街道办事处", "街道", "镇", "乡", "区", "市", "县"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def generate(n: int) -> list[int]:
    """Tops the techniques up to n; returns the new ids."""
    have = Technique.objects.count()
    if have >= n:
        return []
    print(f"generating {n - have} techniques…", flush=True)
    started = time.perf_counter()
    rng = random.Random(1408 + have)
    user, _ = User.objects.get_or_create(username="bench_search", defaults={"full_name": "基准录入员", "password": "!"})
    regions = list(
        Region.objects.filter(prefix__startswith="1408", level__in=["township", "village"]).values_list(
            "code", flat=True
        )
    )
    places = [
        _place(p)
        for p in Region.objects.filter(prefix__startswith="1408").exclude(level="city").values_list("name", flat=True)
    ]
    vocab = {v: list(Term.objects.filter(vocabulary=v).values_list("pk", "name")) for v in Vocabulary.values}
    categories, inheritances = vocab["category"], vocab["inheritance"]
    diseases, syndromes, features = vocab["disease"], vocab["syndrome"], vocab["feature"]
    # Real collections lean on a few hundred common indications, not the whole reference list.
    common = rng.sample(diseases, 300)
    statuses = [s for s in Technique.Status.values for _ in range(3 if s in ("accepted", "published") else 1)]
    now = timezone.now()
    new_ids = []
    for start in range(have, n, 5000):
        rows, links = [], []
        for i in range(start, min(start + 5000, n)):
            category = rng.choice(categories)
            disease = rng.choice(common if rng.random() < 0.8 else diseases)
            disease2 = rng.choice(common)
            feature = rng.choice(features)
            place = rng.choice(places)
            surname, given = rng.choice(SURNAMES), "".join(rng.sample(GIVEN, 2))
            name = rng.choice(
                [
                    f"{place}{surname}氏{_short(category[1])}",
                    f"{_short(category[1])}治疗{disease[1]}",
                    f"{feature[1]}治疗{disease[1]}",
                    f"{surname}氏{disease[1]}{rng.choice(SUFFIXES)}",
                ]
            )[:100]
            technique = Technique(
                name=name,
                region_id=rng.choice(regions),
                category_id=category[0],
                inheritance_id=rng.choice(inheritances)[0],
                status=rng.choice(statuses),
                channel=rng.choice(Technique.Channel.values),
                entered_by=user,
                created_at=now - timedelta(minutes=i),
                origin_history=(
                    f"{rng.choice(ERAS)}年间，由{place}{surname}{given}所创，"
                    f"{rng.choice(['家族世代相传', '师徒口传心授', '于乡间行医中自学而成'])}，至今已传{rng.randint(2, 9)}代，"
                    f"在{rng.choice(places)}、{rng.choice(places)}一带群众中颇有口碑。"
                ),
                theory_features=(
                    f"本法以{feature[1]}为主，{rng.choice(BASES)}、{rng.choice(BASES)}，"
                    f"适用于{disease[1]}、{disease2[1]}等病症，取材方便，费用低廉。"
                ),
                operation_method=(
                    f"{rng.choice(ACTIONS)}{rng.choice(POINTS)}、{rng.choice(ACTIONS)}{rng.choice(POINTS)}各三百次，"
                    f"再{rng.choice(ACTIONS)}{rng.choice(POINTS)}五分钟，每日一次，七日为一疗程。"
                ),
                typical_cases=(
                    f"患者{rng.choice(SURNAMES)}某，{rng.choice(['男', '女'])}，{rng.randint(2, 80)}岁，"
                    f"{rng.choice(places)}人，患{disease[1]}{rng.randint(1, 24)}个月，"
                    f"经本法治疗{rng.randint(1, 8)}周后症状明显缓解，随访半年未复发。"
                ),
                contraindications=rng.choice(RISKS),
            )
            rows.append(technique)
            links.append((disease[0], disease2[0], rng.choice(syndromes)[0], feature[0], f"{surname}{given}"))
        Technique.objects.bulk_create(rows, batch_size=1000)
        through = Technique.diseases.through
        through.objects.bulk_create(
            [
                through(technique_id=t.pk, term_id=d)
                for t, (d1, d2, _, _, _) in zip(rows, links, strict=True)
                for d in {d1, d2}
            ],
            batch_size=5000,
        )
        through = Technique.syndromes.through
        through.objects.bulk_create(
            [through(technique_id=t.pk, term_id=s) for t, (_, _, s, _, _) in zip(rows, links, strict=True)],
            batch_size=5000,
        )
        through = Technique.features.through
        through.objects.bulk_create(
            [through(technique_id=t.pk, term_id=f) for t, (_, _, _, f, _) in zip(rows, links, strict=True)],
            batch_size=5000,
        )
        TechniqueHolder.objects.bulk_create(
            [TechniqueHolder(technique_id=t.pk, name=link[4]) for t, link in zip(rows, links, strict=True)],
            batch_size=5000,
        )
        new_ids += [t.pk for t in rows]
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    return new_ids


def _unindexed() -> list[int]:
    ids = list(Technique.objects.filter(search_text="").values_list("pk", flat=True))
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM techniques_fts")
            if cursor.fetchone()[0] != Technique.objects.count():
                return list(Technique.objects.values_list("pk", flat=True))
    return ids


def queries() -> list[str]:
    """About fifty queries drawn from what the data holds, plus a few it does not."""
    rng = random.Random(7)
    names = list(Technique.objects.order_by("pk").values_list("name", flat=True)[:2000])
    common_diseases = list(
        Term.objects.filter(vocabulary="disease", techniques_treating__isnull=False)
        .values_list("name", flat=True)
        .distinct()[:400]
    )
    han = "推拿 艾灸 刮痧 拔罐 正骨 验方 灸 积滞 解州 运城 郭氏 清热解毒 足三里 膏".split()
    han += rng.sample(common_diseases, 8)
    pinyin = ["tuina", "aijiu", "guasha", "zhenggu", "xiaoer", "jizhi", "yanfang", "xiezhou", "wang", "zusanli"]
    initials = ["xetn", "tn", "gs", "zg", "aj", "jz"]
    pairs = ["推拿 积滞", "艾灸 腹痛", "刮痧 发热", "正骨 yanhu", "tuina xiaoer", "验方 咳嗽", "灸 关元", "郭氏 推拿"]
    pairs += [
        " ".join(rng.sample(name.split("治疗") if "治疗" in name else [name[:2], name[-2:]], 2))
        for name in rng.sample(names, 4)
    ]
    absent = ["量子纠缠", "blockchain", "zzqx"]
    return han + pinyin + initials + pairs + absent


def _measure(run, qs, query_list: list[str]) -> dict:
    for query in query_list[:5]:
        list(run(qs, query)[:PAGE])  # warm caches
    timings = []
    for _ in range(REPEAT):
        for query in query_list:
            started = time.perf_counter()
            results = run(qs, query)
            list(results[:PAGE])
            results.count()
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(int(len(timings) * 0.95) - 1, 0)], 1),
        "max_ms": round(timings[-1], 1),
        "runs": len(timings),
    }


def run(n: int = 100_000) -> dict:
    call_command("migrate", verbosity=0)
    generated = generate(n)
    todo = _unindexed()
    reindex_rate = None
    if todo:
        print(f"reindexing {len(todo)} techniques…", flush=True)
        started = time.perf_counter()
        reindex(todo)
        reindex_rate = round(len(todo) / (time.perf_counter() - started))
        print(f"reindexed at {reindex_rate} techniques/s", flush=True)
    if connection.vendor == "postgresql" and (todo or generated):
        # A production database's autovacuum catches up with a bulk load within minutes; until it
        # has, every count reads the 100,000 dead row versions the reindex left and the planner
        # has no statistics. Measure the steady state.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    query_list = queries()
    qs = Technique.objects.all()
    hits = {q: search(qs, q).count() for q in query_list}
    fts = _measure(search, qs, query_list)
    like = _measure(like_search, qs, query_list)
    return {
        "date": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": connection.vendor,
        "techniques": Technique.objects.count(),
        "queries": len(query_list),
        "median_hits": statistics.median(hits.values()),
        "max_hits": max(hits.values()),
        "reindex_per_s": reindex_rate,
        "fts": fts,
        "like": like,
        "ratio_p50": round(like["p50_ms"] / fts["p50_ms"], 1) if fts["p50_ms"] else None,
    }


if __name__ == "__main__":
    result = run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    print(json.dumps(result, ensure_ascii=False, indent=2))
