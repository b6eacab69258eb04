"""Mining a selection of case records (CAS-3): the selection's prescriptions become transactions of
standard herb names, and lib.mining does the rest. An `Analysis` row keeps the selection, the
parameters and the results, so it can be re-run and cited."""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from accounts.permissions import scope
from cases.models import Analysis, CaseRecord, PrescriptionItem
from lib.herbs import property_profile
from lib.mining import (
    MiningError,
    association_rules,
    cooccurrence_network,
    core_herbs,
    frequent_itemsets,
    herb_frequency,
    validate_max_len,
    validate_threshold,
)
from workflow.models import AuditEntry
from workflow.services import audit_record

# The network chart stays readable with the most frequent herbs only.
NETWORK_NODES = 40
CORE_TOP = 10
# Saved results are capped: a low threshold on a large selection finds tens of thousands of sets.
SAVED_ITEMSETS = 2000
SAVED_RULES = 2000


@dataclass(frozen=True)
class Selection:
    subject_id: int | None = None
    disease: str = ""
    syndrome: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def selection_prescriptions(cases: QuerySet, selection: Selection) -> QuerySet:
    """The prescription items of the selected visits, restricted to `cases` (the viewer's scope)."""
    items = PrescriptionItem.objects.filter(prescription__visit__case__in=cases)
    if selection.subject_id:
        items = items.filter(prescription__visit__case__owner_id=selection.subject_id)
    if selection.disease:
        items = items.filter(prescription__visit__tcm_disease=selection.disease)
    if selection.syndrome:
        items = items.filter(prescription__visit__syndrome=selection.syndrome)
    if selection.date_from:
        items = items.filter(prescription__visit__date__gte=selection.date_from)
    if selection.date_to:
        items = items.filter(prescription__visit__date__lte=selection.date_to)
    return items


def transactions_of(items: QuerySet) -> list[list[str]]:
    """One transaction per prescription: its distinct herbs, in the order written."""
    by_prescription: dict[int, list[str]] = defaultdict(list)
    for prescription_id, herb in items.order_by("prescription_id", "pk").values_list("prescription_id", "herb"):
        if herb not in by_prescription[prescription_id]:
            by_prescription[prescription_id].append(herb)
    return list(by_prescription.values())


def mine(transactions: list[list[str]], *, min_support: float, min_confidence: float, max_len: int) -> dict:
    """Everything the analysis page shows, as JSON-ready data."""
    if not transactions:
        raise MiningError("所选范围内没有处方：请放宽筛选条件（医师、病种、证候或日期）")
    n = len(transactions)
    frequency = herb_frequency(transactions)
    itemsets = frequent_itemsets(transactions, min_support, max_len=max_len)
    rules = association_rules(itemsets, n, min_confidence)
    profile = property_profile(h for t in transactions for h in t)
    top = {h.name for h in frequency[:NETWORK_NODES]}
    graph = cooccurrence_network([[h for h in t if h in top] for t in transactions])
    core = core_herbs(graph, top=CORE_TOP)
    return {
        "transactions": n,
        "frequency": [{"herb": h.name, "count": h.count, "share": h.support} for h in frequency],
        "profile": {key: counter.most_common() for key, counter in profile.items()},
        "itemsets": [
            {"items": list(s.items), "count": s.count, "support": s.support} for s in itemsets[:SAVED_ITEMSETS]
        ],
        "itemsets_total": len(itemsets),
        "rules": [
            {
                "antecedent": list(r.antecedent),
                "consequent": list(r.consequent),
                "support": r.support,
                "confidence": r.confidence,
                "lift": r.lift,
            }
            for r in rules[:SAVED_RULES]
        ],
        "rules_total": len(rules),
        "network": {
            "nodes": [{"name": name, "value": data["count"]} for name, data in graph.nodes(data=True)],
            "links": [{"source": a, "target": b, "value": d["weight"]} for a, b, d in graph.edges(data=True)],
        },
        "core": [
            {"herb": c.name, "count": c.count, "degree": c.degree, "weighted_degree": c.weighted_degree} for c in core
        ],
    }


@transaction.atomic
def analysis_run(
    *,
    actor,
    selection: Selection,
    min_support: float = 0.1,
    min_confidence: float = 0.8,
    max_len: int = 4,
) -> Analysis:
    """Mine the prescriptions of the selected cases that `actor` may see and save the analysis."""
    min_support = validate_threshold(min_support, label="最小支持度")
    min_confidence = validate_threshold(min_confidence, label="最小置信度")
    max_len = validate_max_len(max_len)
    visible = scope(actor, "case.view", CaseRecord.objects.all())
    transactions = transactions_of(selection_prescriptions(visible, selection))
    results = mine(transactions, min_support=min_support, min_confidence=min_confidence, max_len=max_len)
    organization = None
    if selection.subject_id:
        organization = visible.filter(owner_id=selection.subject_id).values_list("organization", flat=True).first()
    if organization is None:
        organization = actor.memberships.values_list("organization", flat=True).order_by("pk").first()
    analysis = Analysis.objects.create(
        created_by=actor,
        organization_id=organization,
        subject_id=selection.subject_id,
        disease=selection.disease,
        syndrome=selection.syndrome,
        date_from=selection.date_from,
        date_to=selection.date_to,
        min_support=min_support,
        min_confidence=min_confidence,
        max_len=max_len,
        transactions=len(transactions),
        results=results,
    )
    audit_record(
        action=AuditEntry.Action.CREATE, actor=actor, obj=analysis, reason=f"处方挖掘：{len(transactions)} 张处方"
    )
    return analysis


def analysis_rerun(*, analysis: Analysis, actor) -> Analysis:
    """The same selection and parameters on today's data, saved as a new analysis."""
    return analysis_run(
        actor=actor,
        selection=selection_of(analysis),
        min_support=analysis.min_support,
        min_confidence=analysis.min_confidence,
        max_len=analysis.max_len,
    )


def selection_of(analysis: Analysis) -> Selection:
    return Selection(
        subject_id=analysis.subject_id,
        disease=analysis.disease,
        syndrome=analysis.syndrome,
        date_from=analysis.date_from,
        date_to=analysis.date_to,
    )


def analysis_workbook(analysis: Analysis) -> bytes:
    """The analysis' tables as an .xlsx workbook, one sheet per table."""
    from openpyxl import Workbook

    results = analysis.results
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("分析参数")
    sheet.append(["处方数", analysis.transactions])
    sheet.append(["最小支持度", analysis.min_support])
    sheet.append(["最小置信度", analysis.min_confidence])
    sheet.append(["最多药味数", analysis.max_len])
    sheet.append(["中医疾病", analysis.disease or "全部"])
    sheet.append(["证候", analysis.syndrome or "全部"])
    sheet.append(["日期", f"{analysis.date_from or '不限'} 至 {analysis.date_to or '不限'}"])
    sheet = workbook.create_sheet("药物频次")
    sheet.append(["药名", "频次", "频率"])
    for row in results.get("frequency", []):
        sheet.append([row["herb"], row["count"], row["share"]])
    sheet = workbook.create_sheet("性味归经")
    sheet.append(["类别", "名称", "频次"])
    labels = {"nature": "四气", "flavours": "五味", "meridians": "归经", "unknown": "无性味记载"}
    for key, label in labels.items():
        for name, count in results.get("profile", {}).get(key, []):
            sheet.append([label, name, count])
    sheet = workbook.create_sheet("频繁项集")
    sheet.append(["药物组合", "药味数", "频次", "支持度"])
    for row in results.get("itemsets", []):
        sheet.append(["、".join(row["items"]), len(row["items"]), row["count"], row["support"]])
    sheet = workbook.create_sheet("关联规则")
    sheet.append(["前项", "后项", "支持度", "置信度", "提升度"])
    for row in results.get("rules", []):
        sheet.append(
            ["、".join(row["antecedent"]), "、".join(row["consequent"]), row["support"], row["confidence"], row["lift"]]
        )
    sheet = workbook.create_sheet("核心药物")
    sheet.append(["药名", "频次", "度", "加权度"])
    for row in results.get("core", []):
        sheet.append([row["herb"], row["count"], row["degree"], row["weighted_degree"]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
