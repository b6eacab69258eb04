"""The teaching API (issue 3 §8, §9, §12): plan, activities and their confirmation, progress,
graduation materials, assessment and the certificate — through the same services as the pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from accounts.permissions import authorize, scope
from apprenticeships.models import Apprenticeship
from chuancheng.api_gate import gated, record_from_path
from lib.errors import ApplicationError
from lib.pagination import LimitOffsetPagination
from teaching import permissions, selectors, services
from teaching.models import Activity, Graduation, TeachingPlan
from workflow.models import AuditEntry
from workflow.services import audit_record

router = Router(tags=["teaching"])


class CategoryProgressOut(Schema):
    category: str
    label: str
    quota: Decimal
    confirmed: Decimal
    pending: Decimal
    missing: Decimal
    percent: int


class ProgressOut(Schema):
    apprenticeship: int
    term: str
    clause: str
    total_quota: Decimal
    total_confirmed: Decimal
    total_pending: Decimal
    percent: int
    complete: bool
    categories: list[CategoryProgressOut]
    # Exactly what stands between the apprentice and the certificate; empty when nothing does.
    missing: list[str]


class ApprenticeshipOut(Schema):
    id: int
    master: str
    apprentice: str
    organization: str
    term: str
    starts_on: datetime.date
    ends_on: datetime.date
    status: str
    plan_status: str | None

    @staticmethod
    def resolve_master(obj):
        return obj.master.name

    @staticmethod
    def resolve_apprentice(obj):
        return obj.apprentice.display_name

    @staticmethod
    def resolve_organization(obj):
        return obj.organization.name

    @staticmethod
    def resolve_plan_status(obj):
        plan = getattr(obj, "plan", None)
        return plan.status if plan else None


class PlanIn(Schema):
    objectives: str
    content: str
    arrangements: str
    planned_theory: int
    planned_case_analysis: int
    planned_self_study: int
    planned_reflection: int


class PlanOut(PlanIn):
    id: int
    apprenticeship: int = 0
    status: str
    agreed_at: datetime.datetime | None

    @staticmethod
    def resolve_apprenticeship(obj):
        return obj.apprenticeship_id


class DecisionIn(Schema):
    agree: bool
    reason: str = ""


class ActivityIn(Schema):
    kind: str
    category: str
    date: datetime.date
    hours: Decimal
    topic: str
    online: bool = False
    online_agreed_on: datetime.date | None = None
    online_agreement_note: str = ""


class ActivityOut(Schema):
    id: int
    apprenticeship: int
    kind: str
    category: str
    date: datetime.date
    hours: Decimal
    topic: str
    online: bool
    online_agreed_by: int | None
    online_agreed_on: datetime.date | None
    online_agreement_note: str
    has_evidence: bool
    status: str
    decided_at: datetime.datetime | None
    decision_note: str

    @staticmethod
    def resolve_apprenticeship(obj):
        return obj.apprenticeship_id

    @staticmethod
    def resolve_online_agreed_by(obj):
        return obj.online_agreed_by_id

    @staticmethod
    def resolve_has_evidence(obj):
        return bool(obj.evidence)


class ActivityDecisionIn(Schema):
    confirm: bool
    reason: str = ""


class BatchDecisionIn(ActivityDecisionIn):
    activities: list[int]


class BatchOut(Schema):
    decided: int


class ItemOut(Schema):
    id: int
    kind: str
    title: str
    text: str
    has_file: bool
    score: int | None
    passed: bool | None
    comment: str

    @staticmethod
    def resolve_has_file(obj):
        return bool(obj.file)


class GraduationOut(Schema):
    apprenticeship: int
    status: str
    score: int | None
    comment: str
    submitted_at: datetime.datetime | None
    assessed_at: datetime.datetime | None
    items: list[ItemOut]
    missing: list[str]


class ItemAssessmentIn(Schema):
    item: int
    score: int
    passed: bool
    comment: str = ""


class AssessmentIn(Schema):
    items: list[ItemAssessmentIn]
    score: int
    comment: str
    passed: bool


class CertificateOut(Schema):
    number: str
    kind: str
    status: str
    holder_name: str
    master_name: str
    issued_on: datetime.date
    term_start: datetime.date | None
    term_end: datetime.date | None


def _apprenticeship(request, pk: int) -> Apprenticeship:
    apprenticeship = get_object_or_404(Apprenticeship.objects.select_related("master", "apprentice"), pk=pk)
    authorize(request.user, "teaching.view", apprenticeship)
    return apprenticeship


# --- gates: who may act, asked before the body is read (chuancheng.api_gate) ------------------------


def _party_gate(act: str):
    """A party's own act on the apprenticeship of the path: 404 / 403 as for reading it, then 403
    for anyone but that party (teaching.permissions.check_party)."""

    def check(request, pk, **_path) -> None:
        apprenticeship = _apprenticeship(request, int(pk))
        permissions.check_party(request.user, apprenticeship, act)

    return check


def _may_agree_plan(request, pk, **_path) -> None:
    plan = get_object_or_404(TeachingPlan, apprenticeship=_apprenticeship(request, int(pk)))
    authorize(request.user, "teaching.plan_agree", plan)


def _may_decide_activity(request, pk, **_path) -> None:
    activity = record_from_path(Activity.objects.select_related("apprenticeship__master"), pk)
    authorize(request.user, "teaching.view", activity.apprenticeship)
    permissions.check_party(request.user, activity.apprenticeship, "teaching.activity_decide")


def _may_confirm_hours(request, **_path) -> None:
    permissions.check_teaches(request.user)  # the activities are named by the body


def _progress(apprenticeship: Apprenticeship) -> dict:
    figures = selectors.progress_for(apprenticeship)
    return {
        "apprenticeship": apprenticeship.pk,
        **figures.as_dict(),
        "missing": selectors.graduation_blockers(apprenticeship, figures),
    }


def _graduation(apprenticeship: Apprenticeship) -> dict:
    record = Graduation.objects.filter(apprenticeship=apprenticeship).first()
    return {
        "apprenticeship": apprenticeship.pk,
        "status": record.status if record else Graduation.Status.DRAFT,
        "score": record.score if record else None,
        "comment": record.comment if record else "",
        "submitted_at": record.submitted_at if record else None,
        "assessed_at": record.assessed_at if record else None,
        "items": list(record.items.all()) if record else [],
        "missing": selectors.graduation_blockers(apprenticeship),
    }


@router.get("teaching/apprenticeships", response=list[ApprenticeshipOut], operation_id="teaching_apprenticeship_list")
@paginate(LimitOffsetPagination)
def teaching_apprenticeship_list(request, status: str = ""):
    """Apprenticeships the caller teaches, learns in or oversees."""
    visible = scope(request.user, "teaching.view", Apprenticeship.objects.all())
    if status in Apprenticeship.Status.values:
        visible = visible.filter(status=status)
    return visible.select_related("master", "apprentice", "organization", "plan").order_by("-starts_on", "-pk")


def _viewed(request, apprenticeship: Apprenticeship, what: str) -> Apprenticeship:
    """As the pages (teaching.views._viewed): an apprentice's record is personal data, so reads by
    anyone but its two parties are logged."""
    if permissions.party_of(request.user, apprenticeship) is None:
        audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=request.user, obj=apprenticeship, reason=what)
    return apprenticeship


@router.get("teaching/apprenticeships/{pk}/progress", response=ProgressOut, operation_id="teaching_progress_get")
def teaching_progress_get(request, pk: int):
    """Confirmed hours per category against the term's quotas, and what is still missing."""
    return _progress(_viewed(request, _apprenticeship(request, pk), "带教进度"))


@router.get("teaching/apprenticeships/{pk}/plan", response=PlanOut, operation_id="teaching_plan_get")
def teaching_plan_get(request, pk: int):
    plan = get_object_or_404(TeachingPlan, apprenticeship=_apprenticeship(request, pk))
    _viewed(request, plan.apprenticeship, "带教计划")
    return plan


@router.put("teaching/apprenticeships/{pk}/plan", response=PlanOut, operation_id="teaching_plan_save")
@gated(check=_party_gate("teaching.plan_edit"))
def teaching_plan_save(request, pk: int, payload: PlanIn):
    """The master drafts or revises the plan (while it is a draft)."""
    data = payload.dict()
    planned = {k.removeprefix("planned_"): data.pop(k) for k in list(data) if k.startswith("planned_")}
    return services.plan_save(apprenticeship=_apprenticeship(request, pk), actor=request.user, planned=planned, **data)


@router.post("teaching/apprenticeships/{pk}/plan/submit", response=PlanOut, operation_id="teaching_plan_submit")
@gated(check=_party_gate("teaching.plan_submit"))
def teaching_plan_submit(request, pk: int):
    plan = get_object_or_404(TeachingPlan, apprenticeship=_apprenticeship(request, pk))
    return services.plan_submit(plan=plan, actor=request.user)


@router.post("teaching/apprenticeships/{pk}/plan/decide", response=PlanOut, operation_id="teaching_plan_decide")
@gated(check=_may_agree_plan)
def teaching_plan_decide(request, pk: int, payload: DecisionIn):
    """The host unit agrees the plan or returns it with a reason."""
    plan = get_object_or_404(TeachingPlan, apprenticeship=_apprenticeship(request, pk))
    return services.plan_decide(plan=plan, actor=request.user, agree=payload.agree, reason=payload.reason)


@router.get(
    "teaching/apprenticeships/{pk}/activities", response=list[ActivityOut], operation_id="teaching_activity_list"
)
@paginate(LimitOffsetPagination)
def teaching_activity_list(request, pk: int, status: str = "", category: str = ""):
    rows = Activity.objects.filter(apprenticeship=_viewed(request, _apprenticeship(request, pk), "带教活动记录"))
    if status:
        rows = rows.filter(status=status)
    if category:
        rows = rows.filter(category=category)
    return rows.order_by("-date", "-pk")


@router.post(
    "teaching/apprenticeships/{pk}/activities",
    response={201: ActivityOut},
    operation_id="teaching_activity_log",
)
@gated(check=_party_gate("teaching.activity_log"))
def teaching_activity_log(
    request,
    pk: int,
    payload: Form[ActivityIn],
    evidence: UploadedFile = File(None),  # noqa: B008  (django-ninja declares uploads so)
):
    """The apprentice logs an activity (multipart form; `evidence` a PDF or image)."""
    activity = services.activity_log(
        apprenticeship=_apprenticeship(request, pk), actor=request.user, evidence=evidence, **payload.dict()
    )
    return 201, activity


@router.post("teaching/activities/{pk}/decide", response=ActivityOut, operation_id="teaching_activity_decide")
@gated(check=_may_decide_activity)
def teaching_activity_decide(request, pk: int, payload: ActivityDecisionIn):
    """The master confirms the hours or refuses them with a reason; a second decision is a 409."""
    activity = get_object_or_404(Activity.objects.select_related("apprenticeship"), pk=pk)
    authorize(request.user, "teaching.view", activity.apprenticeship)
    return services.activity_decide(
        activity=activity, actor=request.user, confirm=payload.confirm, reason=payload.reason
    )


@router.post("teaching/activities/decide", response=BatchOut, operation_id="teaching_activity_decide_batch")
@gated(check=_may_confirm_hours)
def teaching_activity_decide_batch(request, payload: BatchDecisionIn):
    """All of the listed activities, or none."""
    n = services.activity_decide_batch(
        activity_ids=payload.activities, actor=request.user, confirm=payload.confirm, reason=payload.reason
    )
    return {"decided": n}


@router.get("teaching/apprenticeships/{pk}/graduation", response=GraduationOut, operation_id="teaching_graduation_get")
def teaching_graduation_get(request, pk: int):
    return _graduation(_viewed(request, _apprenticeship(request, pk), "结业材料"))


@router.post(
    "teaching/apprenticeships/{pk}/graduation/items",
    response={201: ItemOut},
    operation_id="teaching_graduation_item_add",
)
@gated(check=_party_gate("teaching.graduation_edit"))
def teaching_graduation_item_add(
    request,
    pk: int,
    kind: Form[str],
    title: Form[str],
    text: Form[str] = "",
    file: UploadedFile = File(None),  # noqa: B008  (django-ninja declares uploads so)
):
    item = services.graduation_item_add(
        apprenticeship=_apprenticeship(request, pk), actor=request.user, kind=kind, title=title, text=text, upload=file
    )
    return 201, item


@router.post(
    "teaching/apprenticeships/{pk}/graduation/submit",
    response=GraduationOut,
    operation_id="teaching_graduation_submit",
)
def teaching_graduation_submit(request, pk: int):
    apprenticeship = _apprenticeship(request, pk)
    services.graduation_submit(apprenticeship=apprenticeship, actor=request.user)
    return _graduation(apprenticeship)


@router.post(
    "teaching/apprenticeships/{pk}/graduation/assess",
    response=GraduationOut,
    operation_id="teaching_graduation_assess",
)
@gated(check=_party_gate("teaching.graduation_assess"))
def teaching_graduation_assess(request, pk: int, payload: AssessmentIn):
    apprenticeship = _apprenticeship(request, pk)
    record = get_object_or_404(Graduation, apprenticeship=apprenticeship)
    items = {i.item: services.ItemAssessment(i.score, i.passed, i.comment) for i in payload.items}
    if len(items) != len(payload.items):
        raise ApplicationError(_("同一份材料只能评定一次"), field="items")
    services.graduation_assess(
        graduation=record,
        actor=request.user,
        items=items,
        score=payload.score,
        comment=payload.comment,
        passed=payload.passed,
    )
    return _graduation(apprenticeship)


@router.post(
    "teaching/apprenticeships/{pk}/graduation/issue",
    response={201: CertificateOut},
    operation_id="teaching_graduation_issue",
)
def teaching_graduation_issue(request, pk: int):
    """The host unit issues the apprentice certificate; a 400 says exactly what is missing."""
    certificate = services.graduation_certificate_issue(apprenticeship=_apprenticeship(request, pk), actor=request.user)
    return 201, certificate
