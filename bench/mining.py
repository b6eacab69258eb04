"""Prescription mining at scale (issue 6): our FP-growth against mlxtend's on the same data in the
same run, and a 5,000-prescription analysis from text to core herbs.

    .venv/bin/python -m bench.mining        # prints the figures as JSON

The data: 100,000 generated prescriptions over 2,500 herbs, 6–15 herbs each, herb frequencies
Zipf-like (the k-th most used herb drawn in proportion to 1/k), and 60 % of prescriptions built on
one of 300 base formulas (kept herb by herb with probability 0.85), as a master's cases are built
on a few formulas with modifications. Fixed seed, so every run mines the same data.

Time is wall-clock (time.perf_counter) in runs without tracing. Peak memory is measured in separate
runs under tracemalloc: the largest amount of memory allocated during the step and not yet freed,
on top of what existed before it (the input lists are not counted for either side). tracemalloc sees
Python objects and NumPy's buffers alike, so mlxtend's one-hot table is counted. mlxtend needs its
input as a one-hot DataFrame; building it (TransactionEncoder, the documented way) is reported
separately from fpgrowth itself, and the ratios are given both ways.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import json
import os
import platform
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib import herbs as herb_table  # noqa: E402
from lib.mining import association_rules, cooccurrence_network, core_herbs, frequent_itemsets  # noqa: E402

PRESCRIPTIONS = 100_000
HERBS = 2_500
SEED = 20250601
MIN_SUPPORT = 0.01
MIN_CONFIDENCE = 0.8
ANALYSIS_CASES = 5_000


def generate_prescriptions(
    n: int = PRESCRIPTIONS,
    herbs: int = HERBS,
    *,
    seed: int = SEED,
    formulas: int = 300,
    names: list[str] | None = None,
) -> list[list[str]]:
    rng = random.Random(seed)
    names = names or [f"药{i:04d}" for i in range(herbs)]
    herbs = min(herbs, len(names))
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(herbs)))
    total = cumulative[-1]

    def draw() -> int:
        return bisect.bisect_left(cumulative, rng.random() * total)

    bases = []
    for _ in range(formulas):
        size = rng.randint(3, 8)
        base: set[int] = set()
        while len(base) < size:
            base.add(draw())
        bases.append(sorted(base))
    prescriptions = []
    for _ in range(n):
        size = rng.randint(6, 15)
        chosen: set[int] = set()
        if rng.random() < 0.6:
            # Pareto-distributed formula choice: a few formulas are used very often.
            base = bases[min(int(rng.paretovariate(1.2)) - 1, formulas - 1)]
            chosen.update(h for h in base if rng.random() < 0.85)
        while len(chosen) < size:
            chosen.add(draw())
        prescriptions.append([names[i] for i in sorted(chosen)])
    return prescriptions


def _timed(step: Callable[[], object]) -> tuple[object, float]:
    gc.collect()
    started = time.perf_counter()
    result = step()
    return result, time.perf_counter() - started


def _peak_bytes(step: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        result = step()
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    del result
    return peak


def _mb(n: int) -> float:
    return round(n / 2**20, 1)


def _ours(data: list[list[str]], min_support: float, min_confidence: float) -> dict:
    sets, mine_s = _timed(lambda: frequent_itemsets(data, min_support))
    rules, rules_s = _timed(lambda: association_rules(sets, len(data), min_confidence))
    mine_peak = _peak_bytes(lambda: frequent_itemsets(data, min_support))
    return {
        "itemsets": len(sets),
        "rules": len(rules),
        "longest_itemset": max((len(s.items) for s in sets), default=0),
        "mine_s": round(mine_s, 2),
        "rules_s": round(rules_s, 2),
        "mine_peak_mb": _mb(mine_peak),
        "_sets": {frozenset(s.items) for s in sets},
    }


def _mlxtend(data: list[list[str]], min_support: float, min_confidence: float) -> dict:
    import mlxtend
    import pandas as pd
    from mlxtend.frequent_patterns import association_rules as mlx_rules
    from mlxtend.frequent_patterns import fpgrowth
    from mlxtend.preprocessing import TransactionEncoder

    def encode():
        encoder = TransactionEncoder()
        return pd.DataFrame(encoder.fit(data).transform(data), columns=encoder.columns_)

    def mine(frame):
        return fpgrowth(frame, min_support=min_support, use_colnames=True)

    frame, encode_s = _timed(encode)
    found, mine_s = _timed(lambda: mine(frame))
    rules, rules_s = _timed(
        lambda: mlx_rules(
            found,
            num_itemsets=len(data),
            metric="confidence",
            min_threshold=min_confidence,
            return_metrics=["support", "confidence", "lift"],
        )
    )
    sets, rules_count = set(found["itemsets"]), len(rules)
    found = rules = None
    mine_peak = _peak_bytes(lambda: mine(frame))
    frame = None
    encode_and_mine_peak = _peak_bytes(lambda: mine(encode()))
    return {
        "version": mlxtend.__version__,
        "pandas": pd.__version__,
        "itemsets": len(sets),
        "rules": rules_count,
        "encode_s": round(encode_s, 2),
        "mine_s": round(mine_s, 2),
        "rules_s": round(rules_s, 2),
        "mine_peak_mb": _mb(mine_peak),
        "encode_and_mine_peak_mb": _mb(encode_and_mine_peak),
        "_sets": sets,
    }


def _analysis(cases: int = ANALYSIS_CASES) -> dict:
    """A master's analysis from the written prescriptions: parse and normalize 5,000 texts such as
    `炙甘草6g;人参9克;…`, then frequency, frequent sets (support ≥ 10 %, up to 4 herbs, the issue's
    defaults), rules (confidence ≥ 0.8), the co-occurrence network and its core herbs."""
    rng = random.Random(SEED)
    names = sorted(herb_table.standard_names())
    rng.shuffle(names)  # which herbs are the common ones is arbitrary, not alphabetical
    texts = [
        ";".join(f"{name}{rng.choice([3, 6, 9, 10, 12, 15, 30])}g" for name in rx)
        for rx in generate_prescriptions(cases, len(names), seed=SEED, formulas=40, names=names)
    ]
    herb_table.load()

    def analyse():
        from lib.herbs import parse_prescription
        from lib.mining import herb_frequency

        transactions = [[d.herb_name for d in parse_prescription(text)] for text in texts]
        frequency = herb_frequency(transactions)
        sets = frequent_itemsets(transactions, 0.1, max_len=4)
        rules = association_rules(sets, len(transactions), 0.8)
        core = core_herbs(cooccurrence_network(transactions), top=10)
        return frequency, sets, rules, core

    (frequency, sets, rules, core), seconds = _timed(analyse)
    return {
        "prescriptions": cases,
        "herbs": len(frequency),
        "itemsets": len(sets),
        "rules": len(rules),
        "core_herbs": [h.name for h in core],
        "seconds": round(seconds, 2),
        "peak_mb": _mb(_peak_bytes(analyse)),
    }


def run(
    *,
    prescriptions: int = PRESCRIPTIONS,
    herbs: int = HERBS,
    min_support: float = MIN_SUPPORT,
    min_confidence: float = MIN_CONFIDENCE,
) -> dict:
    data, generate_s = _timed(lambda: generate_prescriptions(prescriptions, herbs))
    report: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "data": {
            "prescriptions": len(data),
            "herbs": herbs,
            "herbs_used": len({h for rx in data for h in rx}),
            "mean_herbs_per_prescription": round(sum(map(len, data)) / len(data), 2),
            "seed": SEED,
            "generate_s": round(generate_s, 2),
        },
        "parameters": {"min_support": min_support, "min_confidence": min_confidence, "max_len": None},
        "measures": "time: wall clock, untraced runs; memory: tracemalloc peak above the start of the step",
    }
    ours = _ours(data, min_support, min_confidence)
    try:
        theirs = _mlxtend(data, min_support, min_confidence)
    except ImportError as error:
        theirs = None
        report["note"] = f"mlxtend is not importable ({error}); only our figures are reported"
    our_sets = ours.pop("_sets")
    report["ours"] = ours
    if theirs is not None:
        their_sets = theirs.pop("_sets")
        report["mlxtend"] = theirs
        report["same_itemsets"] = our_sets == their_sets
        report["same_rule_count"] = ours["rules"] == theirs["rules"]
        report["ratio"] = {
            "time_fpgrowth_only": round(theirs["mine_s"] / ours["mine_s"], 1),
            "time_with_encoding": round((theirs["encode_s"] + theirs["mine_s"]) / ours["mine_s"], 1),
            "memory_fpgrowth_only": round(theirs["mine_peak_mb"] / max(ours["mine_peak_mb"], 0.1), 1),
            "memory_with_encoding": round(theirs["encode_and_mine_peak_mb"] / max(ours["mine_peak_mb"], 0.1), 1),
            "time_rules": round(theirs["rules_s"] / max(ours["rules_s"], 0.01), 1),
        }
    report["analysis_5000"] = _analysis()
    return report


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2))
