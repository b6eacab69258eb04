"""The cases API (issue 6 §8): case records in scope, manual entry and follow-up visits, the herb
curator's queue, prescription-mining analyses, inheritance fidelity and protocols. The same
services as the pages.

Mounted in chuancheng/api.py with `api.add_router("/", "cases.api.router")`."""

from __future__ import annotations

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from accounts.models import Region
from accounts.permissions import authorize, can, scope
from cases import selectors, services
from cases.models import Analysis, CaseRecord, Protocol
from chuancheng.api_gate import gated, record_from_path
from lib.errors import ApplicationError
from lib.mining import MAX_CLUSTERS
from lib.pagination import LimitOffsetPagination
from lib.params import MAX_ID
from workflow.models import AuditEntry
from workflow.services import audit_record

router = Router(tags=["cases"])


class CaseListOut(Schema):
    id: int
    pseudonym: str
    sex: str
    age_band: str
    kind: str
    owner: int = Field(..., alias="owner_id")
    organization: str = Field(..., alias="organization.name")


class ItemOut(Schema):
    herb: str
    original_name: str
    processing: str
    amount: float | None
    unit: str
    grams: float | None
    factor: float | None
    known: bool


class PrescriptionOut(Schema):
    formula_name: str
    composition: str
    decoction: str
    administration: str
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class VisitOut(Schema):
    number: int
    date: datetime.date | None
    chief_complaint: str
    symptoms: str
    tongue: str
    pulse: str
    tcm_disease: str
    syndrome: str
    flagged: bool
    western_diagnosis: str
    treatment_principle: str
    acupoints: str
    outcome: str
    efficacy: str
    prescriptions: list[PrescriptionOut]

    @staticmethod
    def resolve_prescriptions(obj):
        return list(obj.prescriptions.all())


class CaseOut(CaseListOut):
    visits: list[VisitOut]

    @staticmethod
    def resolve_visits(obj):
        return list(obj.visits.all())


class AnalysisIn(Schema):
    subject: int | None = None
    disease: str = ""
    syndrome: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    batch: int | None = Field(None, ge=1, le=MAX_ID, description="导入批次 id：只分析这一次导入的病案")
    # Thresholds are checked by the service (its message names the rule); the sizes here, as the
    # page's form bounds them: an itemset of a million herbs would never finish.
    min_support: float = 0.1
    min_confidence: float = 0.8
    max_len: int = Field(4, ge=1, le=10, description="最多药味数，1–10")
    clusters: int = Field(6, ge=2, le=MAX_CLUSTERS, description=f"聚类组数，2–{MAX_CLUSTERS}")


class AnalysisOut(Schema):
    id: int
    subject: int | None = Field(None, alias="subject_id")
    disease: str
    syndrome: str
    date_from: datetime.date | None
    date_to: datetime.date | None
    batch: int | None = Field(None, alias="batch_id")
    min_support: float
    min_confidence: float
    max_len: int
    clusters: int
    transactions: int
    results: dict


@router.get("cases", response=list[CaseListOut], operation_id="case_list")
@paginate(LimitOffsetPagination)
def case_list(request, owner: int | None = None):
    cases = scope(request.user, "case.view", CaseRecord.objects.select_related("organization"))
    if owner:
        cases = cases.filter(owner_id=owner)
    return cases


@router.get("cases/{pk}", response=CaseOut, operation_id="case_get")
def case_get(request, pk: int):
    case = get_object_or_404(
        CaseRecord.objects.select_related("organization").prefetch_related("visits__prescriptions__items"),
        pk=pk,
    )
    authorize(request.user, "case.view", case)
    # As the page: pseudonymised, yet health data about a person, so every read is on the record.
    audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=request.user, obj=case, reason="查看病案")
    return case


@router.post("case-analyses", response={201: AnalysisOut}, operation_id="case_analysis_create")
@gated(act="case.analyze")
def case_analysis_create(request, payload: AnalysisIn):
    authorize(request.user, "case.analyze")
    selection = services.Selection(
        subject_id=payload.subject,
        disease=payload.disease.strip(),
        syndrome=payload.syndrome.strip(),
        date_from=payload.date_from,
        date_to=payload.date_to,
        batch_id=payload.batch,
    )
    analysis = services.analysis_run(
        actor=request.user,
        selection=selection,
        min_support=payload.min_support,
        min_confidence=payload.min_confidence,
        max_len=payload.max_len,
        clusters=payload.clusters,
    )
    return Status(201, analysis)


@router.get("case-analyses/{pk}", response=AnalysisOut, operation_id="case_analysis_get")
def case_analysis_get(request, pk: int):
    analysis = get_object_or_404(Analysis, pk=pk)
    authorize(request.user, "case.analyze", analysis)
    return analysis


# --- manual entry ---------------------------------------------------------------------------------


class PrescriptionIn(Schema):
    composition: str
    formula_name: str = ""
    decoction: str = ""
    administration: str = ""


class VisitIn(Schema):
    prescriptions: list[PrescriptionIn]
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


class CaseIn(Schema):
    patient: str = Field(..., description="患者姓名或门诊号：只用于生成化名，不保存")
    sex: str = ""
    age: int | None = None
    county: str | None = Field(None, description="县级区划代码，如 140802")
    kind: str = CaseRecord.Kind.PROSPECTIVE
    visit: VisitIn


def _visit_input(payload: VisitIn) -> services.VisitInput:
    data = payload.dict()
    prescriptions = tuple(services.PrescriptionInput(**p) for p in data.pop("prescriptions"))
    return services.VisitInput(prescriptions=prescriptions, **data)


def _case(pk: int) -> CaseRecord:
    return get_object_or_404(
        CaseRecord.objects.select_related("organization").prefetch_related("visits__prescriptions__items"), pk=pk
    )


@router.post("cases", response={201: CaseOut}, operation_id="case_create")
@gated(act="case.create")
def case_create(request, payload: CaseIn):
    county = None
    if payload.county:
        county = Region.objects.filter(code=payload.county).first()
        if county is None:
            raise ApplicationError(_("区划代码「%(code)s」不存在") % {"code": payload.county}, field="county")
    case, _visit = services.case_create(
        actor=request.user,
        patient=payload.patient,
        sex=payload.sex,
        age=payload.age,
        county=county,
        kind=payload.kind,
        visit=_visit_input(payload.visit),
    )
    return Status(201, _case(case.pk))


@router.post("cases/{pk}/visits", response={201: CaseOut}, operation_id="case_visit_add")
@gated(CaseRecord, "case.edit")
def case_visit_add(request, pk: int, payload: VisitIn):
    case = get_object_or_404(CaseRecord, pk=pk)
    services.visit_add(case=case, actor=request.user, visit=_visit_input(payload))
    return Status(201, _case(pk))


# --- herb curation --------------------------------------------------------------------------------


class QueueOut(Schema):
    original_name: str
    items: int
    cases: int


class MappingIn(Schema):
    spelling: str
    standard_name: str
    processing: str = ""


class MappingOut(Schema):
    spelling: str
    standard_name: str
    processing: str
    updated_items: int


@router.get("herb-queue", response=list[QueueOut], operation_id="herb_queue_list")
@paginate(LimitOffsetPagination)
def herb_queue_list(request):
    authorize(request.user, "herb.curate")
    return selectors.herb_queue(scope(request.user, "case.view", CaseRecord.objects.all()))


@router.post("herb-mappings", response={201: MappingOut}, operation_id="herb_mapping_save")
@gated(act="herb.curate")
def herb_mapping_save(request, payload: MappingIn):
    mapping, updated = services.herb_mapping_save(actor=request.user, **payload.dict())
    out = {
        "spelling": mapping.spelling,
        "standard_name": mapping.standard_name,
        "processing": mapping.processing,
        "updated_items": updated,
    }
    return Status(201, out)


# --- fidelity -------------------------------------------------------------------------------------


class CaseFidelityOut(Schema):
    case_id: int
    pseudonym: str
    date: datetime.date | None
    score: float
    combination: list[str]


class FidelityOut(Schema):
    analysis: int | None
    combinations: list[list[str]]
    cases: list[CaseFidelityOut]
    mean: float | None
    slope: float | None
    trend: str
    message: str


@router.get("apprenticeships/{pk}/fidelity", response=FidelityOut, operation_id="case_fidelity_get")
def case_fidelity_get(request, pk: int):
    from apprenticeships.models import Apprenticeship

    relation = get_object_or_404(Apprenticeship.objects.select_related("master__user", "apprentice"), pk=pk)
    authorize(request.user, "apprenticeship.view", relation)
    result = selectors.fidelity_for(master=relation.master, apprentice=relation.apprentice)
    audit_record(
        action=AuditEntry.Action.VIEW_PERSONAL, actor=request.user, obj=relation, reason="查看传承符合度（病案）"
    )
    return {**result.__dict__, "analysis": result.analysis.pk if result.analysis else None}


# --- protocols ------------------------------------------------------------------------------------


class ProtocolIn(Schema):
    title: str
    disease: str = ""
    syndrome: str = ""
    diagnosis: str
    principle: str
    prescription: str
    modifications: str = ""
    cautions: str = ""


class ProtocolOut(Schema):
    id: int
    owner: int = Field(..., alias="owner_id")
    analysis: int = Field(..., alias="analysis_id")
    status: str
    version: int
    published_at: datetime.datetime | None
    title: str
    disease: str
    syndrome: str
    diagnosis: str
    principle: str
    prescription: str
    modifications: str
    cautions: str


class AdvanceIn(Schema):
    to: str
    reason: str = ""
    # The state the client last saw: when the protocol has moved on since, nothing is done (409).
    expect: str | None = None


@router.get("protocols", response=list[ProtocolOut], auth=None, operation_id="protocol_public_list")
@paginate(LimitOffsetPagination)
def protocol_public_list(request, owner: int | None = None):
    """Published protocols, as the public reads them (the latest published version)."""
    protocols = Protocol.objects.filter(version__gt=0).exclude(status=Protocol.Status.WITHDRAWN)
    if owner:
        protocols = protocols.filter(owner_id=owner)
    return [_published(p) for p in protocols.prefetch_related("versions").order_by("-published_at", "-pk")[:500]]


def _published(protocol: Protocol) -> dict:
    latest = max(protocol.versions.all(), key=lambda v: v.number)
    out = {f.attname: getattr(protocol, f.attname) for f in Protocol._meta.concrete_fields}
    out.update(latest.content, analysis_id=latest.analysis_id)
    return out


@router.get("protocols/{pk}", response=ProtocolOut, auth=None, operation_id="protocol_get")
def protocol_get(request, pk: int):
    protocol = get_object_or_404(Protocol, pk=pk)
    if request.user.is_authenticated and can(request.user, "protocol.view", protocol):
        return protocol
    if not protocol.is_public:
        raise Http404
    return _published(protocol)


def _may_draft_protocol(request, pk, **_path) -> None:
    """As the page: the analysis, for those who may read it (404 / 403), and the act of drafting."""
    authorize(request.user, "case.analyze", record_from_path(Analysis, pk))
    authorize(request.user, "protocol.create")


@router.post("case-analyses/{pk}/protocols", response={201: ProtocolOut}, operation_id="protocol_create")
@gated(check=_may_draft_protocol)
def protocol_create(request, pk: int, payload: ProtocolIn):
    analysis = get_object_or_404(Analysis, pk=pk)
    return Status(201, services.protocol_create(actor=request.user, analysis=analysis, **payload.dict()))


@router.put("protocols/{pk}/draft", response=ProtocolOut, operation_id="protocol_update")
@gated(Protocol, "protocol.edit")
def protocol_update(request, pk: int, payload: ProtocolIn):
    protocol = get_object_or_404(Protocol, pk=pk)
    return services.protocol_update(protocol=protocol, actor=request.user, **payload.dict())


@router.post("protocols/{pk}/advance", response=ProtocolOut, operation_id="protocol_advance")
@gated(Protocol, moves=True)
def protocol_advance(request, pk: int, payload: AdvanceIn):
    protocol = get_object_or_404(Protocol, pk=pk)
    return services.protocol_move(
        protocol, to=payload.to, actor=request.user, reason=payload.reason, expect=payload.expect
    )
