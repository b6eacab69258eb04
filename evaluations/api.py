"""The evaluation API (issue 5 §9): every step of the pages, calling the same services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from accounts.models import Organization, User
from accounts.permissions import authorize, can, scope
from chuancheng.api_gate import gated, record_from_path
from evaluations import outcomes, permissions, selectors, services
from evaluations.models import (
    Assignment,
    Evaluation,
    ExpertProfile,
    PricingProposal,
    PromotionListing,
    Rubric,
    Trainee,
    TrainingClass,
)
from lib.errors import ApplicationError
from lib.pagination import LimitOffsetPagination
from techniques.models import Technique, Term
from workflow.services import move_act

router = Router(tags=["evaluations"])
LIST_RELATED = ("technique__region", "technique__category")


# --- schemas ----------------------------------------------------------------------------------------


class ExpertFields(Schema):
    id: int
    name: str
    field: str
    title: str
    organization: str
    region: str
    specialties: list[str]
    is_available: bool


class ExpertOut(ExpertFields):
    @staticmethod
    def resolve_name(obj):
        return obj.user.display_name

    @staticmethod
    def resolve_organization(obj):
        return obj.organization.name

    @staticmethod
    def resolve_region(obj):
        return obj.region_id

    @staticmethod
    def resolve_specialties(obj):
        return [t.name for t in obj.specialties.all()]


class HistoryOut(Schema):
    invited: int
    accepted: int
    declined: int
    completed: int
    overdue: int


class ExpertDetailOut(ExpertFields):
    history: HistoryOut
    relationships: list[str]


class ExpertIn(Schema):
    username: str
    field: str
    title: str
    specialties: list[str] = []
    specialty_note: str = ""


class RelationshipIn(Schema):
    kind: str
    holder_name: str = ""
    organization_id: int | None = None
    note: str = ""


class AvailabilityIn(Schema):
    available: bool
    note: str = ""


class CriterionOut(Schema):
    id: int
    name: str
    weight: Decimal
    max_score: int
    required: bool
    allow_not_applicable: bool


class RubricOut(Schema):
    id: int
    name: str
    is_default: bool
    disagreement_spread: Decimal
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_criteria(obj):
        return list(obj.criteria.all())


def _scores_shown(context, evaluation: Evaluation, round_no: int | None = None) -> bool:
    """Blind scoring in every reply that carries a score (evaluations.permissions.scores_visible_q):
    a list's `scores_visible` annotation for the current round, else asked once per round per request."""
    round_no = round_no or evaluation.round
    annotated = getattr(evaluation, "scores_visible", None)
    if annotated is not None and round_no == evaluation.round:
        return annotated
    request = context["request"]
    known = request.__dict__.setdefault("_score_rounds", {})
    if (evaluation.pk, round_no) not in known:
        known[evaluation.pk, round_no] = permissions.may_see_scores(request.user, evaluation, round_no)
    return known[evaluation.pk, round_no]


class EvaluationOut(Schema):
    id: int
    technique_id: int
    technique: str
    status: str
    round: int
    deadline: datetime
    tcm_count: int
    western_count: int
    # null while hidden from the caller (blind scoring)
    score: float | None
    flagged: bool | None

    @staticmethod
    def resolve_technique(obj):
        return obj.technique.name

    @staticmethod
    def resolve_score(obj, context):
        return obj.score if _scores_shown(context, obj) else None

    @staticmethod
    def resolve_flagged(obj, context):
        return obj.flagged if _scores_shown(context, obj) else None


class OpenIn(Schema):
    techniques: list[int]
    deadline: datetime
    tcm_count: int
    western_count: int
    rubric_id: int | None = None
    disagreement_spread: Decimal | None = None
    title: str = ""


class SuggestionOut(Schema):
    expert_id: int
    name: str
    field: str
    match: int
    load: int
    conflicts: list[str]


class AssignIn(Schema):
    expert_id: int
    waiver_reason: str = ""


class AssignmentOut(Schema):
    id: int
    evaluation_id: int
    technique: str
    expert_id: int
    expert: str
    field: str
    round: int
    status: str
    conflicts: list[str]
    waiver_reason: str
    total: float | None  # null while hidden from the caller (blind scoring)

    @staticmethod
    def resolve_technique(obj):
        return obj.evaluation.technique.name

    @staticmethod
    def resolve_expert(obj):
        return obj.expert.user.display_name

    @staticmethod
    def resolve_total(obj, context):
        own = obj.expert.user_id == context["request"].user.pk
        return obj.total if own or _scores_shown(context, obj.evaluation, obj.round) else None


class RespondIn(Schema):
    accept: bool
    reason: str = ""
    # The state the client last saw: when the record has moved on since, nothing is done (409).
    expect: str | None = None


class ReasonIn(Schema):
    reason: str = ""
    expect: str | None = None


class ScoreEntryIn(Schema):
    criterion_id: int
    value: Decimal | None = None
    not_applicable: bool = False
    comment: str = ""


class SheetIn(Schema):
    scores: list[ScoreEntryIn]
    overall_comment: str = ""


class CriterionResultOut(Schema):
    id: int
    name: str
    mean: float | None
    low: float | None
    high: float | None
    spread: float
    count: int
    disagreement: bool


class AggregateOut(Schema):
    round: int
    score: float | None
    by_field: dict[str, float | None]
    totals: dict[str, float | None]
    total_spread: float
    flagged: bool
    trimmed: bool
    criteria: list[CriterionResultOut]


class EfficacyIn(Schema):
    case: str
    measure: str
    before: str
    after: str
    judgement: str


class FollowUpIn(Schema):
    patient: str
    followed_on: date
    method: str
    outcome: str
    adverse_events: str = ""


class MeetingIn(Schema):
    held_on: date
    minutes: str
    conclusion: str
    attendee_ids: list[int]
    place: str = ""
    other_attendees: str = ""


class EvidenceOut(Schema):
    efficacy: list[dict]
    follow_ups: list[dict]
    meetings: list[dict]


class ConcludeIn(Schema):
    passed: bool
    grade: str = ""
    recommendation: str
    conclusion: str
    expect: str | None = None


class ConclusionOut(Schema):
    round: int
    # The panel's figures: null while hidden from the caller (blind scoring).
    score: float | None
    tcm_score: float | None
    western_score: float | None
    computed_grade: str | None
    passed: bool
    grade: str
    recommendation: str
    conclusion: str
    flagged: bool | None

    @staticmethod
    def _figure(obj, context, name: str):
        return getattr(obj, name) if _scores_shown(context, obj.evaluation, obj.round) else None

    @staticmethod
    def resolve_score(obj, context):
        return ConclusionOut._figure(obj, context, "score")

    @staticmethod
    def resolve_tcm_score(obj, context):
        return ConclusionOut._figure(obj, context, "tcm_score")

    @staticmethod
    def resolve_western_score(obj, context):
        return ConclusionOut._figure(obj, context, "western_score")

    @staticmethod
    def resolve_computed_grade(obj, context):
        return ConclusionOut._figure(obj, context, "computed_grade")

    @staticmethod
    def resolve_flagged(obj, context):
        return ConclusionOut._figure(obj, context, "flagged")


class DecideIn(Schema):
    action: str  # "finalize" or "rereview"
    passed: bool = False
    grade: str = ""
    management_class: str = ""
    reason: str = ""
    deadline: datetime | None = None
    expect: str | None = None


class DecisionOut(Schema):
    passed: bool
    grade: str
    technique_grade: str
    management_class: str
    reason: str
    round: int


class PromotionIn(Schema):
    scope_note: str


class ListingOut(Schema):
    id: int
    technique_id: int
    technique: str
    grade: str
    scope_note: str

    @staticmethod
    def resolve_technique(obj):
        return obj.technique.name


class TrainingIn(Schema):
    holder_id: int
    title: str
    starts_on: date
    ends_on: date
    place: str


class TraineeIn(Schema):
    name: str
    organization: str


class ClinicIn(Schema):
    name: str
    organization_id: int
    opened_on: date


class IdOut(Schema):
    id: int


class PricingIn(Schema):
    clinical_value: int
    patient_recognition: int
    labour_value: int
    reference_price: Decimal
    day_treatment: bool = False
    outpatient: bool = False
    per_disease: bool = False
    rationale: str = ""


class PricingOut(Schema):
    clinical_value: int
    patient_recognition: int
    labour_value: int
    reference_price: Decimal
    factor: Decimal
    proposed_price: Decimal
    day_treatment: bool
    outpatient: bool
    per_disease: bool
    rationale: str


# --- gates: who may act, asked before the body is read (chuancheng.api_gate) ------------------------


def _may_set_availability(request, pk, **_path) -> None:
    expert = record_from_path(ExpertProfile, pk)
    if not permissions.may_set_availability(request.user, expert):
        authorize(request.user, "expert.manage", expert)  # 404 outside scope, else 403


def _may_promote_listing(request, pk, **_path) -> None:
    listing = record_from_path(PromotionListing.objects.select_related("evaluation"), pk)
    authorize(request.user, "promotion.manage", listing.evaluation)


def _may_promote_training(request, pk, **_path) -> None:
    training = record_from_path(TrainingClass.objects.select_related("listing__evaluation"), pk)
    authorize(request.user, "promotion.manage", training.listing.evaluation)


# --- the expert pool --------------------------------------------------------------------------------


def _expert(pk: int) -> ExpertProfile:
    return get_object_or_404(
        ExpertProfile.objects.select_related("user", "organization", "region").prefetch_related("specialties"), pk=pk
    )


def _expert_detail(expert: ExpertProfile) -> dict:
    data = {
        "id": expert.pk,
        "name": expert.user.display_name,
        "field": expert.field,
        "title": expert.title,
        "organization": expert.organization.name,
        "region": expert.region_id,
        "specialties": [t.name for t in expert.specialties.all()],
        "is_available": expert.is_available,
    }
    data["history"] = selectors.expert_history(expert).__dict__
    data["relationships"] = [str(r) for r in expert.relationships.select_related("organization")]
    return data


@router.get("experts", response=list[ExpertOut], operation_id="expert_list")
@paginate(LimitOffsetPagination)
def expert_list(request, field: str = ""):
    experts = scope(request.user, "expert.view", ExpertProfile.objects.all())
    if field:
        experts = experts.filter(field=field)
    return experts.select_related("user", "organization").prefetch_related("specialties").order_by("pk")


@router.post("experts", response={201: ExpertDetailOut}, operation_id="expert_create")
@gated(act="expert.manage")
def expert_create(request, payload: ExpertIn):
    user = User.objects.filter(username=payload.username).first()
    if user is None:
        raise ApplicationError(_("账号「%(name)s」不存在") % {"name": payload.username}, field="username")
    specialties = list(Term.objects.filter(vocabulary__in=["category", "disease"], name__in=payload.specialties))
    unknown = set(payload.specialties) - {t.name for t in specialties}
    if unknown:
        raise ApplicationError(
            _("专长「%(names)s」不在技术类别或病种词表中") % {"names": "、".join(sorted(unknown))}, field="specialties"
        )
    expert = services.expert_profile_create(
        actor=request.user,
        user=user,
        field=payload.field,
        title=payload.title,
        specialties=specialties,
        specialty_note=payload.specialty_note,
    )
    return Status(201, _expert_detail(_expert(expert.pk)))


@router.get("experts/{pk}", response=ExpertDetailOut, operation_id="expert_get")
def expert_get(request, pk: int):
    expert = _expert(pk)
    authorize(request.user, "expert.view", expert)
    services.expert_viewed(viewer=request.user, expert=expert)
    return _expert_detail(expert)


@router.post("experts/{pk}/relationships", response={201: ExpertDetailOut}, operation_id="expert_relationship_declare")
@gated(ExpertProfile, "expert.declare")
def expert_relationship_declare(request, pk: int, payload: RelationshipIn):
    expert = _expert(pk)
    organization = Organization.objects.filter(pk=payload.organization_id).first() if payload.organization_id else None
    services.expert_relationship_declare(
        actor=request.user,
        expert=expert,
        kind=payload.kind,
        holder_name=payload.holder_name,
        organization=organization,
        note=payload.note,
    )
    return Status(201, _expert_detail(expert))


@router.post("experts/{pk}/availability", response=ExpertDetailOut, operation_id="expert_availability_set")
@gated(check=_may_set_availability)
def expert_availability_set(request, pk: int, payload: AvailabilityIn):
    expert = _expert(pk)
    authorize(request.user, "expert.view", expert)
    services.expert_availability_set(actor=request.user, expert=expert, available=payload.available, note=payload.note)
    return _expert_detail(expert)


@router.get("rubrics", response=list[RubricOut], auth=None, operation_id="rubric_list")
def rubric_list(request):
    return list(Rubric.objects.filter(is_active=True).prefetch_related("criteria"))


# --- evaluations ------------------------------------------------------------------------------------


def _evaluation(request, pk: int, act: str = "evaluation.view") -> Evaluation:
    evaluations = permissions.with_scores_visible(Evaluation.objects.all(), request.user)
    evaluation = get_object_or_404(evaluations.select_related(*LIST_RELATED, "rubric", "grade_scale"), pk=pk)
    authorize(request.user, act, evaluation)
    return evaluation


@router.get("evaluations", response=list[EvaluationOut], operation_id="evaluation_list")
@paginate(LimitOffsetPagination)
def evaluation_list(request, status: str = "", flagged: bool | None = None):
    visible = scope(request.user, "evaluation.view", Evaluation.objects.select_related(*LIST_RELATED))
    visible = permissions.with_scores_visible(visible, request.user)
    if status:
        visible = visible.filter(status=status)
    if flagged is not None:
        # Blind scoring: filtering on the flag must not tell of evaluations whose scores are hidden.
        visible = visible.filter(flagged=flagged, scores_visible=True)
    return visible.order_by("-opened_at", "-pk")


@router.post("evaluations", response={201: list[EvaluationOut]}, operation_id="evaluation_open")
@gated(act="evaluation.open")
def evaluation_open(request, payload: OpenIn):
    """Opens one evaluation per technique, as one batch."""
    rubric = (
        Rubric.objects.filter(pk=payload.rubric_id).first()
        if payload.rubric_id
        else Rubric.objects.filter(is_default=True).first()
    )
    if rubric is None:
        raise ApplicationError(_("评分细则不存在"), field="rubric_id")
    opened = services.evaluation_open(
        actor=request.user,
        techniques=list(Technique.objects.filter(pk__in=payload.techniques)),
        rubric=rubric,
        deadline=payload.deadline,
        tcm_count=payload.tcm_count,
        western_count=payload.western_count,
        disagreement_spread=payload.disagreement_spread,
        title=payload.title,
    )
    opened_rows = permissions.with_scores_visible(Evaluation.objects.select_related(*LIST_RELATED), request.user)
    return Status(201, list(opened_rows.filter(pk__in=[e.pk for e in opened])))


@router.get("evaluations/{pk}", response=EvaluationOut, operation_id="evaluation_get")
def evaluation_get(request, pk: int):
    return _evaluation(request, pk)


@router.get("evaluations/{pk}/suggestions", response=list[SuggestionOut], operation_id="evaluation_suggestions")
def evaluation_suggestions(request, pk: int, field: str = ""):
    """Experts by specialty match and load; the conflicted come with their reasons."""
    evaluation = _evaluation(request, pk, "evaluation.manage")
    return [
        {
            "expert_id": s.expert.pk,
            "name": str(s.expert),
            "field": s.expert.field,
            "match": s.match,
            "load": s.load,
            "conflicts": s.conflicts,
        }
        for s in services.experts_suggest(evaluation=evaluation, field=field or None, limit=50)
    ]


def _assignment_out(pk: int) -> Assignment:
    return Assignment.objects.select_related("evaluation__technique", "expert__user").get(pk=pk)


@router.get("evaluations/{pk}/assignments", response=list[AssignmentOut], operation_id="evaluation_assignments")
def evaluation_assignments(request, pk: int):
    evaluation = _evaluation(request, pk)
    return list(evaluation.assignments.select_related("evaluation__technique", "expert__user").order_by("round", "pk"))


@router.post("evaluations/{pk}/assignments", response={201: AssignmentOut}, operation_id="assignment_create")
@gated(Evaluation, "evaluation.manage")
def assignment_create(request, pk: int, payload: AssignIn):
    evaluation = get_object_or_404(Evaluation, pk=pk)
    expert = get_object_or_404(ExpertProfile.objects.select_related("user", "region"), pk=payload.expert_id)
    assignment = services.assignment_create(
        actor=request.user, evaluation=evaluation, expert=expert, waiver_reason=payload.waiver_reason
    )
    return Status(201, _assignment_out(assignment.pk))


@router.get("my/assignments", response=list[AssignmentOut], operation_id="assignment_queue")
@paginate(LimitOffsetPagination)
def assignment_queue(request):
    """The caller's invitations and panels, the ones waiting for them first."""
    return selectors.expert_queue(request.user).select_related("expert__user")


@router.post("assignments/{pk}/respond", response=AssignmentOut, operation_id="assignment_respond")
@gated(Assignment, move_act(Assignment, Assignment.Status.ACCEPTED))
def assignment_respond(request, pk: int, payload: RespondIn):
    assignment = get_object_or_404(Assignment.objects.select_related("evaluation", "expert"), pk=pk)
    authorize(request.user, "assignment.respond", assignment)
    services.assignment_respond(
        actor=request.user, assignment=assignment, accept=payload.accept, reason=payload.reason, expect=payload.expect
    )
    return _assignment_out(pk)


@router.post("assignments/{pk}/withdraw", response=AssignmentOut, operation_id="assignment_withdraw")
@gated(Assignment, move_act(Assignment, Assignment.Status.WITHDRAWN))
def assignment_withdraw(request, pk: int, payload: ReasonIn):
    assignment = get_object_or_404(Assignment.objects.select_related("evaluation__technique", "expert__user"), pk=pk)
    services.assignment_withdraw(
        actor=request.user, assignment=assignment, reason=payload.reason, expect=payload.expect
    )
    return _assignment_out(pk)


@router.post("assignments/{pk}/scores", response=AssignmentOut, operation_id="score_submit")
@gated(Assignment, "assignment.score")
def score_submit(request, pk: int, payload: SheetIn):
    assignment = get_object_or_404(Assignment.objects.select_related("evaluation__rubric", "expert"), pk=pk)
    # Someone else's sheet does not exist for them, whatever it would be refused for.
    authorize(request.user, "assignment.score", assignment)
    sheet = {
        s.criterion_id: services.ScoreInput(value=s.value, not_applicable=s.not_applicable, comment=s.comment)
        for s in payload.scores
    }
    services.score_submit(
        actor=request.user, assignment=assignment, sheet=sheet, overall_comment=payload.overall_comment
    )
    return _assignment_out(pk)


@router.post("evaluations/{pk}/start-scoring", response=EvaluationOut, operation_id="evaluation_start_scoring")
@gated(Evaluation, move_act(Evaluation, Evaluation.Status.SCORING))
def evaluation_start_scoring(request, pk: int):
    evaluation = get_object_or_404(Evaluation, pk=pk)
    services.evaluation_start_scoring(actor=request.user, evaluation=evaluation)
    return _evaluation(request, pk)


@router.post("evaluations/{pk}/cancel", response=EvaluationOut, operation_id="evaluation_cancel")
@gated(Evaluation, move_act(Evaluation, Evaluation.Status.CANCELLED))
def evaluation_cancel(request, pk: int, payload: ReasonIn):
    evaluation = get_object_or_404(Evaluation, pk=pk)
    services.evaluation_cancel(actor=request.user, evaluation=evaluation, reason=payload.reason, expect=payload.expect)
    return _evaluation(request, pk)


@router.get("evaluations/{pk}/aggregate", response=AggregateOut, operation_id="evaluation_aggregate")
def evaluation_aggregate(request, pk: int, round: int = 0):
    """The aggregate of a round (default: the current one). Blind: an expert of the panel sees it
    only after submitting their own scores in that round, a holder never."""
    evaluation = _evaluation(request, pk)
    round_no = round or evaluation.round
    refusal = permissions.scores_refusal(request.user, evaluation, round_no)
    if refusal:
        raise PermissionDenied(refusal)
    result = services.evaluation_aggregate(evaluation, round_no)
    return {
        "round": round_no,
        "score": result.score,
        "by_field": result.by_field,
        "totals": result.totals,
        "total_spread": result.total_spread,
        "flagged": result.flagged,
        "trimmed": result.trimmed,
        "criteria": [c.__dict__ for c in result.criteria],
    }


@router.get("evaluations/{pk}/evidence", response=EvidenceOut, operation_id="evaluation_evidence")
def evaluation_evidence(request, pk: int):
    evaluation = _evaluation(request, pk)
    return {
        "efficacy": list(evaluation.efficacy_records.values("id", "case", "measure", "before", "after", "judgement")),
        "follow_ups": [
            {**r, "followed_on": r["followed_on"].isoformat()}
            for r in evaluation.follow_ups.values("id", "patient", "followed_on", "method", "outcome", "adverse_events")
        ],
        "meetings": [
            {
                "id": m.pk,
                "held_on": m.held_on.isoformat(),
                "place": m.place,
                "attendees": [str(e) for e in m.attendees.all()],
                "minutes": m.minutes,
                "conclusion": m.conclusion,
            }
            for m in evaluation.meetings.prefetch_related("attendees__user")
        ],
    }


@router.post("evaluations/{pk}/efficacy", response={201: IdOut}, operation_id="efficacy_record_add")
@gated(Evaluation, "evaluation.evidence")
def efficacy_record_add(request, pk: int, payload: EfficacyIn):
    evaluation = get_object_or_404(Evaluation, pk=pk)
    return Status(201, services.efficacy_record_add(actor=request.user, evaluation=evaluation, **payload.dict()))


@router.post("evaluations/{pk}/follow-ups", response={201: IdOut}, operation_id="follow_up_add")
@gated(Evaluation, "evaluation.evidence")
def follow_up_add(request, pk: int, payload: FollowUpIn):
    evaluation = get_object_or_404(Evaluation, pk=pk)
    return Status(201, services.follow_up_add(actor=request.user, evaluation=evaluation, **payload.dict()))


@router.post("evaluations/{pk}/meetings", response={201: IdOut}, operation_id="meeting_add")
@gated(Evaluation, "evaluation.manage")
def meeting_add(request, pk: int, payload: MeetingIn):
    evaluation = get_object_or_404(Evaluation, pk=pk)
    data = payload.dict()
    attendees = list(ExpertProfile.objects.select_related("user").filter(pk__in=data.pop("attendee_ids")))
    return Status(201, services.meeting_add(actor=request.user, evaluation=evaluation, attendees=attendees, **data))


@router.get("evaluations/{pk}/conclusions", response=list[ConclusionOut], operation_id="evaluation_conclusions")
def evaluation_conclusions(request, pk: int):
    """Every round's panel conclusion: re-review rounds keep the earlier ones."""
    return list(_evaluation(request, pk).conclusions.order_by("round"))


@router.post("evaluations/{pk}/conclusion", response={201: ConclusionOut}, operation_id="evaluation_conclude")
@gated(Evaluation, move_act(Evaluation, Evaluation.Status.CONCLUDED))
def evaluation_conclude(request, pk: int, payload: ConcludeIn):
    evaluation = get_object_or_404(Evaluation, pk=pk)
    return Status(201, services.evaluation_conclude(actor=request.user, evaluation=evaluation, **payload.dict()))


@router.post(
    "evaluations/{pk}/decision", response={200: EvaluationOut, 201: DecisionOut}, operation_id="evaluation_decide"
)
@gated(Evaluation, "evaluation.finalize")
def evaluation_decide(request, pk: int, payload: DecideIn):
    """`finalize` (the office's final decision: 201 with the decision) or `rereview` (another
    round: 200 with the evaluation)."""
    evaluation = get_object_or_404(Evaluation, pk=pk)
    if payload.action == "rereview":
        services.evaluation_rereview(
            actor=request.user,
            evaluation=evaluation,
            reason=payload.reason,
            deadline=payload.deadline,
            expect=payload.expect,
        )
        return Status(200, _evaluation(request, pk))
    if payload.action != "finalize":
        raise ApplicationError(_("决定只能是 finalize（终审）或 rereview（复评）"), field="action")
    decision = services.evaluation_finalize(
        actor=request.user,
        evaluation=evaluation,
        passed=payload.passed,
        grade=payload.grade,
        management_class=payload.management_class,
        reason=payload.reason,
        expect=payload.expect,
    )
    return Status(201, decision)


# --- outcomes ---------------------------------------------------------------------------------------


@router.get("graded", response=list[EvaluationOut], operation_id="graded_list")
@paginate(LimitOffsetPagination)
def graded_list(request, grade: str = "", region: str = "", category: str = "", passed: str = ""):
    visible = scope(request.user, "evaluation.view", Evaluation.objects.all())
    return selectors.graded(visible, request.GET, user=request.user)


@router.get("promotion", response=list[ListingOut], auth=None, operation_id="promotion_catalogue")
@paginate(LimitOffsetPagination)
def promotion_catalogue(request):
    return PromotionListing.objects.select_related("technique").order_by("-listed_at", "-pk")


@router.post("evaluations/{pk}/promotion", response={201: ListingOut}, operation_id="promotion_list")
@gated(Evaluation, "promotion.manage")
def promotion_list(request, pk: int, payload: PromotionIn):
    evaluation = get_object_or_404(Evaluation.objects.select_related("technique"), pk=pk)
    return Status(
        201, outcomes.promotion_list(actor=request.user, evaluation=evaluation, scope_note=payload.scope_note)
    )


@router.post("promotion/{pk}/training", response={201: IdOut}, operation_id="training_class_add")
@gated(check=_may_promote_listing)
def training_class_add(request, pk: int, payload: TrainingIn):
    listing = get_object_or_404(PromotionListing.objects.select_related("evaluation"), pk=pk)
    holder = listing.technique.holders.filter(pk=payload.holder_id).first()
    if holder is None:
        raise ApplicationError(_("授课人必须是该技术的持有人"), field="holder_id")
    data = payload.dict(exclude={"holder_id"})
    return Status(201, outcomes.training_class_add(actor=request.user, listing=listing, holder=holder, **data))


@router.post("training/{pk}/trainees", response={201: IdOut}, operation_id="trainee_add")
@gated(check=_may_promote_training)
def trainee_add(request, pk: int, payload: TraineeIn):
    training = get_object_or_404(TrainingClass.objects.select_related("listing__evaluation"), pk=pk)
    return Status(201, outcomes.trainee_add(actor=request.user, training_class=training, **payload.dict()))


@router.post("trainees/{pk}/complete", response=IdOut, operation_id="trainee_complete")
def trainee_complete(request, pk: int):
    trainee = get_object_or_404(Trainee.objects.select_related("training_class__listing__evaluation"), pk=pk)
    return outcomes.trainee_complete(actor=request.user, trainee=trainee)


@router.post("promotion/{pk}/clinics", response={201: IdOut}, operation_id="clinic_add")
@gated(check=_may_promote_listing)
def clinic_add(request, pk: int, payload: ClinicIn):
    listing = get_object_or_404(PromotionListing.objects.select_related("evaluation"), pk=pk)
    organization = get_object_or_404(Organization, pk=payload.organization_id)
    clinic = outcomes.clinic_add(
        actor=request.user, listing=listing, name=payload.name, organization=organization, opened_on=payload.opened_on
    )
    return Status(201, clinic)


@router.post("evaluations/{pk}/pricing", response=PricingOut, operation_id="pricing_record")
@gated(Evaluation, "pricing.manage")
def pricing_record(request, pk: int, payload: PricingIn):
    evaluation = get_object_or_404(Evaluation, pk=pk)
    return outcomes.pricing_record(actor=request.user, evaluation=evaluation, **payload.dict())


@router.get("pricing/export", operation_id="pricing_export")
def pricing_export(request):
    """The price proposals and insurance recommendations as .xlsx, for the medical-insurance bureau."""
    if not can(request.user, "pricing.manage"):
        raise PermissionDenied(_("没有权限：提出价格与医保建议"))
    visible = scope(request.user, "evaluation.view", Evaluation.objects.all())
    data = outcomes.pricing_workbook(
        actor=request.user, proposals=PricingProposal.objects.filter(evaluation__in=visible.values("pk"))
    )
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="pricing.xlsx"'
    return response


@router.get("evaluations-dashboard", operation_id="evaluation_dashboard")
def evaluation_dashboard(request):
    """Evaluations by stage, days at each stage, overdue experts, who must act next."""
    visible = scope(request.user, "evaluation.view", Evaluation.objects.all())
    return selectors.dashboard_figures(visible, user=request.user)
