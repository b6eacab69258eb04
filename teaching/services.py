"""Writes for teaching and graduation (APP-5..7): the plan, activities and their confirmation,
graduation materials, the master's assessment, and the certificate at graduation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization, User
from accounts.permissions import authorize
from apprenticeships.models import Apprenticeship
from lib.errors import ApplicationError, ConflictError
from notifications.services import notify
from teaching import quotas
from teaching.models import Activity, Graduation, GraduationItem, TeachingPlan
from teaching.permissions import HOST_STAFF
from teaching.quotas import Category
from teaching.selectors import graduation_blockers, hours_label, readiness_blockers
from workflow.models import AuditEntry
from workflow.services import TransitionNotAllowed, audit_record, state_label, transition

MASTER, APPRENTICE = "master", "apprentice"
PARTY_LABELS = {MASTER: "带教传承人", APPRENTICE: "师承人本人"}
MAX_HOURS_PER_DAY = Decimal(24)
EVIDENCE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/webp"}
MATERIAL_TYPES = EVIDENCE_TYPES | {"application/zip"}  # Word documents are zip containers
MAX_UPLOAD = 20 * 1024 * 1024
ALWAYS_ONLINE = {Activity.Kind.REMOTE, Activity.Kind.ONLINE_COURSE}


# --- who may act ---------------------------------------------------------------------------------


def party_of(user, apprenticeship: Apprenticeship) -> str | None:
    if not user.is_authenticated:
        return None
    if apprenticeship.apprentice_id == user.pk:
        return APPRENTICE
    if apprenticeship.master.user_id == user.pk:
        return MASTER
    return None


def is_party(user, apprenticeship: Apprenticeship, party: str) -> bool:
    return user.is_authenticated and (user.is_superuser or party_of(user, apprenticeship) == party)


def require_party(actor, apprenticeship: Apprenticeship, party: str, act: str) -> None:
    """The act lets both parties through (404 for anyone out of scope); only one of them may do it."""
    # Checked on the apprenticeship, whose scope its teaching records share (they may not exist yet).
    authorize(actor, act, apprenticeship)
    if not is_party(actor, apprenticeship, party):
        raise PermissionDenied(f"只有{PARTY_LABELS[party]}可以办理此事项")


def _require_active(apprenticeship: Apprenticeship) -> None:
    if apprenticeship.status != Apprenticeship.Status.ACTIVE:
        raise ConflictError(f"师承关系{apprenticeship.get_status_display()}，不能再办理带教事项")


def host_staff() -> list[User]:
    """The host unit's staff, who agree plans and issue certificates (000 §四(四)(五))."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organization__kind=Organization.Kind.HOST,
            memberships__role__in=HOST_STAFF,
        ).distinct()[:50]
    )


def _progress_url(apprenticeship) -> str:
    return reverse("teaching:progress", args=[apprenticeship.pk])


def _name(user) -> str:
    return user.display_name


# --- the teaching plan ---------------------------------------------------------------------------

PLANNED_FIELDS = {c: f"planned_{c.value}" for c in Category}


@transaction.atomic
def plan_save(
    *, apprenticeship: Apprenticeship, actor: User, objectives: str, content: str, arrangements: str, planned: dict
) -> TeachingPlan:
    """The master drafts or revises the plan; planned hours may not fall below the quotas."""
    apprenticeship = Apprenticeship.objects.select_for_update().select_related("master").get(pk=apprenticeship.pk)
    require_party(actor, apprenticeship, MASTER, "teaching.plan_edit")
    _require_active(apprenticeship)
    plan = TeachingPlan.objects.filter(apprenticeship=apprenticeship).first()
    if plan is not None and plan.status != TeachingPlan.Status.DRAFT:
        raise ConflictError(f"传承计划处于「{plan.get_status_display()}」状态，不能修改")
    texts = {"objectives": objectives.strip(), "content": content.strip(), "arrangements": arrangements.strip()}
    for name, value in texts.items():
        if not value:
            label = TeachingPlan._meta.get_field(name).verbose_name
            raise ApplicationError(f"{label}：必须填写", field=name)
    hours = {}
    for category in Category:
        value = planned.get(category.value)
        minimum = quotas.QUOTAS[apprenticeship.term][category]
        if value is None or not isinstance(value, int) or value < minimum or value > 2000:
            raise ApplicationError(
                f"{category.label}计划课时：不能少于{apprenticeship.get_term_display()}的规定课时 {minimum}"
                f"（{quotas.CLAUSE}），也不能超过 2000",
                field=PLANNED_FIELDS[category],
            )
        hours[PLANNED_FIELDS[category]] = value
    created = plan is None
    if created:
        plan = TeachingPlan(apprenticeship=apprenticeship, drafted_by=actor)
    for name, value in {**texts, **hours}.items():
        setattr(plan, name, value)
    plan.save()
    audit_record(
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=plan,
        to_state="草稿",
        reason="编写传承计划" if created else "修改传承计划",
    )
    return plan


def plan_submit(*, plan: TeachingPlan, actor: User) -> TeachingPlan:
    apprenticeship = plan.apprenticeship
    require_party(actor, apprenticeship, MASTER, "teaching.plan_submit")
    _require_active(apprenticeship)
    locked = _transition(plan, TeachingPlan.Status.SUBMITTED, actor=actor, reason="提交传承计划")
    notify(
        recipients=host_staff(),
        title=f"请确认传承计划：{apprenticeship.master.name} → {_name(apprenticeship.apprentice)}",
        body=f"{apprenticeship.get_term_display()}，{apprenticeship.starts_on:%Y-%m-%d} 至 {apprenticeship.ends_on:%Y-%m-%d}",
        url=reverse("teaching:plan", args=[apprenticeship.pk]),
    )
    return locked


def plan_decide(*, plan: TeachingPlan, actor: User, agree: bool, reason: str = "") -> TeachingPlan:
    """The host unit agrees the plan, or returns it to the master with a reason."""
    reason = reason.strip()
    if not agree and not reason:
        raise ApplicationError("退回传承计划必须填写原因，传承人将看到这些意见", field="reason")
    _require_active(plan.apprenticeship)

    def stamp(locked: TeachingPlan) -> None:
        locked.agreed_by, locked.agreed_at = actor, timezone.now()
        locked.save(update_fields=["agreed_by", "agreed_at"])

    to = TeachingPlan.Status.AGREED if agree else TeachingPlan.Status.DRAFT
    locked = _transition(plan, to, actor=actor, reason=reason or "同意传承计划", then=stamp if agree else None)
    apprenticeship = plan.apprenticeship
    notify(
        recipients=[apprenticeship.master.user, apprenticeship.apprentice],
        title="传承计划已确认，可以开始登记带教课时" if agree else "传承计划被退回修改",
        body=reason,
        url=reverse("teaching:plan", args=[apprenticeship.pk]),
    )
    return locked


def _transition(obj, to, *, actor, reason: str, then=None):
    """transition(), with the message a person understands when someone else acted first."""
    try:
        return transition(obj, to, actor=actor, reason=reason, then=then)
    except TransitionNotAllowed:
        current = type(obj)._default_manager.filter(pk=obj.pk).values_list("status", flat=True).first()
        raise ConflictError(
            f"已是「{state_label(type(obj), current)}」状态（可能已由他人处理），不能再变更为「{state_label(type(obj), to)}」"
        ) from None


# --- activities ----------------------------------------------------------------------------------


def _check_upload(upload, *, allowed: set[str], label: str, field: str) -> str:
    from lib.files import check_upload

    try:
        return check_upload(upload, allowed=allowed, field_label=label, max_bytes=MAX_UPLOAD)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field=field) from exc


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ApplicationError("课时：必须是数字", field="hours") from None
    if hours <= 0 or hours > MAX_HOURS_PER_DAY:
        raise ApplicationError("课时：必须大于 0，且不超过 24", field="hours")
    if hours != Decimal(str(value)):
        raise ApplicationError("课时：最多保留一位小数", field="hours")
    return hours


@transaction.atomic
def activity_log(
    *,
    apprenticeship: Apprenticeship,
    actor: User,
    kind: str,
    category: str,
    date: datetime.date,
    hours,
    topic: str,
    online: bool = False,
    online_agreed_on: datetime.date | None = None,
    online_agreement_note: str = "",
    evidence=None,
    today: datetime.date | None = None,
) -> Activity:
    """The apprentice logs an activity; it counts once the master confirms it."""
    today = today or timezone.localdate()
    apprenticeship = Apprenticeship.objects.select_related("master", "apprentice").get(pk=apprenticeship.pk)
    require_party(actor, apprenticeship, APPRENTICE, "teaching.activity_log")
    _require_active(apprenticeship)
    plan_status = TeachingPlan.objects.filter(apprenticeship=apprenticeship).values_list("status", flat=True).first()
    if plan_status != TeachingPlan.Status.AGREED:
        raise ConflictError("传承计划经传承人和主办单位确认后才能登记带教课时（000 §四(四)）")
    if kind not in Activity.Kind.values:
        raise ApplicationError("活动形式：请选择会议、讲座、面授、随诊、远程指导或网课", field="kind")
    if category not in Category.values:
        raise ApplicationError("课时类别：请选择理论课程、病案分析课程、自学或撰写学习体会", field="category")
    if not isinstance(date, datetime.date):
        raise ApplicationError("日期：格式应为 YYYY-MM-DD", field="date")
    if date > today:
        raise ApplicationError(f"日期：不能登记将来的活动（今天是 {today:%Y-%m-%d}）", field="date")
    if not apprenticeship.starts_on <= date <= apprenticeship.ends_on:
        raise ApplicationError(
            f"日期：必须在师承期限内（{apprenticeship.starts_on:%Y-%m-%d} 至 {apprenticeship.ends_on:%Y-%m-%d}）",
            field="date",
        )
    hours = _hours(hours)
    topic = topic.strip()
    if not topic or len(topic) > 200:
        raise ApplicationError("内容：必须填写，不超过 200 字", field="topic")
    online = online or kind in ALWAYS_ONLINE
    agreed_by = None
    note = online_agreement_note.strip()
    if online and category in quotas.FACE_TO_FACE:
        # 000 §三(五) 备注: the face-to-face course moved online by the parties' agreement.
        if not note or online_agreed_on is None:
            raise ApplicationError(
                f"{Category(category).label}属于面授课程，改为线上开展须填写与传承人商定的日期和说明（{quotas.ONLINE_CLAUSE}）",
                field="online_agreement_note",
            )
        if online_agreed_on > today:
            raise ApplicationError("商定日期：不能晚于今天", field="online_agreed_on")
        agreed_by = apprenticeship.master.user
    else:
        online_agreed_on, note = None, ""
    content_type = ""
    if evidence:
        content_type = _check_upload(evidence, allowed=EVIDENCE_TYPES, label="佐证材料", field="evidence")
    # Lock the apprentice: two activities logged at once for the same day must not together
    # pass 24 hours.
    User.objects.select_for_update().get(pk=apprenticeship.apprentice_id)
    logged = (
        Activity.objects.filter(apprenticeship__apprentice_id=apprenticeship.apprentice_id, date=date)
        .exclude(status=Activity.Status.REJECTED)
        .values_list("hours", flat=True)
    )
    day_total = sum(logged, Decimal(0))
    if day_total + hours > MAX_HOURS_PER_DAY:
        raise ApplicationError(
            f"课时：{date:%Y-%m-%d} 已登记 {hours_label(day_total)} 课时，同一天合计不能超过 24 课时", field="hours"
        )
    activity = Activity.objects.create(
        apprenticeship=apprenticeship,
        kind=kind,
        category=category,
        date=date,
        hours=hours,
        topic=topic,
        online=online,
        online_agreed_by=agreed_by,
        online_agreed_on=online_agreed_on,
        online_agreement_note=note,
        evidence=evidence or "",
        evidence_type=content_type,
        logged_by=actor,
    )
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=activity,
        to_state="待确认",
        reason=f"{activity.get_category_display()} {hours_label(hours)} 课时：{topic}",
    )
    notify(
        recipients=[apprenticeship.master.user],
        title=f"请确认带教课时：{_name(apprenticeship.apprentice)} {date:%m-%d} {hours_label(hours)} 课时",
        body=f"{activity.get_kind_display()} · {activity.get_category_display()} · {topic}",
        url=reverse("teaching:confirm-queue"),
    )
    return activity


def _decide(activity: Activity, *, actor: User, confirm: bool, reason: str) -> Activity:
    apprenticeship = activity.apprenticeship
    require_party(actor, apprenticeship, MASTER, "teaching.activity_decide")
    _require_active(apprenticeship)

    def stamp(locked: Activity) -> None:
        locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), reason
        locked.save(update_fields=["decided_by", "decided_at", "decision_note"])

    to = Activity.Status.CONFIRMED if confirm else Activity.Status.REJECTED
    return _transition(activity, to, actor=actor, reason=reason or "确认课时", then=stamp)


def _decision_reason(confirm: bool, reason: str) -> str:
    reason = reason.strip()
    if not confirm and not reason:
        raise ApplicationError("不予确认必须填写原因，师承人将看到这些意见", field="reason")
    return reason


def activity_decide(*, activity: Activity, actor: User, confirm: bool, reason: str = "") -> Activity:
    """The master confirms the hours, or refuses them with a reason. Confirming twice is refused:
    transition() locks the row, so of two clicks at once exactly one succeeds."""
    reason = _decision_reason(confirm, reason)
    activity = Activity.objects.select_related("apprenticeship__master__user", "apprenticeship__apprentice").get(
        pk=activity.pk
    )
    locked = _decide(activity, actor=actor, confirm=confirm, reason=reason)
    a = activity.apprenticeship
    notify(
        recipients=[a.apprentice],
        title=(
            f"带教课时已确认：{activity.date:%m-%d} {hours_label(activity.hours)} 课时"
            if confirm
            else f"带教课时未予确认：{activity.date:%m-%d} {activity.topic}"
        ),
        body=reason,
        url=_progress_url(a),
    )
    return locked


@transaction.atomic
def activity_decide_batch(*, activity_ids: list[int], actor: User, confirm: bool, reason: str = "") -> int:
    """Confirm (or refuse) several activities at once: all of them, or — if any cannot be — none."""
    reason = _decision_reason(confirm, reason)
    ids = sorted({int(i) for i in activity_ids})
    if not ids:
        raise ApplicationError("请至少选择一条带教活动", field="activities")
    if len(ids) > 200:
        raise ApplicationError("一次最多处理 200 条带教活动", field="activities")
    activities = list(
        Activity.objects.filter(pk__in=ids)
        .select_related("apprenticeship__master__user", "apprenticeship__apprentice")
        .order_by("pk")
    )
    if len(activities) != len(ids):
        raise ApplicationError("所选带教活动有的不存在，未做任何更改", field="activities")
    for activity in activities:
        try:
            _decide(activity, actor=actor, confirm=confirm, reason=reason)
        except ApplicationError as exc:
            raise type(exc)(
                f"{activity.date:%Y-%m-%d}「{activity.topic}」：{exc.message}。未做任何更改", field="activities"
            ) from exc
    by_apprentice: dict[int, list[Activity]] = {}
    for activity in activities:
        by_apprentice.setdefault(activity.apprenticeship_id, []).append(activity)
    for group in by_apprentice.values():
        a = group[0].apprenticeship
        total = sum((x.hours for x in group), Decimal(0))
        notify(
            recipients=[a.apprentice],
            title=(
                f"{len(group)} 条带教活动已确认，共 {hours_label(total)} 课时"
                if confirm
                else f"{len(group)} 条带教活动未予确认"
            ),
            body=reason,
            url=_progress_url(a),
        )
    return len(activities)


# --- graduation ----------------------------------------------------------------------------------

REQUIRED_KINDS = list(GraduationItem.Kind)


def _graduation(apprenticeship: Apprenticeship, *, lock: bool = False) -> Graduation:
    graduation, _created = Graduation.objects.get_or_create(apprenticeship=apprenticeship)
    if lock:
        graduation = Graduation.objects.select_for_update().get(pk=graduation.pk)
    return graduation


@transaction.atomic
def graduation_item_add(
    *, apprenticeship: Apprenticeship, actor: User, kind: str, title: str, text: str = "", upload=None
) -> GraduationItem:
    """The apprentice adds a case record, study note, reflection or paper: text, a file or both."""
    apprenticeship = Apprenticeship.objects.select_for_update().select_related("master").get(pk=apprenticeship.pk)
    require_party(actor, apprenticeship, APPRENTICE, "teaching.graduation_edit")
    _require_active(apprenticeship)
    graduation = _graduation(apprenticeship, lock=True)
    if not graduation.is_editable:
        raise ConflictError(f"出师考核处于「{graduation.get_status_display()}」状态，不能修改材料")
    if kind not in GraduationItem.Kind.values:
        raise ApplicationError("材料类别：请选择病案、学习笔记、读书临证心得或论文", field="kind")
    title, text = title.strip(), text.strip()
    if not title or len(title) > 200:
        raise ApplicationError("标题：必须填写，不超过 200 字", field="title")
    if not text and not upload:
        raise ApplicationError("正文或附件：至少提供一项", field="text")
    file_type = ""
    if upload:
        file_type = _check_upload(upload, allowed=MATERIAL_TYPES, label="附件", field="file")
    item = GraduationItem.objects.create(
        graduation=graduation, kind=kind, title=title, text=text, file=upload or "", file_type=file_type
    )
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=graduation, to_state="结业材料", reason=str(item))
    return item


@transaction.atomic
def graduation_item_remove(*, item: GraduationItem, actor: User) -> None:
    graduation = (
        Graduation.objects.select_for_update().select_related("apprenticeship__master").get(pk=item.graduation_id)
    )
    require_party(actor, graduation.apprenticeship, APPRENTICE, "teaching.graduation_edit")
    if not graduation.is_editable:
        raise ConflictError(f"出师考核处于「{graduation.get_status_display()}」状态，不能修改材料")
    audit_record(
        action=AuditEntry.Action.TRANSITION, actor=actor, obj=graduation, to_state="删除结业材料", reason=str(item)
    )
    item.delete()


def graduation_submit(*, apprenticeship: Apprenticeship, actor: User) -> Graduation:
    """Submitted for the master's assessment once every kind of material is there (000 §四(五))."""
    require_party(actor, apprenticeship, APPRENTICE, "teaching.graduation_submit")
    _require_active(apprenticeship)
    graduation = Graduation.objects.filter(apprenticeship=apprenticeship).first()
    present = set(graduation.items.values_list("kind", flat=True)) if graduation else set()
    missing = [str(k.label) for k in REQUIRED_KINDS if k not in present]
    if missing:
        raise ApplicationError(f"结业材料缺少：{'、'.join(missing)}（000 §四(五)）", field="items")

    def stamp(locked: Graduation) -> None:
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["submitted_at"])

    locked = _transition(graduation, Graduation.Status.SUBMITTED, actor=actor, reason="提交结业材料", then=stamp)
    notify(
        recipients=[apprenticeship.master.user],
        title=f"请进行出师考核：{_name(apprenticeship.apprentice)}",
        body=f"{graduation.items.count()} 份结业材料",
        url=reverse("teaching:graduation", args=[apprenticeship.pk]),
    )
    return locked


@dataclass
class ItemAssessment:
    score: int | None
    passed: bool | None
    comment: str = ""


def _score(value, label: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ApplicationError(f"{label}：评分必须是 0–100 的整数", field=field)
    return value


def graduation_assess(
    *,
    graduation: Graduation,
    actor: User,
    items: dict[int, ItemAssessment],
    score,
    comment: str,
    passed: bool,
) -> Graduation:
    """The master assesses every item and the whole; passed or failed, in one step."""
    apprenticeship = graduation.apprenticeship
    require_party(actor, apprenticeship, MASTER, "teaching.graduation_assess")
    _require_active(apprenticeship)
    score = _score(score, "总评", "score")
    comment = comment.strip()
    if not comment:
        raise ApplicationError("总评语：必须填写", field="comment")
    rows = list(graduation.items.all())
    checked: dict[int, ItemAssessment] = {}
    for item in rows:
        given = items.get(item.pk)
        label = f"「{item}」"
        if given is None or given.passed is None:
            raise ApplicationError(f"{label}：必须评分并评定是否合格", field=f"item-{item.pk}")
        checked[item.pk] = ItemAssessment(
            _score(given.score, label, f"item-{item.pk}"), given.passed, given.comment.strip()
        )
    if set(items) - set(checked):
        raise ApplicationError("评定中有不属于本次出师考核的材料", field="items")

    def record(locked: Graduation) -> None:
        for item in rows:
            a = checked[item.pk]
            item.score, item.passed, item.comment = a.score, a.passed, a.comment
        GraduationItem.objects.bulk_update(rows, ["score", "passed", "comment"])
        locked.score, locked.comment = score, comment
        locked.assessed_by, locked.assessed_at = actor, timezone.now()
        locked.save(update_fields=["score", "comment", "assessed_by", "assessed_at"])

    to = Graduation.Status.PASSED if passed else Graduation.Status.FAILED
    locked = _transition(graduation, to, actor=actor, reason=f"{score} 分：{comment}", then=record)
    url = reverse("teaching:graduation", args=[apprenticeship.pk])
    notify(
        recipients=[apprenticeship.apprentice],
        title="出师考核通过" if passed else "出师考核未通过，请修改结业材料后重新提交",
        body=f"总评分 {score}：{comment}",
        url=url,
    )
    if passed:
        notify(
            recipients=host_staff(),
            title=f"出师考核通过，待颁发师承证书：{_name(apprenticeship.apprentice)}",
            body=f"传承人 {apprenticeship.master.name}",
            url=url,
        )
    return locked


def issuer_for(actor: User) -> Organization:
    """The host unit issues the apprentice certificate (000 §四(五))."""
    membership = (
        Membership.objects.filter(user=actor, organization__kind=Organization.Kind.HOST, role__in=HOST_STAFF)
        .select_related("organization")
        .first()
    )
    if membership is not None:
        return membership.organization
    host = Organization.objects.filter(kind=Organization.Kind.HOST).order_by("pk").first()
    if host is None:
        raise ApplicationError("系统中没有主办单位，不能颁发师承证书")
    return host


def graduation_certificate_issue(*, apprenticeship: Apprenticeship, actor: User, number: str | None = None):
    """The host unit issues the apprentice certificate and the apprenticeship ends as graduated —
    both or neither. Refused, saying exactly what is missing, unless every quota is met and the
    assessment passed."""
    from certificates.models import Certificate
    from certificates.services import certificate_issue

    apprenticeship = Apprenticeship.objects.select_related("master", "apprentice").get(pk=apprenticeship.pk)
    authorize(actor, "apprenticeship.graduate", apprenticeship)
    _require_active(apprenticeship)

    def refuse_unless_ready(a: Apprenticeship, check=graduation_blockers) -> None:
        blockers = check(a)
        if blockers:
            raise ApplicationError("尚不能颁发师承证书：" + "；".join(blockers))

    refuse_unless_ready(apprenticeship)
    issuer = issuer_for(actor)
    issued = {}

    def issue(locked: Apprenticeship) -> None:
        # Again under the row lock (which transition() has already moved to graduated): nothing
        # may have changed between the check and the issue.
        refuse_unless_ready(locked, readiness_blockers)
        issued["certificate"] = certificate_issue(
            kind=Certificate.Kind.APPRENTICE,
            holder=apprenticeship.apprentice,
            holder_name=_name(apprenticeship.apprentice),
            master=apprenticeship.master,
            issuer=issuer,
            actor=actor,
            subject=locked,
            term_start=locked.starts_on,
            term_end=locked.ends_on,
            number=number,
        )

    transition(
        apprenticeship, Apprenticeship.Status.GRADUATED, actor=actor, reason="出师考核通过，颁发师承证书", then=issue
    )
    certificate = issued["certificate"]
    notify(
        recipients=[apprenticeship.apprentice, apprenticeship.master.user],
        title=f"师承证书已颁发：{certificate.number}",
        body=f"{_name(apprenticeship.apprentice)} 跟师 {apprenticeship.master.name} 学习期满，出师考核通过",
        url=reverse("teaching:graduation", args=[apprenticeship.pk]),
    )
    return certificate
