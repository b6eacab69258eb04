"""Writes of the value evaluation: the expert pool, opening, assignment with recusal, evidence,
scoring, the panel's conclusion and the office's decision (EVA-1..3).

Every state change goes through workflow.transition(); every other write leaves an audit row.
Each refusal is an ApplicationError with a Chinese message naming the field and the rule, raised
before anything is written.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization, Region, User
from accounts.permissions import authorize, can
from evaluations import rules, scoring
from evaluations.models import (
    Assignment,
    Criterion,
    EfficacyRecord,
    Evaluation,
    EvaluationBatch,
    ExpertProfile,
    ExpertRelationship,
    FinalDecision,
    FollowUp,
    GradeScale,
    Meeting,
    PanelConclusion,
    Recommendation,
    Rubric,
    Score,
)
from lib.errors import ApplicationError, ConflictError
from notifications.services import notify
from techniques.models import Technique, Term
from workflow.models import AuditEntry
from workflow.services import audit_record, transition

Status = Evaluation.Status
AStatus = Assignment.Status
ACTIVE_ASSIGNMENT = (AStatus.INVITED, AStatus.ACCEPTED, AStatus.SUBMITTED)
OPEN_STATUSES = (Status.ASSIGNING, Status.SCORING, Status.CONCLUDED)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _detail_url(evaluation: Evaluation) -> str:
    return reverse("evaluations:detail", args=[evaluation.pk])


def office_staff_of(evaluation: Evaluation) -> list[User]:
    """Who acts next for the office: the opener and the office staff of the organizing unit."""
    staff = list(
        User.objects.filter(
            memberships__organization_id=evaluation.organization_id, memberships__role=Membership.Role.OFFICE_STAFF
        ).distinct()[:50]
    )
    return [evaluation.opened_by, *staff]


# --- the expert pool (EVA-1) ------------------------------------------------------------------------


@transaction.atomic
def expert_profile_create(
    *,
    actor: User,
    user: User,
    field: str,
    title: str,
    organization: Organization | None = None,
    region: Region | None = None,
    specialties: list[Term] | None = None,
    specialty_note: str = "",
    is_available: bool = True,
) -> ExpertProfile:
    authorize(actor, "expert.manage")
    memberships = user.memberships.filter(role=Membership.Role.EXPERT).select_related("organization__region")
    if not memberships:
        raise ApplicationError(f"「{user.display_name}」没有「评估专家」角色，请先在其单位授予该角色", field="user")
    if ExpertProfile.objects.filter(user=user).exists():
        raise ApplicationError(f"「{user.display_name}」已在专家库中", field="user")
    if field not in ("tcm", "western"):
        raise ApplicationError("专业类别只能是中医或西医", field="field")
    if title not in ExpertProfile.Title.values:
        raise ApplicationError("请选择职称", field="title")
    organization = organization or memberships[0].organization
    expert = ExpertProfile.objects.create(
        user=user,
        field=field,
        title=title,
        organization=organization,
        region=region or user.region or organization.region,
        specialty_note=specialty_note.strip()[:200],
        is_available=is_available,
    )
    expert.specialties.set(specialties or [])
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=expert, to_state="入库", reason="专家库")
    return expert


@transaction.atomic
def expert_availability_set(*, actor: User, expert: ExpertProfile, available: bool, note: str = "") -> ExpertProfile:
    """The expert themselves or the office marks the expert (un)available for new panels."""
    if not (can(actor, "expert.manage", expert) or expert.user_id == actor.pk):
        authorize(actor, "expert.manage", expert)
    if not available and not note.strip():
        raise ApplicationError("暂停参加评估须说明原因（如出差、退休、回避期）", field="unavailable_note")
    expert.is_available = available
    expert.unavailable_note = "" if available else note.strip()[:200]
    expert.save(update_fields=["is_available", "unavailable_note"])
    audit_record(
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=expert,
        to_state="可参加评估" if available else "暂停参加评估",
        reason=expert.unavailable_note,
    )
    return expert


@transaction.atomic
def expert_relationship_declare(
    *,
    actor: User,
    expert: ExpertProfile,
    kind: str,
    holder_name: str = "",
    holder_user: User | None = None,
    organization: Organization | None = None,
    note: str = "",
) -> ExpertRelationship:
    authorize(actor, "expert.declare", expert)
    if kind not in ExpertRelationship.Kind.values:
        raise ApplicationError("请选择关系类型", field="kind")
    holder_name = holder_name.strip() or (holder_user.display_name if holder_user else "")
    if not holder_name and organization is None:
        raise ApplicationError("请填写关系所涉的持有人姓名或单位", field="holder_name")
    relationship = ExpertRelationship.objects.create(
        expert=expert,
        kind=kind,
        holder_name=holder_name[:64],
        holder_user=holder_user,
        organization=organization,
        note=note.strip()[:200],
    )
    audit_record(
        action=AuditEntry.Action.CREATE, actor=actor, obj=expert, to_state="申报关系", reason=str(relationship)
    )
    return relationship


# --- conflicts of interest (EVA-2) ------------------------------------------------------------------


@dataclass
class Parties:
    """Who stands behind a technique, for recusal: its holders, their units, its county."""

    holder_user_ids: set[int]
    holder_names: set[str]
    organizations: dict[int, str]
    county_prefix: str
    county_name: str


def technique_parties(technique: Technique) -> Parties:
    holders = list(technique.holders.all())
    user_ids = {h.user_id for h in holders if h.user_id}
    organizations = dict(
        Organization.objects.filter(memberships__user_id__in=user_ids).values_list("pk", "name").distinct()
    )
    if technique.entered_org_id:
        organizations[technique.entered_org_id] = technique.entered_org.name
    county_prefix = technique.region.prefix[:6]
    county = Region.objects.filter(prefix=county_prefix).first()
    return Parties(
        holder_user_ids=user_ids,
        holder_names={h.name for h in holders},
        organizations=organizations,
        county_prefix=county_prefix,
        county_name=county.name if county else county_prefix,
    )


def expert_conflicts(expert: ExpertProfile, parties: Parties) -> list[str]:
    """The reasons this expert must stand aside, in words the office reads; [] when none.
    `expert.relationships` should be prefetched when many experts are checked."""
    reasons = []
    if expert.organization_id in parties.organizations:
        reasons.append(f"与持有人同单位（{parties.organizations[expert.organization_id]}）")
    if expert.region.prefix.startswith(parties.county_prefix) and len(parties.county_prefix) == 6:
        reasons.append(f"与技术同在{parties.county_name}")
    for r in expert.relationships.all():
        if (r.holder_user_id and r.holder_user_id in parties.holder_user_ids) or (
            r.holder_name and r.holder_name in parties.holder_names
        ):
            reasons.append(f"申报了与持有人「{r.holder_name}」的{r.get_kind_display()}")
        elif r.organization_id and r.organization_id in parties.organizations:
            reasons.append(f"申报了与「{parties.organizations[r.organization_id]}」的{r.get_kind_display()}")
    return reasons


@dataclass
class Suggestion:
    expert: ExpertProfile
    match: int
    load: int
    conflicts: list[str] = field(default_factory=list)


def experts_suggest(*, evaluation: Evaluation, field: str | None = None, limit: int = 20) -> list[Suggestion]:
    """Available experts not yet on this round's panel, by specialty match (technique category and
    diseases) and then by current load (open invitations and accepted panels); the conflicted are
    returned with their reasons so the page can show them excluded."""
    technique = evaluation.technique
    term_ids = [technique.category_id, *technique.diseases.values_list("pk", flat=True)]
    on_panel = Assignment.objects.filter(evaluation=evaluation, round=evaluation.round).values("expert_id")
    candidates = (
        ExpertProfile.objects.filter(is_available=True, user__is_active=True)
        .exclude(pk__in=on_panel)
        .annotate(
            match=Count("specialties", filter=Q(specialties__in=[t for t in term_ids if t]), distinct=True),
            load=Count(
                "assignments",
                filter=Q(assignments__status__in=[AStatus.INVITED, AStatus.ACCEPTED]),
                distinct=True,
            ),
        )
        .select_related("user", "organization", "region")
        .prefetch_related("relationships")
        .order_by("-match", "load", "pk")
    )
    if field:
        candidates = candidates.filter(field=field)
    parties = technique_parties(technique)
    return [
        Suggestion(expert=e, match=e.match, load=e.load, conflicts=expert_conflicts(e, parties))
        for e in candidates[:limit]
    ]


# --- opening (issue 5 §2) ---------------------------------------------------------------------------


def _office_of(actor: User) -> Organization:
    membership = (
        actor.memberships.filter(role=Membership.Role.OFFICE_STAFF, organization__region__level=Region.Level.CITY)
        .select_related("organization")
        .first()
    )
    if membership:
        return membership.organization
    organization = Organization.objects.filter(
        kind=Organization.Kind.GOVERNMENT, department="health", region__level=Region.Level.CITY
    ).first()
    if organization is None:
        raise ApplicationError("没有可作为组织单位的市级卫生健康部门")
    return organization


def _check_panel(tcm_count: int, western_count: int) -> None:
    if tcm_count < 0 or western_count < 0:
        raise ApplicationError("专家人数不能为负数", field="tcm_count")
    total = tcm_count + western_count
    if not 3 <= total <= 15:
        raise ApplicationError(f"专家组人数须在 3 至 15 人之间（现为 {total} 人）", field="tcm_count")
    if tcm_count == 0:
        raise ApplicationError("专家组至少需要 1 名中医专家", field="tcm_count")


@transaction.atomic
def evaluation_open(
    *,
    actor: User,
    techniques: list[Technique],
    rubric: Rubric,
    deadline: datetime,
    tcm_count: int,
    western_count: int,
    grade_scale: GradeScale | None = None,
    disagreement_spread: Decimal | None = None,
    title: str = "",
) -> list[Evaluation]:
    """Opens one evaluation per technique, together as a batch (issue 5 §2)."""
    authorize(actor, "evaluation.open")
    if not techniques:
        raise ApplicationError("请至少选择一项已入库的技术", field="techniques")
    if len(techniques) > 200:
        raise ApplicationError("一个批次最多 200 项技术", field="techniques")
    _check_panel(tcm_count, western_count)
    if deadline <= timezone.now():
        raise ApplicationError("评分截止时间必须晚于现在", field="deadline")
    if not rubric.is_active or not rubric.criteria.exists():
        raise ApplicationError(f"评分细则「{rubric.name}」未启用或没有评价指标", field="rubric")
    grade_scale = grade_scale or GradeScale.objects.filter(is_default=True).first()
    if grade_scale is None or not grade_scale.levels.exists():
        raise ApplicationError("没有可用的分级标准，请先在系统管理中设置", field="grade_scale")
    spread = rubric.disagreement_spread if disagreement_spread is None else Decimal(disagreement_spread)
    if not Decimal(0) < spread <= Decimal(100):
        raise ApplicationError("分歧阈值须在 0 至 100 分之间", field="disagreement_spread")
    locked = list(Technique.objects.select_for_update().filter(pk__in=[t.pk for t in techniques]).order_by("pk"))
    for technique in locked:
        authorize(actor, "technique.view", technique)
        if technique.status not in (Technique.Status.ACCEPTED, Technique.Status.PUBLISHED):
            raise ApplicationError(
                f"「{technique.name}」处于「{technique.get_status_display()}」状态，只有已入库的技术才能评估",
                field="techniques",
            )
    busy = set(
        Evaluation.objects.filter(technique__in=locked, status__in=OPEN_STATUSES).values_list(
            "technique__name", flat=True
        )
    )
    if busy:
        raise ApplicationError(f"以下技术已在评估中：{'、'.join(sorted(busy))}", field="techniques")
    organization = _office_of(actor)
    now = timezone.now()
    batch = EvaluationBatch.objects.create(
        title=(title.strip() or f"{timezone.localdate():%Y年%m月}价值评估")[:100],
        opened_by=actor,
        organization=organization,
        opened_at=now,
    )
    evaluations = []
    for technique in locked:
        evaluation = Evaluation.objects.create(
            batch=batch,
            technique=technique,
            organization=organization,
            region_id=technique.region_id,
            rubric=rubric,
            grade_scale=grade_scale,
            tcm_count=tcm_count,
            western_count=western_count,
            deadline=deadline,
            disagreement_spread=spread,
            opened_by=actor,
            opened_at=now,
            stage_entered_at=now,
        )
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor=actor,
            obj=evaluation,
            to_state=Status.ASSIGNING.label,
            reason=f"{batch.title}：中医 {tcm_count} 人、西医 {western_count} 人，{_local(deadline)} 截止",
        )
        holders = User.objects.filter(pk__in=technique.holders.exclude(user=None).values("user_id"))
        notify(
            recipients=holders,
            title=f"「{technique.name}」已进入价值评估",
            body="市级组织专家进行疗效判定、患者随访和专家论证，可能需要您配合提供病例与随访线索。",
        )
        evaluations.append(evaluation)
    return evaluations


# --- assignment (EVA-2) -----------------------------------------------------------------------------


def _link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link_issue(assignment: Assignment) -> str:
    """A new personal link for the invitation: only its hash is stored, and it expires at the
    deadline or after INVITATION_LINK_LIFETIME, whichever comes first."""
    token = secrets.token_urlsafe(32)
    expires = min(timezone.now() + rules.INVITATION_LINK_LIFETIME, assignment.evaluation.deadline)
    Assignment.objects.filter(pk=assignment.pk).update(link_hash=_link_hash(token), link_expires_at=expires)
    assignment.link_hash, assignment.link_expires_at = _link_hash(token), expires
    return reverse("evaluations:invitation", args=[token])


def invitation_from_link(token: str) -> Assignment:
    assignment = (
        Assignment.objects.select_related("evaluation__technique", "expert__user")
        .filter(link_hash=_link_hash(token))
        .first()
        if token
        else None
    )
    if assignment is None:
        raise ApplicationError("邀请链接无效或已使用，请在「我的评估」中查看邀请")
    if assignment.link_expires_at is None or assignment.link_expires_at < timezone.now():
        raise ApplicationError("邀请链接已过期，请联系市卫生健康委员会办公室重新发送")
    return assignment


@transaction.atomic
def assignment_create(
    *, actor: User, evaluation: Evaluation, expert: ExpertProfile, waiver_reason: str = ""
) -> Assignment:
    """Invites an expert to the current round's panel. A conflicted expert is refused unless the
    office records a waiver with its reason (EVA-2)."""
    evaluation = Evaluation.objects.select_for_update().select_related("technique__region").get(pk=evaluation.pk)
    authorize(actor, "evaluation.manage", evaluation)
    if evaluation.status not in (Status.ASSIGNING, Status.SCORING):
        raise ApplicationError(f"评估处于「{evaluation.get_status_display()}」阶段，不能再指派专家", field="expert")
    if evaluation.is_past_deadline:
        raise ApplicationError(f"评分已于 {_local(evaluation.deadline)} 截止，不能再指派专家", field="expert")
    if not expert.is_available or not expert.user.is_active:
        raise ApplicationError(f"「{expert}」目前不参加评估：{expert.unavailable_note or '账号已停用'}", field="expert")
    if Assignment.objects.filter(evaluation=evaluation, expert=expert, round=evaluation.round).exists():
        raise ApplicationError(f"「{expert}」已在本轮专家组中", field="expert")
    seats = evaluation.tcm_count if expert.field == "tcm" else evaluation.western_count
    taken = Assignment.objects.filter(
        evaluation=evaluation, round=evaluation.round, field=expert.field, status__in=ACTIVE_ASSIGNMENT
    ).count()
    if taken >= seats:
        raise ApplicationError(
            f"{expert.get_field_display()}专家已满 {seats} 人；如需替换，请先撤回一位", field="expert"
        )
    conflicts = expert_conflicts(expert, technique_parties(evaluation.technique))
    waiver_reason = waiver_reason.strip()
    if conflicts and not waiver_reason:
        raise ApplicationError(
            f"「{expert}」需回避：{'；'.join(conflicts)}。如确需指派，请登记豁免理由", field="waiver_reason"
        )
    assignment = Assignment.objects.create(
        evaluation=evaluation,
        expert=expert,
        round=evaluation.round,
        field=expert.field,
        invited_by=actor,
        conflicts=conflicts,
        waiver_reason=waiver_reason if conflicts else "",
        waiver_by=actor if conflicts else None,
    )
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=assignment,
        to_state=AStatus.INVITED.label,
        reason=f"回避豁免：{waiver_reason}（{'；'.join(conflicts)}）" if conflicts else "",
    )
    link = invitation_link_issue(assignment)
    notify(
        recipients=[expert.user],
        title=f"评估邀请：{evaluation.technique.name}",
        body=f"邀请您参加该技术的价值评估，评分截止 {_local(evaluation.deadline)}。请点击链接接受或谢绝（链接仅限本人使用）。",
        url=link,
    )
    return assignment


def assignment_check_expert(*, actor: User, assignment: Assignment) -> None:
    """A personal invitation is answered by the invited expert only; anyone else's attempt is
    refused and audited (issue 5: an expert opening another expert's link)."""
    if assignment.expert.user_id == actor.pk:
        return
    audit_record(
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=assignment,
        from_state=assignment.get_status_display(),
        reason="试图使用他人的评估邀请（未执行）",
        outcome=AuditEntry.Outcome.DENIED,
    )
    raise PermissionDenied("该邀请链接属于其他专家，只能由受邀专家本人答复")


def assignment_respond(*, actor: User, assignment: Assignment, accept: bool, reason: str = "") -> Assignment:
    """The expert accepts or declines (with a reason). Only the invited expert may answer: another
    person's answer is refused and audited, and nothing changes."""
    evaluation = assignment.evaluation
    assignment_check_expert(actor=actor, assignment=assignment)
    if assignment.status != AStatus.INVITED:
        raise ApplicationError(f"该邀请已{assignment.get_status_display().removeprefix('已')}，不能再次答复")
    if evaluation.status not in (Status.ASSIGNING, Status.SCORING) or evaluation.is_past_deadline:
        raise ApplicationError("该评估已截止或已结束，不能再答复邀请")
    reason = reason.strip()
    if not accept and not reason:
        raise ApplicationError("谢绝邀请请填写原因（如需回避、时间冲突）", field="reason")

    def stamp(locked: Assignment) -> None:
        locked.responded_at = timezone.now()
        locked.response_reason = reason[:300]
        locked.link_hash = ""
        locked.save(update_fields=["responded_at", "response_reason", "link_hash"])

    to = AStatus.ACCEPTED if accept else AStatus.DECLINED
    assignment = transition(assignment, to, actor=actor, reason=reason or "接受邀请", then=stamp)
    notify(
        recipients=office_staff_of(evaluation),
        title=f"{assignment.expert}{'接受' if accept else '谢绝'}了「{evaluation.technique.name}」的评估邀请",
        body=reason,
        url=_detail_url(evaluation),
    )
    return assignment


def assignment_withdraw(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    if not reason.strip():
        raise ApplicationError("撤回专家须填写原因", field="reason")
    assignment = transition(assignment, AStatus.WITHDRAWN, actor=actor, reason=reason.strip())
    notify(
        recipients=[assignment.expert.user],
        title=f"「{assignment.evaluation.technique.name}」的评估邀请已撤回",
        body=reason.strip(),
    )
    return assignment


# --- evaluation stages ------------------------------------------------------------------------------


def _seat_counts(evaluation: Evaluation) -> dict[str, int]:
    rows = (
        Assignment.objects.filter(
            evaluation=evaluation, round=evaluation.round, status__in=[AStatus.ACCEPTED, AStatus.SUBMITTED]
        )
        .values("field")
        .annotate(n=Count("pk"))
    )
    counts = {"tcm": 0, "western": 0}
    counts.update({r["field"]: r["n"] for r in rows})
    return counts


def evaluation_start_scoring(*, actor: User, evaluation: Evaluation) -> Evaluation:
    counts = _seat_counts(evaluation)
    if counts["tcm"] < evaluation.tcm_count or counts["western"] < evaluation.western_count:
        raise ApplicationError(
            f"专家组尚未组建完成：中医已接受 {counts['tcm']}/{evaluation.tcm_count} 人，"
            f"西医已接受 {counts['western']}/{evaluation.western_count} 人"
        )
    if evaluation.is_past_deadline:
        raise ApplicationError(f"评分截止时间 {_local(evaluation.deadline)} 已过，请先复评或撤销")

    def stamp(locked: Evaluation) -> None:
        locked.scoring_started_at = locked.stage_entered_at = timezone.now()
        locked.save(update_fields=["scoring_started_at", "stage_entered_at"])

    evaluation = transition(evaluation, Status.SCORING, actor=actor, reason="专家组组建完成，开始评分", then=stamp)
    experts = User.objects.filter(
        expert_profile__assignments__evaluation=evaluation,
        expert_profile__assignments__round=evaluation.round,
        expert_profile__assignments__status=AStatus.ACCEPTED,
    )
    notify(
        recipients=experts,
        title=f"请为「{evaluation.technique.name}」评分",
        body=f"专家组已组建完成，请在 {_local(evaluation.deadline)} 前独立评分。",
        url=reverse("evaluations:queue"),
    )
    return evaluation


def evaluation_cancel(*, actor: User, evaluation: Evaluation, reason: str) -> Evaluation:
    if not reason.strip():
        raise ApplicationError("撤销评估须填写原因", field="reason")
    return transition(evaluation, Status.CANCELLED, actor=actor, reason=reason.strip())


# --- evidence (EVA-3) -------------------------------------------------------------------------------


def _may_add_evidence(actor: User, evaluation: Evaluation) -> None:
    authorize(actor, "evaluation.evidence", evaluation)
    if evaluation.status in (Status.FINALIZED, Status.CANCELLED):
        raise ApplicationError(f"评估已{evaluation.get_status_display().removeprefix('已')}，不能再补充证据")
    if not can(actor, "evaluation.manage", evaluation):
        # An expert of the panel: only once they have accepted.
        if not Assignment.objects.filter(
            evaluation=evaluation, expert__user=actor, status__in=[AStatus.ACCEPTED, AStatus.SUBMITTED]
        ).exists():
            raise ApplicationError("接受评估邀请后才能记录证据")


def _required(values: dict[str, str], labels: dict[str, str]) -> dict[str, str]:
    cleaned = {k: (v or "").strip() for k, v in values.items()}
    for key, label in labels.items():
        if not cleaned.get(key):
            raise ApplicationError(f"请填写「{label}」", field=key)
    return cleaned


@transaction.atomic
def efficacy_record_add(
    *, actor: User, evaluation: Evaluation, case: str, measure: str, before: str, after: str, judgement: str
) -> EfficacyRecord:
    _may_add_evidence(actor, evaluation)
    values = _required(
        {"case": case, "measure": measure, "before": before, "after": after},
        {"case": "病例", "measure": "观察指标", "before": "治疗前", "after": "治疗后"},
    )
    if judgement not in EfficacyRecord.Judgement.values:
        raise ApplicationError("疗效判定只能是痊愈、显效、有效或无效", field="judgement")
    record = EfficacyRecord.objects.create(
        evaluation=evaluation,
        case=values["case"][:200],
        measure=values["measure"][:100],
        before=values["before"][:100],
        after=values["after"][:100],
        judgement=judgement,
        recorded_by=actor,
    )
    audit_record(
        action=AuditEntry.Action.CREATE, actor=actor, obj=evaluation, to_state="疗效判定", reason=str(record)[:200]
    )
    return record


@transaction.atomic
def follow_up_add(
    *,
    actor: User,
    evaluation: Evaluation,
    patient: str,
    followed_on,
    method: str,
    outcome: str,
    adverse_events: str = "",
) -> FollowUp:
    _may_add_evidence(actor, evaluation)
    values = _required({"patient": patient, "outcome": outcome}, {"patient": "患者", "outcome": "随访结果"})
    if followed_on is None:
        raise ApplicationError("请填写随访日期", field="followed_on")
    if followed_on > timezone.localdate():
        raise ApplicationError("随访日期不能晚于今天", field="followed_on")
    if method not in FollowUp.Method.values:
        raise ApplicationError("请选择随访方式", field="method")
    record = FollowUp.objects.create(
        evaluation=evaluation,
        patient=values["patient"][:60],
        followed_on=followed_on,
        method=method,
        outcome=values["outcome"][:300],
        adverse_events=adverse_events.strip()[:300],
        recorded_by=actor,
    )
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=evaluation, to_state="患者随访", reason=str(record))
    return record


@transaction.atomic
def meeting_add(
    *,
    actor: User,
    evaluation: Evaluation,
    held_on,
    minutes: str,
    conclusion: str,
    attendees: list[ExpertProfile],
    place: str = "",
    other_attendees: str = "",
) -> Meeting:
    """专家论证: the attendees must be experts of this evaluation's panel."""
    authorize(actor, "evaluation.manage", evaluation)
    if evaluation.status in (Status.FINALIZED, Status.CANCELLED):
        raise ApplicationError("评估已结束，不能再记录论证会")
    values = _required(
        {"minutes": minutes, "conclusion": conclusion}, {"minutes": "会议纪要", "conclusion": "论证结论"}
    )
    if held_on is None or held_on > timezone.localdate():
        raise ApplicationError("论证日期不能为空，也不能晚于今天", field="held_on")
    if not attendees:
        raise ApplicationError("请选择出席的专家", field="attendees")
    panel = set(
        Assignment.objects.filter(evaluation=evaluation, status__in=[AStatus.ACCEPTED, AStatus.SUBMITTED]).values_list(
            "expert_id", flat=True
        )
    )
    strangers = [str(e) for e in attendees if e.pk not in panel]
    if strangers:
        raise ApplicationError(f"{'、'.join(strangers)} 不是本评估专家组成员", field="attendees")
    meeting = Meeting.objects.create(
        evaluation=evaluation,
        held_on=held_on,
        place=place.strip()[:100],
        other_attendees=other_attendees.strip()[:300],
        minutes=values["minutes"],
        conclusion=values["conclusion"][:500],
        recorded_by=actor,
    )
    meeting.attendees.set(attendees)
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=evaluation,
        to_state="专家论证",
        reason=meeting.conclusion[:200],
    )
    return meeting


# --- scoring (issue 5 §5) ---------------------------------------------------------------------------


@dataclass
class ScoreInput:
    value: str | float | Decimal | None = None
    not_applicable: bool = False
    comment: str = ""


def _clean_sheet(criteria: list[Criterion], sheet: dict[int, ScoreInput]) -> list[Score]:
    errors: list[tuple[str, str]] = []
    rows = []
    for c in criteria:
        entry = sheet.get(c.pk) or ScoreInput()
        raw = entry.value
        empty = raw is None or (isinstance(raw, str) and not raw.strip())
        if entry.not_applicable:
            if not c.allow_not_applicable:
                errors.append((f"c{c.pk}", f"「{c.name}」不允许选择「不适用」"))
                continue
            rows.append(Score(criterion=c, value=None, not_applicable=True, comment=entry.comment.strip()[:500]))
            continue
        if empty:
            if c.required:
                errors.append((f"c{c.pk}", f"「{c.name}」为必评项，请填写分数"))
            elif c.allow_not_applicable:
                rows.append(Score(criterion=c, value=None, not_applicable=True, comment=entry.comment.strip()[:500]))
            continue
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            errors.append((f"c{c.pk}", f"「{c.name}」的分数必须是数字"))
            continue
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(c.max_score):
            errors.append((f"c{c.pk}", f"「{c.name}」的分数必须在 0 到 {c.max_score} 之间"))
            continue
        if value != value.quantize(Decimal("0.1")):
            errors.append((f"c{c.pk}", f"「{c.name}」的分数最多保留一位小数"))
            continue
        rows.append(Score(criterion=c, value=value, comment=entry.comment.strip()[:500]))
    if errors:
        raise ApplicationError("；".join(message for _, message in errors), field=errors[0][0])
    return rows


def score_submit(
    *, actor: User, assignment: Assignment, sheet: dict[int, ScoreInput], overall_comment: str = ""
) -> Assignment:
    """An expert's independent score sheet, all at once. Refused — and nothing written — when
    scored already, before accepting, after the deadline, out of range or with a required
    criterion empty."""
    authorize(actor, "assignment.score", assignment)
    evaluation = assignment.evaluation
    if assignment.status == AStatus.SUBMITTED:
        raise ApplicationError("您已提交过本轮评分，不能重复评分")
    if assignment.status != AStatus.ACCEPTED:
        raise ApplicationError(f"该邀请{assignment.get_status_display()}，接受邀请后才能评分")
    if assignment.round != evaluation.round:
        raise ApplicationError("这是已结束轮次的邀请，不能评分")
    if evaluation.status != Status.SCORING:
        raise ApplicationError(f"评估处于「{evaluation.get_status_display()}」阶段，现在不能评分")
    if evaluation.is_past_deadline:
        raise ApplicationError(f"评分已于 {_local(evaluation.deadline)} 截止，不能再提交")
    criteria = list(evaluation.rubric.criteria.all())
    rows = _clean_sheet(criteria, sheet)
    specs = [scoring.CriterionSpec(c.pk, c.name, float(c.weight), float(c.max_score)) for c in criteria]
    total = scoring.weighted_total(
        specs, {r.criterion_id: (float(r.value) if r.value is not None else None) for r in rows}
    )

    def write(locked: Assignment) -> None:
        for row in rows:
            row.assignment = locked
        Score.objects.bulk_create(rows)
        locked.submitted_at = timezone.now()
        locked.total = total
        locked.overall_comment = overall_comment.strip()
        locked.save(update_fields=["submitted_at", "total", "overall_comment"])
        evaluation_refresh(evaluation)

    assignment = transition(assignment, AStatus.SUBMITTED, actor=actor, reason="提交评分", then=write)
    evaluation.refresh_from_db()
    waiting = Assignment.objects.filter(evaluation=evaluation, round=evaluation.round, status=AStatus.ACCEPTED).exists()
    if not waiting:
        notify(
            recipients=office_staff_of(evaluation),
            title=f"「{evaluation.technique.name}」专家已全部提交评分",
            body="请汇总形成专家组结论。" + ("专家意见存在分歧，请查看逐项分歧。" if evaluation.flagged else ""),
            url=_detail_url(evaluation),
        )
    return assignment


def round_sheets(evaluation: Evaluation, round_no: int | None = None) -> list[scoring.Sheet]:
    round_no = round_no or evaluation.round
    sheets: dict[int, dict[int, float | None]] = {}
    meta: dict[int, tuple[str, str]] = {}
    rows = Score.objects.filter(
        assignment__evaluation=evaluation, assignment__round=round_no, assignment__status=AStatus.SUBMITTED
    ).values_list("assignment_id", "assignment__expert__user__full_name", "assignment__field", "criterion_id", "value")
    for assignment_id, name, field_name, criterion_id, value in rows:
        sheets.setdefault(assignment_id, {})[criterion_id] = float(value) if value is not None else None
        meta[assignment_id] = (name or str(assignment_id), field_name)
    return [scoring.Sheet(expert=f"{meta[a][0]}#{a}", field=meta[a][1], values=v) for a, v in sheets.items()]


def criterion_specs(evaluation: Evaluation) -> list[scoring.CriterionSpec]:
    return [
        scoring.CriterionSpec(c.pk, c.name, float(c.weight), float(c.max_score))
        for c in evaluation.rubric.criteria.all()
    ]


def evaluation_aggregate(evaluation: Evaluation, round_no: int | None = None) -> scoring.Aggregate:
    return scoring.aggregate(
        criterion_specs(evaluation),
        round_sheets(evaluation, round_no),
        spread=float(evaluation.disagreement_spread),
    )


def evaluation_refresh(evaluation: Evaluation) -> scoring.Aggregate:
    """Stores the current round's score and disagreement flag on the evaluation."""
    result = evaluation_aggregate(evaluation)
    score = round(result.score, 2) if result.score is not None else None
    Evaluation.objects.filter(pk=evaluation.pk).update(score=score, flagged=result.flagged)
    return result


def grade_levels(evaluation: Evaluation) -> list[tuple[str, float]]:
    return [(lv.label, float(lv.min_score)) for lv in evaluation.grade_scale.levels.all()]


# --- decision (issue 5 §6) --------------------------------------------------------------------------


def _check_grade(evaluation: Evaluation, passed: bool, grade: str) -> str:
    grade = (grade or "").strip()
    labels = [label for label, _ in grade_levels(evaluation)]
    if passed and grade not in labels:
        raise ApplicationError(f"通过筛选须评定等级（{'、'.join(labels)}）", field="grade")
    if not passed and grade:
        raise ApplicationError("未通过筛选的技术不评定等级", field="grade")
    return grade


def evaluation_conclude(
    *,
    actor: User,
    evaluation: Evaluation,
    passed: bool,
    grade: str,
    recommendation: str,
    conclusion: str,
) -> PanelConclusion:
    """The panel's conclusion for the current round, resting on the aggregate of its scores."""
    authorize(actor, "evaluation.manage", evaluation)
    if evaluation.status != Status.SCORING:
        raise ApplicationError(f"评估处于「{evaluation.get_status_display()}」阶段，不能形成专家组结论")
    result = evaluation_aggregate(evaluation)
    if result.score is None:
        raise ApplicationError("尚无专家提交评分，不能形成结论")
    pending = Assignment.objects.filter(evaluation=evaluation, round=evaluation.round, status=AStatus.ACCEPTED).count()
    if pending and not evaluation.is_past_deadline:
        raise ApplicationError(
            f"尚有 {pending} 位专家未提交评分，截止时间（{_local(evaluation.deadline)}）前不能形成结论"
        )
    grade = _check_grade(evaluation, passed, grade)
    if recommendation not in Recommendation.values:
        raise ApplicationError("请选择推荐意见", field="recommendation")
    if not conclusion.strip():
        raise ApplicationError("请填写专家组结论", field="conclusion")
    computed = scoring.grade_for(result.score, grade_levels(evaluation))
    holder: dict[str, PanelConclusion] = {}

    def record(locked: Evaluation) -> None:
        holder["c"] = PanelConclusion.objects.create(
            evaluation=locked,
            round=locked.round,
            score=round(result.score, 2),
            tcm_score=_rounded(result.by_field.get("tcm")),
            western_score=_rounded(result.by_field.get("western")),
            computed_grade=computed,
            passed=passed,
            grade=grade,
            recommendation=recommendation,
            conclusion=conclusion.strip(),
            flagged=result.flagged,
            recorded_by=actor,
        )
        locked.concluded_at = locked.stage_entered_at = timezone.now()
        locked.save(update_fields=["concluded_at", "stage_entered_at"])

    reason = f"专家组结论：{grade or '未通过筛选'}（综合得分 {result.score:.2f}）"
    evaluation = transition(evaluation, Status.CONCLUDED, actor=actor, reason=reason, then=record)
    notify(
        recipients=office_staff_of(evaluation),
        title=f"「{evaluation.technique.name}」待终审",
        body=reason,
        url=_detail_url(evaluation),
    )
    return holder["c"]


def _rounded(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def evaluation_finalize(
    *,
    actor: User,
    evaluation: Evaluation,
    passed: bool,
    grade: str,
    management_class: str = "",
    reason: str = "",
) -> FinalDecision:
    """The office's final decision, separate from the panel's: it may differ, with a reason. The
    grade is written to the technique database through techniques' own grading service. Two
    staff deciding at once: transition() locks the row, so exactly one wins."""
    from techniques.services import technique_classify

    conclusion = evaluation.conclusions.filter(round=evaluation.round).first()
    if evaluation.status != Status.CONCLUDED or conclusion is None:
        # Most often a second person deciding on a page opened before the first decision.
        raise ConflictError(f"评估处于「{evaluation.get_status_display()}」阶段，不能终审")
    grade = _check_grade(evaluation, passed, grade)
    reason = reason.strip()
    if (grade, passed) != (conclusion.grade, conclusion.passed) and not reason:
        raise ApplicationError(
            f"终审结果与专家组结论（{conclusion.grade or '未通过筛选'}）不同，须说明理由", field="reason"
        )
    level = evaluation.grade_scale.levels.filter(label=grade).first() if grade else None
    technique_grade = level.technique_grade if level else ""
    holder: dict[str, FinalDecision] = {}

    def decide(locked: Evaluation) -> None:
        holder["d"] = FinalDecision.objects.create(
            evaluation=locked,
            round=locked.round,
            passed=passed,
            grade=grade,
            technique_grade=technique_grade,
            management_class=management_class.strip()[:40],
            reason=reason,
            decided_by=actor,
        )
        locked.finalized_at = locked.stage_entered_at = timezone.now()
        locked.save(update_fields=["finalized_at", "stage_entered_at"])
        technique_classify(
            technique=locked.technique,
            actor=actor,
            grade=technique_grade,
            management_class=management_class,
            reason=f"价值评估终审：{grade or '未通过筛选'}",
        )

    evaluation = transition(
        evaluation,
        Status.FINALIZED,
        actor=actor,
        reason=f"终审：{grade or '未通过筛选'}；{reason}".rstrip("；"),
        then=decide,
    )
    holders = User.objects.filter(pk__in=evaluation.technique.holders.exclude(user=None).values("user_id"))
    panel = User.objects.filter(expert_profile__assignments__evaluation=evaluation).distinct()
    notify(
        recipients=[*holders, *panel],
        title=f"「{evaluation.technique.name}」价值评估终审：{grade or '未通过筛选'}",
        body=reason,
    )
    return holder["d"]


def evaluation_rereview(*, actor: User, evaluation: Evaluation, reason: str, deadline: datetime | None) -> Evaluation:
    """Another round instead of a final decision: a new panel is formed; earlier rounds' panels,
    scores and conclusions stay as they were and remain visible."""
    if not reason.strip():
        raise ApplicationError("复评须填写原因", field="reason")
    if deadline is None or deadline <= timezone.now():
        raise ApplicationError("请为复评设定晚于现在的评分截止时间", field="deadline")

    def next_round(locked: Evaluation) -> None:
        locked.round += 1
        locked.score = None
        locked.flagged = False
        locked.deadline = deadline
        locked.stage_entered_at = timezone.now()
        locked.save(update_fields=["round", "score", "flagged", "deadline", "stage_entered_at"])

    return transition(evaluation, Status.ASSIGNING, actor=actor, reason=f"复评：{reason.strip()}", then=next_round)


def evaluations_aggregate_many(evaluation_ids: list[int], *, chunk: int = 2000) -> dict[int, scoring.Aggregate]:
    """The current round's aggregate of many evaluations at once (a rubric or threshold change,
    the benchmark): two queries per chunk, whatever the number of experts and criteria."""
    results: dict[int, scoring.Aggregate] = {}
    specs_by_rubric: dict[int, list[scoring.CriterionSpec]] = {}
    for start in range(0, len(evaluation_ids), chunk):
        ids = evaluation_ids[start : start + chunk]
        heads = dict(
            (pk, (rubric_id, float(spread)))
            for pk, rubric_id, spread in Evaluation.objects.filter(pk__in=ids).values_list(
                "pk", "rubric_id", "disagreement_spread"
            )
        )
        for rubric_id in {r for r, _ in heads.values()} - set(specs_by_rubric):
            specs_by_rubric[rubric_id] = [
                scoring.CriterionSpec(c.pk, c.name, float(c.weight), float(c.max_score))
                for c in Criterion.objects.filter(rubric_id=rubric_id)
            ]
        sheets: dict[int, dict[int, tuple[str, dict[int, float | None]]]] = {}
        rows = (
            Score.objects.filter(
                assignment__evaluation_id__in=ids,
                assignment__round=F("assignment__evaluation__round"),
                assignment__status=AStatus.SUBMITTED,
            )
            .values_list("assignment__evaluation_id", "assignment_id", "assignment__field", "criterion_id", "value")
            .order_by()
        )
        for evaluation_id, assignment_id, field_name, criterion_id, value in rows.iterator(chunk_size=20000):
            entry = sheets.setdefault(evaluation_id, {}).setdefault(assignment_id, (field_name, {}))
            entry[1][criterion_id] = float(value) if value is not None else None
        for pk, (rubric_id, spread) in heads.items():
            panel = [scoring.Sheet(expert=str(a), field=f, values=v) for a, (f, v) in sheets.get(pk, {}).items()]
            results[pk] = scoring.aggregate(specs_by_rubric[rubric_id], panel, spread=spread)
    return results
