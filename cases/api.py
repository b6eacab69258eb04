"""The cases API (issue 6 §8): case records in scope and prescription-mining analyses.

Mounted in chuancheng/api.py with `api.add_router("/", "cases.api.router")`."""

from __future__ import annotations

import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from accounts.permissions import authorize, scope
from cases import services
from cases.models import Analysis, CaseRecord

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
    outcome: str
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
    min_support: float = 0.1
    min_confidence: float = 0.8
    max_len: int = 4


class AnalysisOut(Schema):
    id: int
    subject: int | None = Field(None, alias="subject_id")
    disease: str
    syndrome: str
    date_from: datetime.date | None
    date_to: datetime.date | None
    min_support: float
    min_confidence: float
    max_len: int
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
    return case


@router.post("case-analyses", response={201: AnalysisOut}, operation_id="case_analysis_create")
def case_analysis_create(request, payload: AnalysisIn):
    authorize(request.user, "case.analyze")
    selection = services.Selection(
        subject_id=payload.subject,
        disease=payload.disease.strip(),
        syndrome=payload.syndrome.strip(),
        date_from=payload.date_from,
        date_to=payload.date_to,
    )
    analysis = services.analysis_run(
        actor=request.user,
        selection=selection,
        min_support=payload.min_support,
        min_confidence=payload.min_confidence,
        max_len=payload.max_len,
    )
    return 201, analysis


@router.get("case-analyses/{pk}", response=AnalysisOut, operation_id="case_analysis_get")
def case_analysis_get(request, pk: int):
    analysis = get_object_or_404(Analysis, pk=pk)
    authorize(request.user, "case.analyze", analysis)
    return analysis
