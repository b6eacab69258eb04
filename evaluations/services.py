"""Writes of the value evaluation: the expert pool, opening, assignment with recusal, evidence,
scoring, the panel's conclusion and the office's decision (EVA-1..3).

Every state change is a step of a service in workflow.atomic(): the row is locked, the move made
with workflow.transition() (which checks scope, the state the person saw, the table and the act,
audits the move or its refusal, and announces it to the people the model's NOTIFY map names),
then the rest of the work is plain code. Every other write leaves an audit row. Each refusal is an
ApplicationError with a Chinese message naming the field and the rule, raised before anything is
written.
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
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership, Organization, Region, User
from accounts.permissions import authorize
from evaluations import permissions, rules, scoring
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
from lib.errors import ApplicationError
from notifications.services import notify
from techniques.models import Technique, Term
from workflow import services as workflow
from workflow.models import AuditEntry
from workflow.services import audit_record

Status = Evaluation.Status
AStatus = Assignment.Status
ACTIVE_ASSIGNMENT = (AStatus.INVITED, AStatus.ACCEPTED, AStatus.SUBMITTED)
# A technique has one evaluation at a time: any not yet finalized or cancelled.
OPEN_STATUSES = tuple(Evaluation.TRANSITIONS)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def office_staff_of(evaluation: Evaluation) -> list[User]:
    """Who hears of overdue experts for the office (evaluations.tasks): the opener and the office
    staff of the organizing unit."""
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
        raise ApplicationError(
            _("「%(name)s」没有「评估专家」角色，请先在其单位授予该角色") % {"name": user.display_name}, field="user"
        )
    if ExpertProfile.objects.filter(user=user).exists():
        raise ApplicationError(_("「%(name)s」已在专家库中") % {"name": user.display_name}, field="user")
    if field not in ("tcm", "western"):
        raise ApplicationError(_("专业类别只能是中医或西医"), field="field")
    if title not in ExpertProfile.Title.values:
        raise ApplicationError(_("请选择职称"), field="title")
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
    if not permissions.may_set_availability(actor, expert):
        authorize(actor, "expert.manage", expert)  # 404 outside scope, else 403
    if not available and not note.strip():
        raise ApplicationError(_("暂停参加评估须说明原因（如出差、退休、回避期）"), field="unavailable_note")
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
        raise ApplicationError(_("请选择关系类型"), field="kind")
    holder_name = holder_name.strip() or (holder_user.display_name if holder_user else "")
    if not holder_name and organization is None:
        raise ApplicationError(_("请填写关系所涉的持有人姓名或单位"), field="holder_name")
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
    `expert.relationships` should be prefetched when many experts are checked. The reasons are
    kept on the assignment as the record of the recusal, in the programme's language."""
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
        raise ApplicationError(_("没有可作为组织单位的市级卫生健康部门"))
    return organization


def _check_panel(tcm_count: int, western_count: int) -> None:
    if tcm_count < 0 or western_count < 0:
        raise ApplicationError(_("专家人数不能为负数"), field="tcm_count")
    total = tcm_count + western_count
    if not 3 <= total <= 15:
        raise ApplicationError(_("专家组人数须在 3 至 15 人之间（现为 %(n)d 人）") % {"n": total}, field="tcm_count")
    if tcm_count == 0:
        raise ApplicationError(_("专家组至少需要 1 名中医专家"), field="tcm_count")


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
        raise ApplicationError(_("请至少选择一项已入库的技术"), field="techniques")
    if len(techniques) > 200:
        raise ApplicationError(_("一个批次最多 200 项技术"), field="techniques")
    _check_panel(tcm_count, western_count)
    if deadline <= timezone.now():
        raise ApplicationError(_("评分截止时间必须晚于现在"), field="deadline")
    if not rubric.is_active or not rubric.criteria.exists():
        raise ApplicationError(_("评分细则「%(name)s」未启用或没有评价指标") % {"name": rubric.name}, field="rubric")
    grade_scale = grade_scale or GradeScale.objects.filter(is_default=True).first()
    if grade_scale is None or not grade_scale.levels.exists():
        raise ApplicationError(_("没有可用的分级标准，请先在系统管理中设置"), field="grade_scale")
    spread = rubric.disagreement_spread if disagreement_spread is None else Decimal(disagreement_spread)
    if not Decimal(0) < spread <= Decimal(100):
        raise ApplicationError(_("分歧阈值须在 0 至 100 分之间"), field="disagreement_spread")
    locked = list(Technique.objects.select_for_update().filter(pk__in=[t.pk for t in techniques]).order_by("pk"))
    for technique in locked:
        authorize(actor, "technique.view", technique)
        if technique.status not in (Technique.Status.ACCEPTED, Technique.Status.PUBLISHED):
            raise ApplicationError(
                _("「%(name)s」处于「%(state)s」状态，只有已入库的技术才能评估")
                % {"name": technique.name, "state": technique.get_status_display()},
                field="techniques",
            )
    busy = set(
        Evaluation.objects.filter(technique__in=locked, status__in=OPEN_STATUSES).values_list(
            "technique__name", flat=True
        )
    )
    if busy:
        raise ApplicationError(
            _("以下技术已在评估中：%(names)s") % {"names": "、".join(sorted(busy))}, field="techniques"
        )
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
            to_state=workflow.state_label(Evaluation, Status.ASSIGNING),
            reason=f"{batch.title}：中医 {tcm_count} 人、西医 {western_count} 人，{_local(deadline)} 截止",
        )
        # An opening is a creation, not a move: it has no arrival for a NOTIFY map to announce.
        with translation.override("zh-hans"):  # notices are written in the programme's language
            notify(
                recipients=evaluation.holder_users(),
                title=_("「%(name)s」已进入价值评估") % {"name": technique.name},
                body=_("市级组织专家进行疗效判定、患者随访和专家论证，可能需要您配合提供病例与随访线索。"),
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


class InvitationLinkError(ApplicationError):
    """A personal link that does not lead to an invitation (any more): the page is not there."""

    status_code = 404


def invitation_from_link(token: str) -> Assignment:
    assignment = (
        Assignment.objects.select_related("evaluation__technique", "expert__user")
        .filter(link_hash=_link_hash(token))
        .first()
        if token
        else None
    )
    if assignment is None:
        raise InvitationLinkError(_("邀请链接无效或已使用，请在「我的评估」中查看邀请"))
    if assignment.link_expires_at is None or assignment.link_expires_at < timezone.now():
        raise InvitationLinkError(_("邀请链接已过期，请联系市卫生健康委员会办公室重新发送"))
    return assignment


OTHER_EXPERTS_LINK = gettext_lazy("该邀请链接属于其他专家，只能由受邀专家本人答复")


def invitation_link_opened(*, actor: User, assignment: Assignment) -> None:
    """Someone opens a personal invitation link (to read it or to answer through it): only the
    invited expert may. Anyone else is refused before the page says anything about the invitation,
    and the attempt is audited here: using someone else's link is not a move, so the workflow
    core, which audits refused moves, does not see it. (An answer that reaches assignment_respond
    from anyone else is refused and audited by the core.)"""
    if permissions.is_invited_expert(actor, assignment):
        return
    audit_record(
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=assignment,
        from_state=workflow.state_label(Assignment, assignment.status),
        reason="试图打开他人的评估邀请链接（未执行）",
        outcome=AuditEntry.Outcome.DENIED,
    )
    raise PermissionDenied(str(OTHER_EXPERTS_LINK))


@transaction.atomic
def assignment_create(
    *, actor: User, evaluation: Evaluation, expert: ExpertProfile, waiver_reason: str = ""
) -> Assignment:
    """Invites an expert to the current round's panel. A conflicted expert is refused unless the
    office records a waiver with its reason (EVA-2)."""
    evaluation = Evaluation.objects.select_for_update().select_related("technique__region").get(pk=evaluation.pk)
    authorize(actor, "evaluation.manage", evaluation)
    refusal = permissions.inviting_refusal(actor, evaluation)
    if refusal:
        raise ApplicationError(refusal, field="expert")
    if not expert.is_available or not expert.user.is_active:
        raise ApplicationError(
            _("「%(expert)s」目前不参加评估：%(note)s")
            % {"expert": expert, "note": expert.unavailable_note or _("账号已停用")},
            field="expert",
        )
    if Assignment.objects.filter(evaluation=evaluation, expert=expert, round=evaluation.round).exists():
        raise ApplicationError(_("「%(expert)s」已在本轮专家组中") % {"expert": expert}, field="expert")
    seats = evaluation.tcm_count if expert.field == "tcm" else evaluation.western_count
    taken = Assignment.objects.filter(
        evaluation=evaluation, round=evaluation.round, field=expert.field, status__in=ACTIVE_ASSIGNMENT
    ).count()
    if taken >= seats:
        raise ApplicationError(
            _("%(field)s专家已满 %(n)d 人；如需替换，请先撤回一位") % {"field": expert.get_field_display(), "n": seats},
            field="expert",
        )
    conflicts = expert_conflicts(expert, technique_parties(evaluation.technique))
    waiver_reason = waiver_reason.strip()
    if conflicts and not waiver_reason:
        raise ApplicationError(
            _("「%(expert)s」需回避：%(conflicts)s。如确需指派，请登记豁免理由")
            % {"expert": expert, "conflicts": "；".join(conflicts)},
            field="waiver_reason",
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
        to_state=workflow.state_label(Assignment, AStatus.INVITED),
        reason=f"回避豁免：{waiver_reason}（{'；'.join(conflicts)}）" if conflicts else "",
    )
    link = invitation_link_issue(assignment)
    # An invitation is a creation, not a move, and its notice carries the personal link.
    with translation.override("zh-hans"):
        notify(
            recipients=[expert.user],
            title=_("评估邀请：%(name)s") % {"name": evaluation.technique.name},
            body=_("邀请您参加该技术的价值评估，评分截止 %(deadline)s。请点击链接接受或谢绝（链接仅限本人使用）。")
            % {"deadline": evaluation.deadline_text},
            url=link,
        )
    return assignment


def assignment_respond(
    *, actor: User, assignment: Assignment, accept: bool, reason: str = "", expect: str | None = None
) -> Assignment:
    """The expert accepts or declines (with a reason). Only the invited expert may answer: anyone
    else is refused with 403 whoever they are (a personal link may travel), the refusal audited."""
    try:
        return _assignment_answer(actor=actor, assignment=assignment, accept=accept, reason=reason, expect=expect)
    except Http404:
        # Outside the person's scope: not their invitation (the core has audited the refusal).
        raise PermissionDenied(str(OTHER_EXPERTS_LINK)) from None


@workflow.atomic()
def _assignment_answer(
    *, actor: User, assignment: Assignment, accept: bool, reason: str, expect: str | None
) -> Assignment:
    evaluation = assignment.evaluation
    # A button says which state its page showed (expect): a moved-on row is then "decided
    # elsewhere" (workflow.AlreadyDecided); otherwise the invitation has simply been answered.
    if assignment.status != AStatus.INVITED and expect is None:
        raise ApplicationError(
            _("该邀请已%(state)s，不能再次答复") % {"state": assignment.get_status_display().removeprefix("已")}
        )
    if (
        evaluation.status not in Evaluation.PANEL_STATES
        or evaluation.is_past_deadline
        or assignment.round != evaluation.round
    ):
        raise ApplicationError(_("该评估已截止或已结束，不能再答复邀请"))
    reason = reason.strip()
    if not accept and not reason:
        raise ApplicationError(_("谢绝邀请请填写原因（如需回避、时间冲突）"), field="reason")
    locked = workflow.lock(assignment)
    workflow.transition(
        locked,
        AStatus.ACCEPTED if accept else AStatus.DECLINED,
        actor=actor,
        reason=reason or "接受邀请",
        expect=expect,
    )
    locked.responded_at = timezone.now()
    locked.response_reason = reason[:300]
    locked.link_hash = ""  # the personal link is spent
    locked.save(update_fields=["responded_at", "response_reason", "link_hash"])
    return locked


@workflow.atomic()
def assignment_withdraw(*, actor: User, assignment: Assignment, reason: str, expect: str | None = None) -> Assignment:
    if not reason.strip():
        raise ApplicationError(_("撤回专家须填写原因"), field="reason")
    return workflow.transition(
        workflow.lock(assignment), AStatus.WITHDRAWN, actor=actor, reason=reason.strip(), expect=expect
    )


def assignment_move(
    assignment: Assignment, *, to: str, actor: User, reason: str = "", expect: str | None = None
) -> Assignment:
    """MOVE_SERVICE of Assignment: the workflow buttons' way in."""
    if to in (AStatus.ACCEPTED, AStatus.DECLINED):
        # Like every move: outside the person's scope the assignment does not exist (404).
        return _assignment_answer(
            actor=actor, assignment=assignment, accept=to == AStatus.ACCEPTED, reason=reason, expect=expect
        )
    if to == AStatus.WITHDRAWN:
        return assignment_withdraw(actor=actor, assignment=assignment, reason=reason, expect=expect)
    # The score sheet is a page of its own (Assignment.move_pages).
    raise ApplicationError(_("评分须在评分页逐项填写后提交"))


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


@workflow.atomic()
def evaluation_start_scoring(
    *, actor: User, evaluation: Evaluation, reason: str = "", expect: str | None = None
) -> Evaluation:
    counts = _seat_counts(evaluation)
    if counts["tcm"] < evaluation.tcm_count or counts["western"] < evaluation.western_count:
        raise ApplicationError(
            _("专家组尚未组建完成：中医已接受 %(tcm)d/%(tcm_seats)d 人，西医已接受 %(western)d/%(western_seats)d 人")
            % {
                "tcm": counts["tcm"],
                "tcm_seats": evaluation.tcm_count,
                "western": counts["western"],
                "western_seats": evaluation.western_count,
            }
        )
    if evaluation.is_past_deadline:
        raise ApplicationError(
            _("评分截止时间 %(deadline)s 已过，请先复评或撤销") % {"deadline": evaluation.deadline_text}
        )
    locked = workflow.lock(evaluation)
    workflow.transition(
        locked, Status.SCORING, actor=actor, reason=reason.strip() or "专家组组建完成，开始评分", expect=expect
    )
    locked.scoring_started_at = locked.stage_entered_at = timezone.now()
    locked.save(update_fields=["scoring_started_at", "stage_entered_at"])
    return locked


@workflow.atomic()
def evaluation_cancel(*, actor: User, evaluation: Evaluation, reason: str, expect: str | None = None) -> Evaluation:
    if not reason.strip():
        raise ApplicationError(_("撤销评估须填写原因"), field="reason")
    return workflow.transition(
        workflow.lock(evaluation), Status.CANCELLED, actor=actor, reason=reason.strip(), expect=expect
    )


def evaluation_move(
    evaluation: Evaluation, *, to: str, actor: User, reason: str = "", expect: str | None = None
) -> Evaluation:
    """MOVE_SERVICE of Evaluation: the workflow buttons' way in."""
    if to == Status.SCORING:
        return evaluation_start_scoring(actor=actor, evaluation=evaluation, reason=reason, expect=expect)
    if to == Status.CANCELLED:
        return evaluation_cancel(actor=actor, evaluation=evaluation, reason=reason, expect=expect)
    # The conclusion, the final decision and a re-review are forms of the evaluation page
    # (Evaluation.move_pages): they need a grade, a recommendation or a new deadline.
    raise ApplicationError(_("请在评估页面填写后办理：%(state)s") % {"state": Status(to).label})


# --- evidence (EVA-3) -------------------------------------------------------------------------------


def _may_add_evidence(actor: User, evaluation: Evaluation) -> None:
    """The rule is evaluations.permissions.evidence_refusal, which the page asks too."""
    authorize(actor, "evaluation.evidence", evaluation)  # 404 outside scope, 403 without the act
    refusal = permissions.evidence_refusal(actor, evaluation)
    if refusal:
        raise ApplicationError(refusal)


def _required(values: dict[str, str], labels: dict[str, str]) -> dict[str, str]:
    cleaned = {k: (v or "").strip() for k, v in values.items()}
    for key, label in labels.items():
        if not cleaned.get(key):
            raise ApplicationError(_("请填写「%(label)s」") % {"label": label}, field=key)
    return cleaned


@transaction.atomic
def efficacy_record_add(
    *, actor: User, evaluation: Evaluation, case: str, measure: str, before: str, after: str, judgement: str
) -> EfficacyRecord:
    _may_add_evidence(actor, evaluation)
    values = _required(
        {"case": case, "measure": measure, "before": before, "after": after},
        {"case": _("病例"), "measure": _("观察指标"), "before": _("治疗前"), "after": _("治疗后")},
    )
    if judgement not in EfficacyRecord.Judgement.values:
        raise ApplicationError(_("疗效判定只能是痊愈、显效、有效或无效"), field="judgement")
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
    values = _required({"patient": patient, "outcome": outcome}, {"patient": _("患者"), "outcome": _("随访结果")})
    if followed_on is None:
        raise ApplicationError(_("请填写随访日期"), field="followed_on")
    if followed_on > timezone.localdate():
        raise ApplicationError(_("随访日期不能晚于今天"), field="followed_on")
    if method not in FollowUp.Method.values:
        raise ApplicationError(_("请选择随访方式"), field="method")
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
    refusal = permissions.meeting_refusal(actor, evaluation)
    if refusal:
        raise ApplicationError(refusal)
    values = _required(
        {"minutes": minutes, "conclusion": conclusion}, {"minutes": _("会议纪要"), "conclusion": _("论证结论")}
    )
    if held_on is None or held_on > timezone.localdate():
        raise ApplicationError(_("论证日期不能为空，也不能晚于今天"), field="held_on")
    if not attendees:
        raise ApplicationError(_("请选择出席的专家"), field="attendees")
    panel = set(
        Assignment.objects.filter(evaluation=evaluation, status__in=[AStatus.ACCEPTED, AStatus.SUBMITTED]).values_list(
            "expert_id", flat=True
        )
    )
    strangers = [str(e) for e in attendees if e.pk not in panel]
    if strangers:
        raise ApplicationError(_("%(names)s 不是本评估专家组成员") % {"names": "、".join(strangers)}, field="attendees")
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
                errors.append((f"c{c.pk}", _("「%(name)s」不允许选择「不适用」") % {"name": c.name}))
                continue
            rows.append(Score(criterion=c, value=None, not_applicable=True, comment=entry.comment.strip()[:500]))
            continue
        if empty:
            if c.required:
                errors.append((f"c{c.pk}", _("「%(name)s」为必评项，请填写分数") % {"name": c.name}))
            elif c.allow_not_applicable:
                rows.append(Score(criterion=c, value=None, not_applicable=True, comment=entry.comment.strip()[:500]))
            continue
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            errors.append((f"c{c.pk}", _("「%(name)s」的分数必须是数字") % {"name": c.name}))
            continue
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(c.max_score):
            errors.append(
                (f"c{c.pk}", _("「%(name)s」的分数必须在 0 到 %(max)d 之间") % {"name": c.name, "max": c.max_score})
            )
            continue
        if value != value.quantize(Decimal("0.1")):
            errors.append((f"c{c.pk}", _("「%(name)s」的分数最多保留一位小数") % {"name": c.name}))
            continue
        rows.append(Score(criterion=c, value=value, comment=entry.comment.strip()[:500]))
    if errors:
        raise ApplicationError("；".join(message for _field, message in errors), field=errors[0][0])
    return rows


@workflow.atomic()
def score_submit(
    *,
    actor: User,
    assignment: Assignment,
    sheet: dict[int, ScoreInput],
    overall_comment: str = "",
    expect: str | None = None,
) -> Assignment:
    """An expert's independent score sheet, all at once. Refused — and nothing written — when
    scored already, before accepting, after the deadline, out of range or with a required
    criterion empty. The office hears when the last sheet of the round is in (Assignment.NOTIFY)."""
    evaluation = assignment.evaluation
    if assignment.status == AStatus.SUBMITTED:
        raise ApplicationError(_("您已提交过本轮评分，不能重复评分"))
    if assignment.status != AStatus.ACCEPTED:
        raise ApplicationError(_("该邀请%(state)s，接受邀请后才能评分") % {"state": assignment.get_status_display()})
    if assignment.round != evaluation.round:
        raise ApplicationError(_("这是已结束轮次的邀请，不能评分"))
    if evaluation.status != Status.SCORING:
        raise ApplicationError(
            _("评估处于「%(state)s」阶段，现在不能评分") % {"state": evaluation.get_status_display()}
        )
    if evaluation.is_past_deadline:
        raise ApplicationError(_("评分已于 %(deadline)s 截止，不能再提交") % {"deadline": evaluation.deadline_text})
    criteria = list(evaluation.rubric.criteria.all())
    rows = _clean_sheet(criteria, sheet)
    specs = [scoring.CriterionSpec(c.pk, c.name, float(c.weight), float(c.max_score)) for c in criteria]
    total = scoring.weighted_total(
        specs, {r.criterion_id: (float(r.value) if r.value is not None else None) for r in rows}
    )
    locked = workflow.lock(assignment)
    workflow.transition(locked, AStatus.SUBMITTED, actor=actor, reason="提交评分", expect=expect)
    for row in rows:
        row.assignment = locked
    Score.objects.bulk_create(rows)
    locked.submitted_at = timezone.now()
    locked.total = total
    locked.overall_comment = overall_comment.strip()
    locked.save(update_fields=["submitted_at", "total", "overall_comment"])
    # On the locked row's own evaluation, which the notice of the arrival reads (its disagreement).
    evaluation_refresh(locked.evaluation)
    return locked


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
    """Stores the current round's score and disagreement flag on the evaluation (and the copy)."""
    result = evaluation_aggregate(evaluation)
    score = round(result.score, 2) if result.score is not None else None
    Evaluation.objects.filter(pk=evaluation.pk).update(score=score, flagged=result.flagged)
    evaluation.score, evaluation.flagged = score, result.flagged
    return result


def grade_levels(evaluation: Evaluation) -> list[tuple[str, float]]:
    return [(lv.label, float(lv.min_score)) for lv in evaluation.grade_scale.levels.all()]


# --- decision (issue 5 §6) --------------------------------------------------------------------------


def _check_grade(evaluation: Evaluation, passed: bool, grade: str) -> str:
    grade = (grade or "").strip()
    labels = [label for label, _minimum in grade_levels(evaluation)]
    if passed and grade not in labels:
        raise ApplicationError(_("通过筛选须评定等级（%(labels)s）") % {"labels": "、".join(labels)}, field="grade")
    if not passed and grade:
        raise ApplicationError(_("未通过筛选的技术不评定等级"), field="grade")
    return grade


@workflow.atomic()
def evaluation_conclude(
    *,
    actor: User,
    evaluation: Evaluation,
    passed: bool,
    grade: str,
    recommendation: str,
    conclusion: str,
    expect: str | None = None,
) -> PanelConclusion:
    """The panel's conclusion for the current round, resting on the aggregate of its scores."""
    result = evaluation_aggregate(evaluation)
    owing = Assignment.objects.filter(evaluation=evaluation, round=evaluation.round, status=AStatus.ACCEPTED).count()
    blocker = permissions.conclusion_blocker(evaluation, scored=result.score is not None, owing=owing)
    if blocker:
        raise ApplicationError(blocker)
    grade = _check_grade(evaluation, passed, grade)
    if recommendation not in Recommendation.values:
        raise ApplicationError(_("请选择推荐意见"), field="recommendation")
    if not conclusion.strip():
        raise ApplicationError(_("请填写专家组结论"), field="conclusion")
    computed = scoring.grade_for(result.score, grade_levels(evaluation))
    locked = workflow.lock(evaluation)
    reason = f"专家组结论：{grade or '未通过筛选'}（综合得分 {result.score:.2f}）"
    workflow.transition(locked, Status.CONCLUDED, actor=actor, reason=reason, expect=expect)
    record = PanelConclusion.objects.create(
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
    return record


def _rounded(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


@workflow.atomic()
def evaluation_finalize(
    *,
    actor: User,
    evaluation: Evaluation,
    passed: bool,
    grade: str,
    management_class: str = "",
    reason: str = "",
    expect: str | None = None,
) -> FinalDecision:
    """The office's final decision, separate from the panel's: it may differ, with a reason. The
    grade is written to the technique database through techniques' own grading service. Two
    staff deciding at once: the row is locked, so exactly one wins and the other is told it was
    decided (workflow.AlreadyDecided)."""
    from techniques.services import technique_classify

    conclusion = evaluation.conclusions.filter(round=evaluation.round).first()
    grade = _check_grade(evaluation, passed, grade)
    reason = reason.strip()
    if conclusion is not None and (grade, passed) != (conclusion.grade, conclusion.passed) and not reason:
        raise ApplicationError(
            _("终审结果与专家组结论（%(grade)s）不同，须说明理由") % {"grade": conclusion.grade or _("未通过筛选")},
            field="reason",
        )
    level = evaluation.grade_scale.levels.filter(label=grade).first() if grade else None
    technique_grade = level.technique_grade if level else ""
    locked = workflow.lock(evaluation)
    workflow.transition(
        locked,
        Status.FINALIZED,
        actor=actor,
        reason=f"终审：{grade or '未通过筛选'}；{reason}".rstrip("；"),
        expect=expect,
    )
    decision = FinalDecision.objects.create(
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
    return decision


@workflow.atomic()
def evaluation_rereview(
    *, actor: User, evaluation: Evaluation, reason: str, deadline: datetime | None, expect: str | None = None
) -> Evaluation:
    """Another round instead of a final decision: a new panel is formed; earlier rounds' panels,
    scores and conclusions stay as they were and remain visible."""
    if not reason.strip():
        raise ApplicationError(_("复评须填写原因"), field="reason")
    if deadline is None or deadline <= timezone.now():
        raise ApplicationError(_("请为复评设定晚于现在的评分截止时间"), field="deadline")
    locked = workflow.lock(evaluation)
    workflow.transition(locked, Status.ASSIGNING, actor=actor, reason=f"复评：{reason.strip()}", expect=expect)
    locked.round += 1
    locked.score = None
    locked.flagged = False
    locked.deadline = deadline
    locked.stage_entered_at = timezone.now()
    locked.save(update_fields=["round", "score", "flagged", "deadline", "stage_entered_at"])
    return locked


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
        for rubric_id in {r for r, _spread in heads.values()} - set(specs_by_rubric):
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


def expert_viewed(*, viewer: User, expert: ExpertProfile) -> None:
    """An expert's profile holds personal data (unit, specialties, declared relationships, history):
    every view by anyone but the expert is logged (OPS-1; issue 13 §6)."""
    if viewer.pk != expert.user_id:
        audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=viewer, obj=expert, reason="专家资料")
