"""The apprentice application API (issue 3 §12): every step of APP-1..4 through the same services
as the pages."""

from __future__ import annotations

import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from accounts.models import Organization, Region
from accounts.permissions import authorize, scope
from apprenticeships import selectors, services
from apprenticeships.models import ApprenticeApplication, Apprenticeship, Match
from apprenticeships.permissions import check_applicant, may_view_match
from apprenticeships.rules import check_application
from chuancheng.api_gate import gated, record_from_path
from lib.errors import ApplicationError
from lib.pagination import LimitOffsetPagination
from masters.models import Master
from workflow.services import move_act

router = Router(tags=["apprenticeships"])


class ApplicationListOut(Schema):
    id: int
    name: str
    status: str
    status_label: str = Field(..., alias="get_status_display")
    organization: str = Field(..., alias="organization.name")
    region: str = Field(..., alias="region_id")
    title: str
    specialty: str
    term: str
    round: int
    submitted_at: datetime.datetime | None


class DocumentOut(Schema):
    id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    round: int
    verdict: str
    reviews: list[dict]

    @staticmethod
    def resolve_reviews(obj):
        return [
            {"round": r.round, "verdict": r.verdict, "reason": r.reason, "reviewer": r.reviewer.display_name}
            for r in obj.reviews.all()
        ]


class ApplicationOut(ApplicationListOut):
    intention: str
    is_folk_practitioner: bool
    masters: list[dict]
    documents: list[DocumentOut]
    eligibility: list[dict]
    matches: list[dict]

    @staticmethod
    def resolve_masters(obj):
        return [{"id": i.master_id, "name": i.master.name, "position": i.position} for i in obj.intents.all()]

    @staticmethod
    def resolve_documents(obj):
        return services.current_documents(obj)

    @staticmethod
    def resolve_eligibility(obj):
        masters = [i.master for i in obj.intents.all()]
        return [
            {"master": m.pk, "rule": d.rule_id, "clause": d.clause_text, "passed": d.passed, "detail": d.detail}
            for m, d in check_application(obj, masters)
        ]

    @staticmethod
    def resolve_matches(obj):
        return [{"id": m.pk, "master": m.master_id, "status": m.status} for m in obj.matches.all()]


class ApplicationIn(Schema):
    organization: int
    region: str
    title: str
    specialty: str
    term: str
    masters: list[int]
    name: str = ""
    intention: str = ""
    is_folk_practitioner: bool = False
    recommending_organization: int | None = None
    credential: str = ""
    credential_issuer_level: str = ""
    exemption_requested: bool = False
    exemption_claim: str = ""


class VerdictIn(Schema):
    document: int
    verdict: str
    reason: str = ""


class VetIn(Schema):
    verdicts: list[VerdictIn]
    comment: str = ""


class DecisionIn(Schema):
    to: str
    reason: str = ""


class ExemptionIn(Schema):
    granted: bool
    reason: str


class ProposeIn(Schema):
    master: int


class MatchDecideIn(Schema):
    accept: bool
    reason: str = ""


class MatchOut(Schema):
    id: int
    application: int = Field(..., alias="application_id")
    master: int = Field(..., alias="master_id")
    master_name: str = Field(..., alias="master.name")
    status: str
    decision_reason: str
    contract_number: str
    apprenticeship: int | None = Field(None, alias="apprenticeship_id")
    signatures: list[dict]

    @staticmethod
    def resolve_signatures(obj):
        return [
            {
                "party": s.party,
                "signer": s.signer.display_name,
                "method": s.method,
                "signed_at": s.signed_at,
                "ip": s.ip,
            }
            for s in obj.signatures.all()
        ]


class SuggestionOut(Schema):
    master: int
    name: str
    tier: str
    remaining: int
    score: int
    reasons: list[str]


class ApprenticeshipOut(Schema):
    id: int
    master: int = Field(..., alias="master_id")
    master_name: str = Field(..., alias="master.name")
    apprentice: int = Field(..., alias="apprentice_id")
    term: str
    starts_on: datetime.date
    ends_on: datetime.date
    status: str


def _application(pk: int) -> ApprenticeApplication:
    return get_object_or_404(
        ApprenticeApplication.objects.select_related("organization").prefetch_related(
            "intents__master", "documents__reviews__reviewer", "matches", "exemptions"
        ),
        pk=pk,
    )


def _fields(payload: ApplicationIn) -> dict:
    region = Region.objects.filter(code=payload.region).first()
    if region is None:
        raise ApplicationError(_("区划代码「%(code)s」不存在") % {"code": payload.region}, field="region")
    organization = Organization.objects.filter(pk=payload.organization).first()
    if organization is None:
        raise ApplicationError(_("工作单位不存在"), field="organization")
    recommending = None
    if payload.recommending_organization:
        recommending = Organization.objects.filter(pk=payload.recommending_organization).first()
        if recommending is None:
            raise ApplicationError(_("推荐单位不存在"), field="recommending_organization")
    masters = list(Master.objects.filter(pk__in=payload.masters))
    if len(masters) != len(set(payload.masters)):
        raise ApplicationError(_("意向传承人不存在"), field="masters")
    order = {pk: i for i, pk in enumerate(payload.masters)}
    data = payload.dict(exclude={"region", "organization", "recommending_organization", "masters"})
    return dict(
        data,
        region=region,
        organization=organization,
        recommending_organization=recommending,
        masters=sorted(masters, key=lambda m: order[m.pk]),
    )


def _may_change_application(request, pk, **_path) -> None:
    """The gate of the applicant's own changes, before the body is read (chuancheng.api_gate)."""
    check_applicant(request.user, record_from_path(ApprenticeApplication, pk))


@router.get("apprentice-applications", response=list[ApplicationListOut], operation_id="apprentice_application_list")
@paginate(LimitOffsetPagination)
def apprentice_application_list(
    request,
    status: str = "",
    master: str = "",
    region: str = "",
    submitted_from: str = "",
    submitted_to: str = "",
    q: str = "",
):
    """Applications within the caller's scope, with the reviewer queue's filters."""
    visible = scope(request.user, "apprentice_application.view", ApprenticeApplication.objects.all())
    return (
        selectors.filter_applications(visible, request.GET)
        .select_related("organization")
        .order_by("-updated_at", "-pk")
    )


@router.post("apprentice-applications", response={201: ApplicationOut}, operation_id="apprentice_application_create")
def apprentice_application_create(request, payload: ApplicationIn):
    """A draft application by the caller for themselves."""
    application = services.apprentice_application_create(actor=request.user, **_fields(payload))
    return Status(201, _application(application.pk))


@router.get("apprentice-applications/{pk}", response=ApplicationOut, operation_id="apprentice_application_get")
def apprentice_application_get(request, pk: int):
    application = _application(pk)
    authorize(request.user, "apprentice_application.view", application)
    services.application_viewed(viewer=request.user, application=application)
    return application


@router.put("apprentice-applications/{pk}", response=ApplicationOut, operation_id="apprentice_application_update")
@gated(check=_may_change_application)
def apprentice_application_update(request, pk: int, payload: ApplicationIn):
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    services.apprentice_application_update(application=application, actor=request.user, **_fields(payload))
    return _application(pk)


@router.post(
    "apprentice-applications/{pk}/documents", response={201: DocumentOut}, operation_id="apprentice_document_add"
)
@gated(check=_may_change_application)
def apprentice_document_add(request, pk: int, kind: str, file: UploadedFile = File(...)):  # noqa: B008
    """Upload a document (PDF, JPEG or PNG, checked by content; ≤ 10 MB)."""
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    document = services.apprentice_document_add(application=application, actor=request.user, kind=kind, upload=file)
    return Status(201, document)


@router.post(
    "apprentice-applications/{pk}/submit", response=ApplicationOut, operation_id="apprentice_application_submit"
)
def apprentice_application_submit(request, pk: int):
    services.apprentice_application_submit(
        application=get_object_or_404(ApprenticeApplication, pk=pk), actor=request.user
    )
    return _application(pk)


@router.post(
    "apprentice-applications/{pk}/withdraw", response=ApplicationOut, operation_id="apprentice_application_withdraw"
)
def apprentice_application_withdraw(request, pk: int):
    services.apprentice_application_withdraw(
        application=get_object_or_404(ApprenticeApplication, pk=pk), actor=request.user
    )
    return _application(pk)


@router.post(
    "apprentice-applications/{pk}/exemption", response=ApplicationOut, operation_id="apprentice_exemption_decide"
)
@gated(ApprenticeApplication, "apprentice_application.exempt")
def apprentice_exemption_decide(request, pk: int, payload: ExemptionIn):
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    services.apprentice_exemption_decide(application=application, actor=request.user, **payload.dict())
    return _application(pk)


@router.post("apprentice-applications/{pk}/vet", response=ApplicationOut, operation_id="apprentice_application_vet")
@gated(ApprenticeApplication, move_act(ApprenticeApplication, ApprenticeApplication.Status.VETTED))
def apprentice_application_vet(request, pk: int, payload: VetIn):
    """The organizing unit's verdict on each document: accepted, returned or rejected."""
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    verdicts = {v.document: (v.verdict, v.reason) for v in payload.verdicts}
    services.apprentice_application_vet(
        application=application, actor=request.user, verdicts=verdicts, comment=payload.comment
    )
    return _application(pk)


@router.post(
    "apprentice-applications/{pk}/decide", response=ApplicationOut, operation_id="apprentice_application_decide"
)
@gated(ApprenticeApplication, move_act(ApprenticeApplication, ApprenticeApplication.Status.APPROVED))
def apprentice_application_decide(request, pk: int, payload: DecisionIn):
    """The host unit's decision: approved, returned or rejected."""
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    services.apprentice_application_approve(
        application=application, actor=request.user, to=payload.to, reason=payload.reason
    )
    return _application(pk)


@router.get(
    "apprentice-applications/{pk}/suggestions",
    response=list[SuggestionOut],
    operation_id="apprentice_match_suggestions",
)
def apprentice_match_suggestions(request, pk: int):
    application = _application(pk)
    authorize(request.user, "apprentice_match.propose", application)
    return [
        {
            "master": s.master.pk,
            "name": s.master.name,
            "tier": s.master.tier,
            "remaining": s.master.remaining,
            "score": s.score,
            "reasons": list(s.reasons),
        }
        for s in selectors.match_suggestions(application)
    ]


@router.post("apprentice-applications/{pk}/propose", response={201: MatchOut}, operation_id="apprentice_match_propose")
@gated(ApprenticeApplication, "apprentice_match.propose")
def apprentice_match_propose(request, pk: int, payload: ProposeIn):
    application = get_object_or_404(ApprenticeApplication, pk=pk)
    master = get_object_or_404(Master, pk=payload.master)
    match = services.apprentice_match_propose(application=application, master=master, actor=request.user)
    return Status(201, match)


@router.get("apprentice-matches/{pk}", response=MatchOut, operation_id="apprentice_match_get")
def apprentice_match_get(request, pk: int):
    match = get_object_or_404(
        Match.objects.select_related("master", "application").prefetch_related("signatures__signer"), pk=pk
    )
    if not may_view_match(request.user, match):
        authorize(request.user, "apprentice_match.view", match)
    services.application_viewed(viewer=request.user, application=match.application, what="师承匹配")
    return match


@router.post("apprentice-matches/{pk}/decide", response=MatchOut, operation_id="apprentice_match_decide")
@gated(Match, "apprentice_match.decide")
def apprentice_match_decide(request, pk: int, payload: MatchDecideIn):
    """The master accepts (the contract is generated) or declines with a reason."""
    match = get_object_or_404(Match, pk=pk)
    services.apprentice_match_decide(match=match, actor=request.user, accept=payload.accept, reason=payload.reason)
    return apprentice_match_get(request, pk)


@router.post("apprentice-matches/{pk}/sign", response=MatchOut, operation_id="apprentice_contract_sign")
def apprentice_contract_sign(request, pk: int, scan: UploadedFile | None = File(None)):  # noqa: B008
    """Sign the contract in the platform (time and IP recorded), or upload a signed scan."""
    match = get_object_or_404(Match, pk=pk)
    services.apprentice_contract_sign(match=match, actor=request.user, scan=scan)
    return apprentice_match_get(request, pk)


@router.get("apprenticeships", response=list[ApprenticeshipOut], operation_id="apprenticeship_list")
@paginate(LimitOffsetPagination)
def apprenticeship_list(request, status: str = ""):
    visible = scope(request.user, "apprenticeship.view", Apprenticeship.objects.select_related("master"))
    if status in Apprenticeship.Status.values:
        visible = visible.filter(status=status)
    return visible.order_by("-starts_on", "-pk")
