"""Mining a selection of case records (CAS-3): the selection's prescriptions become transactions of
standard herb names, and lib.mining does the rest. An `Analysis` row keeps the selection, the
parameters and the results, so it can be re-run and cited."""

from __future__ import annotations

import datetime
import io
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import authorize, scope
from cases.models import (
    Analysis,
    CaseImport,
    CaseRecord,
    HerbMapping,
    Prescription,
    PrescriptionItem,
    Protocol,
    ProtocolVersion,
    Visit,
)
from cases.permissions import protocol_text_editable
from cases.records import active_apprenticeship, doctor_organization, prescription_items
from lib.errors import ApplicationError, ConflictError
from lib.herbs import property_profile
from lib.mining import (
    MiningError,
    association_rules,
    cooccurrence_network,
    core_combinations,
    core_herbs,
    frequent_itemsets,
    herb_communities,
    herb_frequency,
    validate_clusters,
    validate_max_len,
    validate_threshold,
)
from workflow import services as workflow
from workflow.models import AuditEntry
from workflow.services import audit_record

# The network chart holds the most frequent herbs; it stays readable by drawing only the strongest
# edges at first (the reader can show more or fewer) and colouring the herbs by community.
NETWORK_NODES = 80
NETWORK_EDGES = 60
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
    batch_id: int | None = None  # the visits of one import (CaseImport)


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
    if selection.batch_id:
        items = items.filter(prescription__visit__batch_id=selection.batch_id)
    return items


def transactions_of(items: QuerySet) -> list[list[str]]:
    """One transaction per prescription: its distinct herbs, in the order written."""
    by_prescription: dict[int, list[str]] = defaultdict(list)
    for prescription_id, herb in items.order_by("prescription_id", "pk").values_list("prescription_id", "herb"):
        if herb not in by_prescription[prescription_id]:
            by_prescription[prescription_id].append(herb)
    return list(by_prescription.values())


def mine(
    transactions: list[list[str]], *, min_support: float, min_confidence: float, max_len: int, clusters: int = 6
) -> dict:
    """Everything the analysis page shows, as JSON-ready data."""
    if not transactions:
        raise MiningError(_("所选范围内没有处方：请放宽筛选条件（医师、病种、证候或日期）"))
    n = len(transactions)
    frequency = herb_frequency(transactions)
    itemsets = frequent_itemsets(transactions, min_support, max_len=max_len)
    rules = association_rules(itemsets, n, min_confidence)
    combinations, dendrogram = core_combinations(transactions, clusters=clusters)
    profile = property_profile(h for t in transactions for h in t)
    top = {h.name for h in frequency[:NETWORK_NODES]}
    graph = cooccurrence_network([[h for h in t if h in top] for t in transactions])
    core = core_herbs(graph, top=CORE_TOP)
    communities = herb_communities(graph)
    # Strongest first, so that the page shows the top N by slicing.
    links = sorted(graph.edges(data="weight"), key=lambda e: (-e[2], *sorted(e[:2])))
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
            "nodes": [
                {"name": name, "value": data["count"], "community": communities[name]}
                for name, data in graph.nodes(data=True)
            ],
            "links": [{"source": a, "target": b, "value": weight} for a, b, weight in links],
            "communities": len(set(communities.values())),
            "shown": min(NETWORK_EDGES, len(links)),
        },
        "core": [
            {"herb": c.name, "count": c.count, "degree": c.degree, "weighted_degree": c.weighted_degree} for c in core
        ],
        "combinations": [
            {"herbs": list(c.herbs), "count": c.count, "support": c.support, "cohesion": c.cohesion}
            for c in combinations
        ],
        "dendrogram": dendrogram,
    }


@transaction.atomic
def analysis_run(
    *,
    actor,
    selection: Selection,
    min_support: float = 0.1,
    min_confidence: float = 0.8,
    max_len: int = 4,
    clusters: int = 6,
) -> Analysis:
    """Mine the prescriptions of the selected cases that `actor` may see and save the analysis."""
    min_support = validate_threshold(min_support, label="最小支持度", field="min_support")
    min_confidence = validate_threshold(min_confidence, label="最小置信度", field="min_confidence")
    max_len = validate_max_len(max_len)
    clusters = validate_clusters(clusters)
    if selection.date_from and selection.date_to and selection.date_from > selection.date_to:
        raise MiningError(_("起始日期不能晚于截止日期"), field="date_to")
    visible = scope(actor, "case.view", CaseRecord.objects.all())
    if selection.batch_id and not scope(actor, "case.view", CaseImport.objects.filter(pk=selection.batch_id)).exists():
        raise MiningError(
            _("导入批次 #%(pk)s 不存在或不在您可查看的范围内") % {"pk": selection.batch_id}, field="batch"
        )
    transactions = transactions_of(selection_prescriptions(visible, selection))
    results = mine(
        transactions, min_support=min_support, min_confidence=min_confidence, max_len=max_len, clusters=clusters
    )
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
        batch_id=selection.batch_id,
        min_support=min_support,
        min_confidence=min_confidence,
        max_len=max_len,
        clusters=clusters,
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
        clusters=analysis.clusters,
    )


def selection_of(analysis: Analysis) -> Selection:
    return Selection(
        subject_id=analysis.subject_id,
        disease=analysis.disease,
        syndrome=analysis.syndrome,
        date_from=analysis.date_from,
        date_to=analysis.date_to,
        batch_id=analysis.batch_id,
    )


def analysis_workbook(analysis: Analysis) -> bytes:
    """The analysis' tables as an .xlsx workbook, one sheet per table."""
    from lib.xlsx import SafeWorkbook

    results = analysis.results
    workbook = SafeWorkbook(write_only=True)  # herb names come from imported sheets: text stays text
    sheet = workbook.create_sheet("分析参数")
    sheet.append(["处方数", analysis.transactions])
    sheet.append(["最小支持度", analysis.min_support])
    sheet.append(["最小置信度", analysis.min_confidence])
    sheet.append(["最多药味数", analysis.max_len])
    sheet.append(["聚类组数", analysis.clusters])
    sheet.append(["中医疾病", analysis.disease or "全部"])
    sheet.append(["证候", analysis.syndrome or "全部"])
    sheet.append(["日期", f"{analysis.date_from or '不限'} 至 {analysis.date_to or '不限'}"])
    sheet.append(["导入批次", f"#{analysis.batch_id}" if analysis.batch_id else "全部"])
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
    sheet = workbook.create_sheet("核心组合（聚类）")
    sheet.append(["序号", "药物组合", "药味数", "同方频次", "支持度", "组内平均 Jaccard 相似度"])
    for i, row in enumerate(results.get("combinations", []), start=1):
        sheet.append([i, "、".join(row["herbs"]), len(row["herbs"]), row["count"], row["support"], row["cohesion"]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- manual case entry (CAS-1) --------------------------------------------------------------------


@dataclass(frozen=True)
class PrescriptionInput:
    composition: str
    formula_name: str = ""
    decoction: str = ""
    administration: str = ""


@dataclass(frozen=True)
class VisitInput:
    prescriptions: tuple[PrescriptionInput, ...] = ()
    date: datetime.date | None = None
    chief_complaint: str = ""
    symptoms: str = ""
    tongue: str = ""
    pulse: str = ""
    tcm_disease: str = ""
    syndrome: str = ""
    western_diagnosis: str = ""
    treatment_principle: str = ""
    acupoints: str = ""
    outcome: str = ""
    efficacy: str = ""


# Field → (label, longest length) of the visit's free text, as the page names them.
VISIT_TEXTS = {
    "chief_complaint": (gettext_lazy("主诉"), 2000),
    "symptoms": (gettext_lazy("四诊信息"), 4000),
    "tongue": (gettext_lazy("舌象"), 200),
    "pulse": (gettext_lazy("脉象"), 200),
    "tcm_disease": (gettext_lazy("中医疾病"), 100),
    "syndrome": (gettext_lazy("证候"), 100),
    "western_diagnosis": (gettext_lazy("西医疾病"), 200),
    "treatment_principle": (gettext_lazy("治则治法"), 300),
    "acupoints": (gettext_lazy("针灸穴位"), 300),
    "outcome": (gettext_lazy("转归"), 2000),
}
PRESCRIPTION_TEXTS = {
    "formula_name": (gettext_lazy("方剂名称"), 100),
    "composition": (gettext_lazy("方剂组成"), 4000),
    "decoction": (gettext_lazy("煎服法"), 200),
    "administration": (gettext_lazy("用法用量"), 200),
}
MAX_PRESCRIPTIONS = 5


def _checked_visit(visit: VisitInput, *, names: tuple[str, ...]) -> tuple[dict, list[tuple[dict, list]]]:
    """The visit's fields scrubbed and checked, and each prescription with its parsed doses.
    Raises ApplicationError naming the field at fault."""
    from cases.deidentify import scrub
    from lib.herbs import HerbParseError, parse_prescription

    fields = {}
    for name, (label, limit) in VISIT_TEXTS.items():
        text = scrub((getattr(visit, name) or "").strip(), names=names)
        if len(text) > limit:
            raise ApplicationError(_("%(label)s不能超过 %(limit)s 个字") % {"label": label, "limit": limit}, field=name)
        fields[name] = text
    if visit.efficacy and visit.efficacy not in Visit.Efficacy.values:
        raise ApplicationError(_("疗效应为 痊愈、显效、有效、无效 之一（或未评定）"), field="efficacy")
    if visit.date and visit.date > timezone.localdate():
        raise ApplicationError(_("就诊日期不能晚于今天"), field="date")
    prescriptions = [p for p in visit.prescriptions if (p.composition or "").strip()]
    if not prescriptions:
        raise ApplicationError(_("至少填写一张处方的方剂组成，如 黄芪30g;当归10g"), field="composition")
    if len(prescriptions) > MAX_PRESCRIPTIONS:
        raise ApplicationError(_("一次诊疗最多 %(n)s 张处方") % {"n": MAX_PRESCRIPTIONS}, field="composition")
    parsed = []
    for number, p in enumerate(prescriptions, start=1):
        texts = {}
        for name, (label, limit) in PRESCRIPTION_TEXTS.items():
            text = scrub((getattr(p, name) or "").strip(), names=names)
            if len(text) > limit:
                raise ApplicationError(
                    _("处方 %(number)s 的%(label)s不能超过 %(limit)s 个字")
                    % {"number": number, "label": label, "limit": limit},
                    field=name,
                )
            texts[name] = text
        try:
            doses = parse_prescription(texts["composition"])
        except HerbParseError as error:
            raise ApplicationError(
                _("处方 %(number)s 的方剂组成有误：%(error)s") % {"number": number, "error": error.message},
                field="composition",
            ) from None
        parsed.append((texts, doses))
    return fields, parsed


def _terms(disease: str, syndrome: str) -> tuple[int | None, int | None]:
    from techniques.models import Term, Vocabulary

    found = dict.fromkeys((Vocabulary.DISEASE, Vocabulary.SYNDROME))
    names = [(Vocabulary.DISEASE, disease), (Vocabulary.SYNDROME, syndrome)]
    q = [(v, n) for v, n in names if n]
    if q:
        for term in Term.objects.filter(
            is_active=True, vocabulary__in=[v for v, _name in q], name__in=[n for _v, n in q]
        ):
            if (term.vocabulary, term.name) in q:
                found[term.vocabulary] = term.pk
    return found[Vocabulary.DISEASE], found[Vocabulary.SYNDROME]


def _write_visit(case: CaseRecord, fields: dict, parsed: list, *, date, efficacy: str) -> Visit:

    disease_term, syndrome_term = _terms(fields["tcm_disease"], fields["syndrome"])
    last = case.visits.aggregate(last=Max("number"))["last"] or 0
    visit = Visit.objects.create(
        case=case,
        number=last + 1,
        date=date,
        tcm_disease_term_id=disease_term,
        syndrome_term_id=syndrome_term,
        flagged=bool((fields["tcm_disease"] and not disease_term) or (fields["syndrome"] and not syndrome_term)),
        efficacy=efficacy or "",
        **fields,
    )
    items = []
    for texts, doses in parsed:
        prescription = Prescription.objects.create(visit=visit, **texts)
        items += prescription_items(prescription, doses)
    PrescriptionItem.objects.bulk_create(items)
    return visit


@transaction.atomic
def case_create(
    *,
    actor,
    patient: str,
    sex: str = "",
    age: int | None = None,
    county=None,
    kind: str = CaseRecord.Kind.PROSPECTIVE,
    visit: VisitInput,
) -> tuple[CaseRecord, Visit]:
    """A case written by its doctor: the patient as a keyed pseudonym (the name or clinic number
    typed is not kept and is scrubbed from every text), the first visit and its prescriptions.
    A patient the doctor already has (same name and sex) gets the visit added to their case."""
    from cases import herbmap
    from cases.deidentify import age_band, patient_key

    authorize(actor, "case.create")
    patient = (patient or "").strip()
    if not patient:
        raise ApplicationError(_("请填写患者姓名或门诊号：只用于生成化名，不会保存"), field="patient")
    if len(patient) > 64:
        raise ApplicationError(_("患者姓名或门诊号不能超过 64 个字"), field="patient")
    if sex not in CaseRecord.Sex.values:
        raise ApplicationError(_("性别应为 男、女 或 未注明"), field="sex")
    if age is not None and not (isinstance(age, int) and 0 <= age <= 120):
        raise ApplicationError(_("年龄应为 0 到 120 之间的整数岁数"), field="age")
    if kind not in CaseRecord.Kind.values:
        raise ApplicationError(_("病案类型应为 回顾性 或 前瞻性"), field="kind")
    if county is not None and county.level != "county":
        raise ApplicationError(_("患者所在地只记到县（市、区）一级"), field="county")
    organization = doctor_organization(actor)
    herbmap.sync()
    fields, parsed = _checked_visit(visit, names=(patient,))
    key = patient_key(name=patient, sex=sex)
    case = CaseRecord.objects.select_for_update().filter(owner=actor, patient_key=key).first()
    if case is None:
        case = CaseRecord.objects.create(
            owner=actor,
            organization=organization,
            kind=kind,
            patient_key=key,
            sex=sex,
            age_band=age_band(age) if age is not None else "",
            county=county,
            created_by=actor,
            apprenticeship_id=active_apprenticeship(actor),
        )
    written = _write_visit(case, fields, parsed, date=visit.date, efficacy=visit.efficacy)
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=case, reason=f"录入病案：第 {written.number} 诊")
    return case, written


@transaction.atomic
def visit_add(*, case: CaseRecord, actor, visit: VisitInput) -> Visit:
    """A follow-up visit (复诊) of a case, with its outcome and efficacy grade."""
    from cases import herbmap

    authorize(actor, "case.edit", case)
    case = CaseRecord.objects.select_for_update().get(pk=case.pk)
    herbmap.sync()
    fields, parsed = _checked_visit(visit, names=())
    written = _write_visit(case, fields, parsed, date=visit.date, efficacy=visit.efficacy)
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=case, reason=f"添加复诊：第 {written.number} 诊")
    return written


# --- the herb curator's queue (CAS-2) ------------------------------------------------------------


@transaction.atomic
def herb_mapping_save(*, actor, spelling: str, standard_name: str, processing: str = "") -> tuple[HerbMapping, int]:
    """Settle an unknown spelling: the standard herb it stands for and its processing. Saved for
    every later import, entry and analysis, and applied now to the items already written with it
    (or with a processed form of it). Returns the mapping and how many items it re-read."""
    from cases import herbmap
    from lib.herbs import clean_name, herb_properties, reference_herb

    authorize(actor, "herb.curate")
    spelling = clean_name(spelling or "")
    standard_name = clean_name(standard_name or "")
    processing = clean_name(processing or "")
    if not spelling or len(spelling) > 64:
        raise ApplicationError(_("原始药名不能为空，且不超过 64 个字"), field="spelling")
    if not standard_name:
        raise ApplicationError(_("请填写规范药名（药材表中的名称，如 茯苓）"), field="standard_name")
    if len(processing) > 16 or (processing and not re.fullmatch(r"[\u4e00-\u9fff]+", processing)):
        raise ApplicationError(_("炮制应为不超过 16 个汉字的炮制方法，如 炒、酒炙、盐水炒"), field="processing")
    target = reference_herb(standard_name)
    if not target.known:
        raise ApplicationError(
            _("「%(name)s」不在药材表中：规范药名应为药材表中的名称或其别名") % {"name": standard_name},
            field="standard_name",
        )
    already = reference_herb(spelling)
    if already.known:
        raise ApplicationError(
            _("「%(spelling)s」已能识别为「%(herb)s」，无需审定")
            % {"spelling": spelling, "herb": f"{already.processing}{already.standard_name}"},
            field="spelling",
        )
    standard = target.standard_name
    processing = processing or target.processing
    mapping, created = HerbMapping.objects.update_or_create(
        spelling=spelling,
        defaults={"standard_name": standard, "processing": processing, "created_by": actor},
    )
    herbmap.sync(force=True)
    updated = renormalize_unknown_items()
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=mapping,
        reason=f"药名审定：{spelling} → {processing}{standard}"
        f"{'' if herb_properties(standard) else '（药材表无性味记载）'}，更新已有药味 {updated} 条",
    )
    return mapping, updated


def renormalize_unknown_items() -> int:
    """Reads every unknown spelling in the written prescriptions again (after a curator's mapping)
    and updates the items that are now known. Bounded by the number of distinct unknown names."""
    from lib.herbs import normalize_herb

    updated = 0
    names = PrescriptionItem.objects.filter(known=False).values_list("original_name", flat=True).distinct()
    for name in list(names):
        herb = normalize_herb(name)
        if herb.known:
            updated += PrescriptionItem.objects.filter(known=False, original_name=name).update(
                herb=herb.standard_name[:64], processing=herb.processing[:16], known=True
            )
    return updated


# --- diagnosis-and-treatment protocols (MST-4) ----------------------------------------------------

PROTOCOL_TEXTS = {
    "title": (gettext_lazy("方案名称"), 100, True),
    "disease": (gettext_lazy("中医疾病"), 100, False),
    "syndrome": (gettext_lazy("证候"), 100, False),
    "diagnosis": (gettext_lazy("诊断与辨证要点"), 4000, True),
    "principle": (gettext_lazy("治则治法"), 300, True),
    "prescription": (gettext_lazy("基本方药"), 4000, True),
    "modifications": (gettext_lazy("随证加减"), 4000, False),
    "cautions": (gettext_lazy("注意事项"), 4000, False),
}


def _protocol_fields(values: dict) -> dict:
    fields = {}
    for name, (label, limit, required) in PROTOCOL_TEXTS.items():
        text = (values.get(name) or "").strip()
        if required and not text:
            raise ApplicationError(_("%(label)s为必填项") % {"label": label}, field=name)
        if len(text) > limit:
            raise ApplicationError(_("%(label)s不能超过 %(limit)s 个字") % {"label": label, "limit": limit}, field=name)
        fields[name] = text
    return fields


def protocol_draft_values(analysis: Analysis) -> dict:
    """A first draft from the analysis: its selection and what it found, for the master to edit."""
    results = analysis.results or {}
    combinations = [c["herbs"] for c in results.get("combinations", []) if len(c["herbs"]) > 1]
    core = [c["herb"] for c in results.get("core", [])]
    title = "、".join(x for x in (analysis.disease, analysis.syndrome) if x) or "常见病"
    lines = [f"核心药物：{'、'.join(core)}"] if core else []
    lines += [f"核心组合 {i}：{'、'.join(c)}" for i, c in enumerate(combinations, start=1)]
    return {
        "title": f"{title}诊疗方案",
        "disease": analysis.disease,
        "syndrome": analysis.syndrome,
        "prescription": "\n".join(lines),
    }


@transaction.atomic
def protocol_create(*, actor, analysis: Analysis, **values) -> Protocol:
    authorize(actor, "protocol.create")
    authorize(actor, "case.analyze", analysis)
    fields = _protocol_fields(values)
    organization = (
        analysis.organization_id or actor.memberships.values_list("organization", flat=True).order_by("pk").first()
    )
    protocol = Protocol.objects.create(owner=actor, organization_id=organization, analysis=analysis, **fields)
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=protocol, reason="起草诊疗方案")
    return protocol


@transaction.atomic
def protocol_update(*, protocol: Protocol, actor, analysis: Analysis | None = None, **values) -> Protocol:
    """Edit a draft (a published protocol is revised first: it goes back to draft)."""
    authorize(actor, "protocol.edit", protocol)
    protocol = Protocol.objects.select_for_update().get(pk=protocol.pk)
    if not protocol_text_editable(protocol):
        raise ConflictError(_("只能修改草稿：已发布的方案请先点「修订」生成新草稿"))
    fields = _protocol_fields(values)
    if analysis is not None:
        authorize(actor, "case.analyze", analysis)
        fields["analysis"] = analysis
    for name, value in fields.items():
        setattr(protocol, name, value)
    protocol.save(update_fields=[*fields, "updated_at"])
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=protocol, reason="修改诊疗方案草稿")
    return protocol


def _freeze_version(locked: Protocol, actor) -> None:
    """The text as published becomes the next numbered version, with the evidence it cites."""
    number = locked.version + 1
    ProtocolVersion.objects.create(
        protocol=locked,
        number=number,
        content={name: getattr(locked, name) for name in Protocol.CONTENT_FIELDS},
        analysis_id=locked.analysis_id,
        published_by=actor,
    )
    locked.version = number
    locked.published_at = timezone.now()
    locked.save(update_fields=["version", "published_at"])


@workflow.atomic()
def protocol_move(protocol: Protocol, *, to: str, actor, reason: str = "", expect: str | None = None) -> Protocol:
    """Every move of a protocol (its MOVE_SERVICE): publishing freezes the text as the next
    version; revising (back to draft) and withdrawing change the state only."""
    if to not in Protocol.Status.values:
        raise ApplicationError(_("未知的目标状态"), field="to")
    locked = workflow.lock(protocol)
    workflow.transition(locked, to, actor=actor, reason=reason, expect=expect)
    if to == Protocol.Status.PUBLISHED:
        _freeze_version(locked, actor)
        protocol.version, protocol.published_at = locked.version, locked.published_at
    return locked


def protocol_advance(*, protocol: Protocol, actor, to: str, reason: str = "", expect: str | None = None) -> Protocol:
    """Publish, revise or withdraw (the API's and the old page's way in): protocol_move."""
    return protocol_move(protocol, to=to, actor=actor, reason=reason, expect=expect)
