"""Prescription mining (CAS-3): herb frequency, frequent herb sets, association rules and the herb
co-occurrence network with its core herbs. Transactions are prescriptions given as lists of herb
names; a herb written twice in one prescription counts once.

Frequent sets are found by pattern growth (FP-growth) without a node tree: each conditional pattern
base is a dict from a sorted tuple of integer item ids to its weight, so identical paths merge as
they would in the tree, and items are eliminated from the least to the most frequent, moving each
path to the bucket of its new last item (Borgelt's RElim arrangement of FP-growth). Every path lives
in exactly one bucket at a time, which keeps memory close to the size of the data.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, combinations

from lib.errors import ApplicationError


class MiningError(ApplicationError):
    pass


@dataclass(frozen=True, slots=True)
class Itemset:
    items: tuple[str, ...]  # sorted
    count: int
    support: float


@dataclass(frozen=True, slots=True)
class Rule:
    antecedent: tuple[str, ...]  # sorted
    consequent: tuple[str, ...]  # sorted
    count: int
    support: float
    confidence: float
    lift: float


@dataclass(frozen=True, slots=True)
class HerbCount:
    name: str
    count: int
    support: float


@dataclass(frozen=True, slots=True)
class CoreHerb:
    name: str
    count: int  # prescriptions that contain it
    degree: int  # herbs it is prescribed with
    weighted_degree: int  # sum of co-occurrence counts


# --- validation ---------------------------------------------------------------------------------


def validate_threshold(value: float, *, label: str, field: str | None = None) -> float:
    """0 < value ≤ 1. 1.0 is allowed and means "in every prescription" (support) or "always"
    (confidence); 0 would make every combination frequent and is refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MiningError(f"{label}必须是 0 到 1 之间的数（如 0.1 表示 10%）", field=field)
    if math.isnan(value) or not 0 < value <= 1:
        raise MiningError(f"{label}必须大于 0 且不超过 1（如 0.1 表示 10%），收到 {value:g}", field=field)
    return float(value)


def validate_max_len(max_len: int | None) -> int | None:
    if max_len is None:
        return None
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise MiningError(f"最大药味数必须是不小于 1 的整数，收到 {max_len}")
    return max_len


def min_count(min_support: float, n: int) -> int:
    """The smallest count c with c / n ≥ min_support, compared as the support figures that are shown
    (c / n in floating point), so that a threshold typed as an itemset's support keeps that itemset."""
    c = max(1, math.ceil(min_support * n))
    while c > 1 and (c - 1) / n >= min_support:
        c -= 1
    while c / n < min_support:
        c += 1
    return c


def _as_transactions(transactions: Iterable[Iterable[str]]) -> list[Iterable[str]]:
    """A list of re-iterable prescriptions (the miner reads each twice)."""
    transactions = [t if isinstance(t, (list, tuple, set, frozenset)) else _as_list(t) for t in transactions]
    if not transactions:
        raise MiningError("没有可分析的处方（所选病案中没有处方）")
    return transactions


def _as_list(transaction: Iterable[str]) -> list[str]:
    if isinstance(transaction, str):
        raise MiningError(f"每张处方应是药名的列表，而不是一个字符串：「{transaction[:20]}」")
    return list(transaction)


# --- frequency ----------------------------------------------------------------------------------


def herb_frequency(transactions: Iterable[Iterable[str]]) -> list[HerbCount]:
    """Each herb with the number of prescriptions that contain it, most frequent first."""
    transactions = _as_transactions(transactions)
    n = len(transactions)
    counts = Counter(chain.from_iterable(map(set, transactions)))
    return [HerbCount(name, c, c / n) for name, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


# --- frequent itemsets --------------------------------------------------------------------------


def frequent_itemsets(
    transactions: Iterable[Iterable[str]], min_support: float, *, max_len: int | None = None
) -> list[Itemset]:
    """Every herb set whose support (share of prescriptions that contain all of it) is at least
    `min_support`, with at most `max_len` herbs. Sorted by count (descending), size, then names."""
    min_support = validate_threshold(min_support, label="最小支持度")
    max_len = validate_max_len(max_len)
    transactions = _as_transactions(transactions)
    n = len(transactions)
    threshold = min_count(min_support, n)
    found, names = _mine(transactions, threshold, max_len or 0)
    result = [Itemset(tuple(sorted(names[i] for i in ids)), count, count / n) for ids, count in found]
    result.sort(key=lambda s: (-s.count, len(s.items), s.items))
    return result


def _mine(transactions: list[Iterable[str]], threshold: int, max_len: int) -> tuple[list, list[str]]:
    """(list of (item-id tuple, count), id → name). Ids rank items by descending frequency, so a
    sorted id tuple lists a prescription's herbs from the most to the least frequent, the order in
    which FP-growth inserts them."""
    counts = Counter(chain.from_iterable(map(set, transactions)))
    frequent = sorted((item for item, c in counts.items() if c >= threshold), key=lambda item: (-counts[item], item))
    names = list(frequent)
    rank = {item: i for i, item in enumerate(frequent)}
    out: list[tuple[tuple[int, ...], int]] = [((i,), counts[item]) for i, item in enumerate(frequent)]
    if max_len == 1 or len(frequent) < 2:
        return out, names

    # Buckets by last (least frequent) item; the item itself is dropped from the stored path.
    # Paths of one item support nothing beyond the item's own count, which is already known.
    buckets: list[dict[tuple[int, ...], int]] = [{} for _ in frequent]
    get_rank, has_rank = rank.__getitem__, rank.__contains__
    for items in transactions:
        ids = sorted(set(map(get_rank, filter(has_rank, items))))
        if len(ids) > 1:
            bucket = buckets[ids[-1]]
            path = tuple(ids[:-1])
            bucket[path] = bucket.get(path, 0) + 1

    depth = max_len - 1 if max_len else 0  # how many more items a conditional base may add
    for item in range(len(frequent) - 1, 0, -1):
        bucket = buckets[item]
        if not bucket:
            continue
        _grow(bucket, (item,), threshold, depth, out)
        _eliminate(bucket, buckets)
        buckets[item] = {}  # its paths now live in the buckets of more frequent items
    return out, names


def _eliminate(bucket: dict[tuple[int, ...], int], buckets) -> None:
    for path, weight in bucket.items():
        if len(path) > 1:
            target = buckets[path[-1]]
            rest = path[:-1]
            target[rest] = target.get(rest, 0) + weight


def _grow(base: dict[tuple[int, ...], int], prefix: tuple[int, ...], threshold: int, depth: int, out: list) -> None:
    """Mines the conditional pattern base of `prefix`: the paths (sorted id tuples, all of their items
    more frequent than those of `prefix`) that occur with `prefix`, and their weights. `depth` is
    how many items may still be added (0: no limit)."""
    if len(base) == 1:
        # A single path: every combination of its items has the path's weight (FP-growth's
        # single-path shortcut).
        ((path, weight),) = base.items()
        if weight >= threshold:
            limit = len(path) if not depth else min(depth, len(path))
            for size in range(1, limit + 1):
                for combo in combinations(path, size):
                    out.append((prefix + combo, weight))
        return

    counts: dict[int, int] = {}
    ones = []
    for path, weight in base.items():
        if weight == 1:
            ones.append(path)
        else:
            for item in path:
                counts[item] = counts.get(item, 0) + weight
    if ones:
        for item, c in Counter(chain.from_iterable(ones)).items():
            counts[item] = counts.get(item, 0) + c
    frequent = {item for item, c in counts.items() if c >= threshold}
    if not frequent:
        return
    for item in frequent:
        out.append((prefix + (item,), counts[item]))
    if depth == 1 or len(frequent) == 1:
        return

    buckets: dict[int, dict[tuple[int, ...], int]] = {item: {} for item in frequent}
    keep = frequent.__contains__
    for path, weight in base.items():
        if len(path) > 1:
            kept = tuple(filter(keep, path))
            if len(kept) > 1:
                bucket = buckets[kept[-1]]
                rest = kept[:-1]
                bucket[rest] = bucket.get(rest, 0) + weight
    next_depth = depth - 1 if depth else 0
    for item in sorted(frequent, reverse=True):
        bucket = buckets.pop(item)
        if bucket:
            _grow(bucket, prefix + (item,), threshold, next_depth, out)
            _eliminate(bucket, buckets)


# --- association rules --------------------------------------------------------------------------


def association_rules(itemsets: Sequence[Itemset], n: int, min_confidence: float) -> list[Rule]:
    """Every rule A → C from every split of every frequent set (A and C non-empty, disjoint) with
    confidence = count(A ∪ C) / count(A) ≥ `min_confidence`; lift = confidence / support(C).
    `itemsets` must hold every subset of each set, as `frequent_itemsets` returns them. Sorted by
    confidence, lift and support (descending), then names."""
    min_confidence = validate_threshold(min_confidence, label="最小置信度")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise MiningError("处方数必须是正整数")
    counts = {s.items: s.count for s in itemsets}
    rules: list[Rule] = []
    for itemset in itemsets:
        items = itemset.items
        size = len(items)
        if size < 2:
            continue
        together = itemset.count
        for k in range(1, size):
            for antecedent in combinations(items, k):
                antecedent_count = counts.get(antecedent)
                if antecedent_count is None:
                    raise MiningError(f"频繁项集不完整：缺少「{'、'.join(antecedent)}」")
                confidence = together / antecedent_count
                if confidence < min_confidence:
                    continue
                consequent = tuple(x for x in items if x not in antecedent)
                consequent_count = counts.get(consequent)
                if consequent_count is None:
                    raise MiningError(f"频繁项集不完整：缺少「{'、'.join(consequent)}」")
                rules.append(
                    Rule(
                        antecedent=antecedent,
                        consequent=consequent,
                        count=together,
                        support=together / n,
                        confidence=confidence,
                        lift=together * n / (antecedent_count * consequent_count),
                    )
                )
    rules.sort(key=lambda r: (-r.confidence, -r.lift, -r.support, r.antecedent, r.consequent))
    return rules


# --- co-occurrence network ----------------------------------------------------------------------


def cooccurrence_network(transactions: Iterable[Iterable[str]], *, min_count: int = 1):
    """A networkx Graph: a node per herb (attribute `count`), an edge per pair of herbs prescribed
    together at least `min_count` times (attribute `weight`, the number of prescriptions)."""
    import networkx as nx

    transactions = _as_transactions(transactions)
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise MiningError(f"共现次数阈值必须是正整数，收到 {min_count}")
    herbs: Counter = Counter()
    pairs: Counter = Counter()
    for t in transactions:
        items = sorted(set(t))
        herbs.update(items)
        pairs.update(combinations(items, 2))
    graph = nx.Graph()
    for name, c in herbs.items():
        graph.add_node(name, count=c)
    graph.add_weighted_edges_from((a, b, c) for (a, b), c in pairs.items() if c >= min_count)
    return graph


def herb_communities(graph) -> dict[str, int]:
    """Each herb's community in the co-occurrence network (Louvain modularity on the co-occurrence
    weights, seeded so that the same data always gives the same colours): herbs prescribed together
    more than with the rest. Communities are numbered from the largest; a herb without edges is a
    community of its own."""
    import networkx as nx

    if graph.number_of_nodes() == 0:
        return {}
    found = nx.community.louvain_communities(graph, weight="weight", seed=0)
    ordered = sorted((sorted(c) for c in found), key=lambda members: (-len(members), members[0]))
    return {name: number for number, members in enumerate(ordered) for name in members}


def core_herbs(graph, *, top: int = 10) -> list[CoreHerb]:
    """The herbs at the centre of the network: by weighted degree (how often a herb is prescribed
    with others), then degree, then how often it is prescribed, then name."""
    ranked = [
        CoreHerb(
            name=name,
            count=graph.nodes[name].get("count", 0),
            degree=graph.degree(name),
            weighted_degree=int(graph.degree(name, weight="weight")),
        )
        for name in graph.nodes
    ]
    ranked.sort(key=lambda h: (-h.weighted_degree, -h.degree, -h.count, h.name))
    return ranked[:top]


# --- hierarchical clustering into core combinations ---------------------------------------------

CLUSTER_HERBS = 30
MAX_CLUSTERS = 20
# Ward's criterion on the Jaccard distance: compact groups. Average linkage chains on sparse
# prescription data (most pairs are never prescribed together) into one large group and singletons.
LINKAGE = "ward"


@dataclass(frozen=True, slots=True)
class Combination:
    herbs: tuple[str, ...]  # most frequent first
    count: int  # prescriptions that contain every herb of it
    support: float
    cohesion: float  # mean Jaccard similarity of its pairs (1.0 for a single herb)


def validate_clusters(clusters: int) -> int:
    if isinstance(clusters, bool) or not isinstance(clusters, int) or not 2 <= clusters <= MAX_CLUSTERS:
        raise MiningError(f"聚类组数必须是 2 到 {MAX_CLUSTERS} 之间的整数，收到 {clusters}", field="clusters")
    return clusters


def core_combinations(
    transactions: Iterable[Iterable[str]], *, clusters: int = 6, top: int = CLUSTER_HERBS
) -> tuple[list[Combination], dict | None]:
    """Hierarchical clustering (Ward linkage on the Jaccard distance of co-prescription) of the
    `top` most frequent herbs, cut into `clusters` groups: the groups of two herbs or more are the
    core combinations, most supported first. A group that no prescription holds together is cut
    down to the part that some do (_held_together), and left out when that is a single herb: a
    combination with no co-occurrence is never reported. Also returns the dendrogram as a nested dict
    ({"name", "height", "children"}), or None when fewer than two herbs can be clustered."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage, to_tree
    from scipy.spatial.distance import squareform

    clusters = validate_clusters(clusters)
    transactions = _as_transactions(transactions)
    n = len(transactions)
    herbs = [h.name for h in herb_frequency(transactions)[:top]]
    if len(herbs) < 2:
        return [], None
    index = {h: i for i, h in enumerate(herbs)}
    incidence = np.zeros((n, len(herbs)), dtype=np.float32)
    for row, t in enumerate(transactions):
        for h in t:
            if (i := index.get(h)) is not None:
                incidence[row, i] = 1.0
    together = incidence.T @ incidence
    alone = np.diag(together)
    union = alone[:, None] + alone[None, :] - together
    jaccard = np.divide(together, union, out=np.zeros_like(together), where=union > 0)
    distance = 1.0 - jaccard
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method=LINKAGE)
    labels = fcluster(tree, t=min(clusters, len(herbs)), criterion="maxclust")

    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    combinations_found = []
    for grouped in groups.values():
        members = _held_together(grouped, incidence)
        if len(grouped) > 1 and len(members) < 2:
            continue  # leftovers that Ward's cut put together: no combination the master uses
        together_all = int(incidence[:, members].all(axis=1).sum())
        pairs = [jaccard[a, b] for a, b in combinations(members, 2)]
        cohesion = float(sum(pairs) / len(pairs)) if pairs else 1.0
        combinations_found.append(
            Combination(tuple(herbs[i] for i in members), together_all, together_all / n, round(cohesion, 6))
        )
    combinations_found.sort(key=lambda c: (len(c.herbs) < 2, -c.support, -len(c.herbs), c.herbs))
    return combinations_found, _dendrogram(to_tree(tree), herbs)


def _held_together(members: list[int], incidence) -> list[int]:
    """The part of a cluster that prescriptions hold together. Ward's cut can group herbs that no
    prescription holds all at once (a base formula with the add-ons it takes in turn, or
    leftovers far from everything): herbs are left out one at a time, each time the one whose
    absence lets the most prescriptions hold the rest (the least frequent on a tie), until some
    prescription holds them all."""
    members = list(members)
    while len(members) > 1 and not incidence[:, members].all(axis=1).any():

        def held_without(k: int) -> tuple[int, int]:
            rest = members[:k] + members[k + 1 :]
            return int(incidence[:, rest].all(axis=1).sum()), members[k]

        members.pop(max(range(len(members)), key=held_without))
    return members


def _dendrogram(node, herbs: list[str]) -> dict:
    if node.is_leaf():
        return {"name": herbs[node.id], "height": 0.0}
    return {
        "name": "",
        "height": round(float(node.dist), 4),
        "children": [_dendrogram(node.left, herbs), _dendrogram(node.right, herbs)],
    }


def combination_coverage(prescription: Iterable[str], combinations_: Sequence[Sequence[str]]) -> tuple[float, int]:
    """How fully a prescription uses one of the combinations: the largest share of a combination's
    herbs that it contains, and the index of that combination (-1 when there are none)."""
    herbs = set(prescription)
    best, which = 0.0, -1
    for i, combination in enumerate(combinations_):
        if combination:
            share = sum(1 for h in combination if h in herbs) / len(combination)
            if share > best:
                best, which = share, i
    return best, which
