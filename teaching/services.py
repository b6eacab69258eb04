"""Writes for teaching and graduation (APP-5..7): the plan, activities and their confirmation,
graduation materials, the master's assessment, and the certificate at graduation.

Every change of state is a step inside a service (workflow.atomic → lock → transition); who hears
of it is said by the model's NOTIFY map. `<model>_move` is each model's MOVE_SERVICE, the way in
for the buttons of templates/workflow/_moves.html."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, User
from accounts.permissions import authorize
from apprenticeships.models import Apprenticeship
from lib import files
from lib.errors import ApplicationError, ConflictError
from notifications.services import notify
from teaching import quotas
from teaching.models import Activity, Graduation, GraduationItem, TeachingPlan
from teaching.permissions import (
    HOST_STAFF,
    active_refusal,
    activity_log_refusal,
    early_refusal,
    materials_refusal,
    plan_edit_refusal,
    refuse,
    term_refusal,
)
from teaching.quotas import EARLY_CLAUSE, MAX_HOURS_PER_DAY, Category
from teaching.selectors import hours_label, readiness_blockers
from workflow import services as workflow
from workflow.models import AuditEntry
from workflow.services import audit_record

EVIDENCE_TYPES = {files.PDF, files.JPEG, files.PNG, files.WEBP}
# A paper may be a Word document: told apart from a plain archive or a bomb by lib.files.
MATERIAL_TYPES = EVIDENCE_TYPES | {files.DOCX}
MAX_UPLOAD = 20 * 1024 * 1024
ALWAYS_ONLINE = {Activity.Kind.REMOTE, Activity.Kind.ONLINE_COURSE}


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
    authorize(actor, "teaching.plan_edit", apprenticeship)
    # Locked: a submission at the same moment must not be undone by this save.
    plan = TeachingPlan.objects.select_for_update().filter(apprenticeship=apprenticeship).first()
    refuse(plan_edit_refusal(actor, apprenticeship, plan))
    texts = {"objectives": objectives.strip(), "content": content.strip(), "arrangements": arrangements.strip()}
    for name, value in texts.items():
        if not value:
            label = TeachingPlan._meta.get_field(name).verbose_name
            raise ApplicationError(_("%(label)s：必须填写") % {"label": label}, field=name)
    hours = {}
    for category in Category:
        value = planned.get(category.value)
        minimum = quotas.QUOTAS[apprenticeship.term][category]
        if value is None or not isinstance(value, int) or value < minimum or value > 2000:
            raise ApplicationError(
                _("%(category)s计划课时：不能少于%(term)s的规定课时 %(minimum)s（%(clause)s），也不能超过 2000")
                % {
                    "category": category.label,
                    "term": apprenticeship.get_term_display(),
                    "minimum": minimum,
                    "clause": quotas.CLAUSE,
                },
                field=PLANNED_FIELDS[category],
            )
        hours[PLANNED_FIELDS[category]] = value
    created = plan is None
    if created:
        plan = TeachingPlan(apprenticeship=apprenticeship, drafted_by=actor)
    for name, value in {**texts, **hours}.items():
        setattr(plan, name, value)
    plan.save(update_fields=None if created else [*texts, *hours, "updated_at"])
    audit_record(
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=plan,
        to_state="草稿",
        reason="编写传承计划" if created else "修改传承计划",
    )
    return plan


@workflow.atomic()
def plan_submit(*, plan: TeachingPlan, actor: User, expect: str | None = None) -> TeachingPlan:
    """The master submits the plan to the host unit (000 §四(四)); only ever a draft, which is
    what he saw unless the page says otherwise."""
    refuse(active_refusal(plan.apprenticeship))
    locked = workflow.lock(plan)
    workflow.transition(
        locked,
        TeachingPlan.Status.SUBMITTED,
        actor=actor,
        reason="提交传承计划",
        expect=expect or TeachingPlan.Status.DRAFT,
    )
    return locked


@workflow.atomic()
def plan_decide(
    *, plan: TeachingPlan, actor: User, agree: bool, reason: str = "", expect: str | None = None
) -> TeachingPlan:
    """The host unit agrees the plan, or returns it to the master with a reason. A decision is only
    ever of a submitted plan: unless the page says otherwise, that is the state the person saw."""
    reason = reason.strip()
    if not agree and not reason:
        raise ApplicationError(_("退回传承计划必须填写原因，传承人将看到这些意见"), field="reason")
    refuse(active_refusal(plan.apprenticeship))
    to = TeachingPlan.Status.AGREED if agree else TeachingPlan.Status.DRAFT
    locked = workflow.lock(plan)
    workflow.transition(
        locked, to, actor=actor, reason=reason or "同意传承计划", expect=expect or TeachingPlan.Status.SUBMITTED
    )
    if agree:
        locked.agreed_by, locked.agreed_at = actor, timezone.now()
        locked.save(update_fields=["agreed_by", "agreed_at"])
    return locked


def plan_move(plan: TeachingPlan, *, to: str, actor: User, reason: str = "", expect: str | None = None) -> TeachingPlan:
    """MOVE_SERVICE of TeachingPlan: submitted by the master, agreed or returned by the host unit."""
    if to == TeachingPlan.Status.SUBMITTED:
        return plan_submit(plan=plan, actor=actor, expect=expect)
    return plan_decide(plan=plan, actor=actor, agree=to == TeachingPlan.Status.AGREED, reason=reason, expect=expect)


# --- activities ----------------------------------------------------------------------------------


def _accept_upload(upload, *, allowed: set[str], label: str, field: str) -> str:
    """The upload's type by its content; the upload is renamed to what it is, so that it is stored
    under a name of the server's."""
    try:
        return files.accept_upload(upload, allowed=allowed, field_label=label, max_bytes=MAX_UPLOAD)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field=field) from exc


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("课时：必须是数字"), field="hours") from None
    if hours <= 0 or hours > MAX_HOURS_PER_DAY:
        raise ApplicationError(
            _("课时：必须大于 0，且不超过 %(max)s（一天最多计 %(max)s 课时）")
            % {"max": hours_label(MAX_HOURS_PER_DAY)},
            field="hours",
        )
    if hours != Decimal(str(value)):
        raise ApplicationError(_("课时：最多保留一位小数"), field="hours")
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
    authorize(actor, "teaching.activity_log", apprenticeship)
    plan = TeachingPlan.objects.filter(apprenticeship=apprenticeship).only("status").first()
    refuse(activity_log_refusal(actor, apprenticeship, plan))
    if kind not in Activity.Kind.values:
        raise ApplicationError(_("活动形式：请选择会议、讲座、面授、随诊、远程指导或网课"), field="kind")
    if category not in Category.values:
        raise ApplicationError(_("课时类别：请选择理论课程、病案分析课程、自学或撰写学习体会"), field="category")
    if not isinstance(date, datetime.date):
        raise ApplicationError(_("日期：格式应为 YYYY-MM-DD"), field="date")
    if date > today:
        raise ApplicationError(
            _("日期：不能登记将来的活动（今天是 %(today)s）") % {"today": f"{today:%Y-%m-%d}"}, field="date"
        )
    if not apprenticeship.starts_on <= date <= apprenticeship.ends_on:
        raise ApplicationError(
            _("日期：必须在师承期限内（%(start)s 至 %(end)s）")
            % {"start": f"{apprenticeship.starts_on:%Y-%m-%d}", "end": f"{apprenticeship.ends_on:%Y-%m-%d}"},
            field="date",
        )
    hours = _hours(hours)
    topic = topic.strip()
    if not topic or len(topic) > 200:
        raise ApplicationError(_("内容：必须填写，不超过 200 字"), field="topic")
    online = online or kind in ALWAYS_ONLINE
    agreed_by = None
    note = online_agreement_note.strip()
    if online and category in quotas.FACE_TO_FACE:
        # 000 §三(五) 备注: the face-to-face course moved online by the parties' agreement.
        if not note or online_agreed_on is None:
            raise ApplicationError(
                _("%(category)s属于面授课程，改为线上开展须填写与传承人商定的日期和说明（%(clause)s）")
                % {"category": Category(category).label, "clause": quotas.ONLINE_CLAUSE},
                field="online_agreement_note",
            )
        if online_agreed_on > today:
            raise ApplicationError(_("商定日期：不能晚于今天"), field="online_agreed_on")
        agreed_by = apprenticeship.master.user
    else:
        online_agreed_on, note = None, ""
    content_type = ""
    if evidence:
        content_type = _accept_upload(evidence, allowed=EVIDENCE_TYPES, label=_("佐证材料"), field="evidence")
    # Lock the apprentice: two activities logged at once for the same day must not together
    # pass the day's cap.
    User.objects.select_for_update().get(pk=apprenticeship.apprentice_id)
    logged = (
        Activity.objects.filter(apprenticeship__apprentice_id=apprenticeship.apprentice_id, date=date)
        .exclude(status=Activity.Status.REJECTED)
        .values_list("hours", flat=True)
    )
    day_total = sum(logged, Decimal(0))
    if day_total + hours > MAX_HOURS_PER_DAY:
        raise ApplicationError(
            _("课时：%(date)s 已登记 %(hours)s 课时，同一天合计不能超过 %(max)s 课时")
            % {"date": f"{date:%Y-%m-%d}", "hours": hours_label(day_total), "max": hours_label(MAX_HOURS_PER_DAY)},
            field="hours",
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
    # Not a change of state but a new record (it starts pending): the master hears of it here.
    notify(
        recipients=[apprenticeship.master.user],
        title=_("请确认带教课时：%(apprentice)s %(date)s %(hours)s 课时")
        % {"apprentice": _name(apprenticeship.apprentice), "date": f"{date:%m-%d}", "hours": hours_label(hours)},
        body=f"{activity.get_kind_display()} · {activity.get_category_display()} · {topic}",
        url=reverse("teaching:confirm-queue"),
    )
    return activity


def _decision_reason(confirm: bool, reason: str) -> str:
    reason = reason.strip()
    if not confirm and not reason:
        raise ApplicationError(_("不予确认必须填写原因，师承人将看到这些意见"), field="reason")
    return reason


def _decide(activity: Activity, *, actor: User, confirm: bool, reason: str, expect: str | None) -> Activity:
    refuse(active_refusal(activity.apprenticeship))
    to = Activity.Status.CONFIRMED if confirm else Activity.Status.REJECTED
    locked = workflow.lock(activity)
    workflow.transition(locked, to, actor=actor, reason=reason or "确认课时", expect=expect)
    locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), reason
    locked.save(update_fields=["decided_by", "decided_at", "decision_note"])
    return locked


def _tell_apprentices(activities: list[Activity], *, confirm: bool, reason: str) -> None:
    """One notice per apprentice for one decision, however many activities it covered: a batch of
    fifteen confirmed rows is one notice, not fifteen. (So Activity has no NOTIFY entries; this is
    the one notice of each of its arrivals.)"""
    by_apprenticeship: dict[int, list[Activity]] = {}
    for activity in activities:
        by_apprenticeship.setdefault(activity.apprenticeship_id, []).append(activity)
    for group in by_apprenticeship.values():
        a = group[0].apprenticeship
        if len(group) == 1:
            one = group[0]
            title = (
                _("带教课时已确认：%(date)s %(hours)s 课时")
                % {"date": f"{one.date:%m-%d}", "hours": hours_label(one.hours)}
                if confirm
                else _("带教课时未予确认：%(date)s %(topic)s") % {"date": f"{one.date:%m-%d}", "topic": one.topic}
            )
        else:
            total = sum((x.hours for x in group), Decimal(0))
            title = (
                _("%(n)s 条带教活动已确认，共 %(hours)s 课时") % {"n": len(group), "hours": hours_label(total)}
                if confirm
                else _("%(n)s 条带教活动未予确认") % {"n": len(group)}
            )
        notify(recipients=[a.apprentice], title=title, body=reason, url=_progress_url(a))


@workflow.atomic()
def activity_decide(
    *, activity: Activity, actor: User, confirm: bool, reason: str = "", expect: str | None = None
) -> Activity:
    """The master confirms the hours, or refuses them with a reason. Of two clicks at once exactly
    one succeeds: the row is locked, and a decision is only ever of a pending activity (what the
    person saw, unless they say otherwise), so the second is told it was already decided."""
    reason = _decision_reason(confirm, reason)
    locked = _decide(activity, actor=actor, confirm=confirm, reason=reason, expect=expect or Activity.Status.PENDING)
    _tell_apprentices([activity], confirm=confirm, reason=reason)
    return locked


def activity_move(activity: Activity, *, to: str, actor: User, reason: str = "", expect: str | None = None) -> Activity:
    """MOVE_SERVICE of Activity."""
    return activity_decide(
        activity=activity, actor=actor, confirm=to == Activity.Status.CONFIRMED, reason=reason, expect=expect
    )


@workflow.atomic()
def activity_decide_batch(*, activity_ids: list[int], actor: User, confirm: bool, reason: str = "") -> int:
    """Confirm (or refuse) several activities at once: all of them, or — if any cannot be — none.
    The rows were chosen from a list of pending activities: that is the state the person saw."""
    reason = _decision_reason(confirm, reason)
    ids = sorted({int(i) for i in activity_ids})
    if not ids:
        raise ApplicationError(_("请至少选择一条带教活动"), field="activities")
    if len(ids) > 200:
        raise ApplicationError(_("一次最多处理 200 条带教活动"), field="activities")
    activities = list(
        Activity.objects.filter(pk__in=ids)
        .select_related("apprenticeship__master__user", "apprenticeship__apprentice")
        .order_by("pk")
    )
    if len(activities) != len(ids):
        raise ApplicationError(_("所选带教活动有的不存在，未做任何更改"), field="activities")
    for activity in activities:
        try:
            _decide(activity, actor=actor, confirm=confirm, reason=reason, expect=Activity.Status.PENDING)
        except Http404:
            # One forged id among many: say so without saying which.
            raise ApplicationError(_("所选带教活动有的不在您的范围内，未做任何更改"), field="activities") from None
        except ApplicationError as exc:
            error = ConflictError if isinstance(exc, ConflictError) else ApplicationError
            raise error(
                _("%(date)s「%(topic)s」：%(message)s。未做任何更改")
                % {"date": f"{activity.date:%Y-%m-%d}", "topic": activity.topic, "message": exc.message.rstrip("。")},
                field="activities",
            ) from exc
    _tell_apprentices(activities, confirm=confirm, reason=reason)
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
    authorize(actor, "teaching.graduation_edit", apprenticeship)
    graduation = _graduation(apprenticeship, lock=True)
    refuse(materials_refusal(actor, apprenticeship, graduation))
    if kind not in GraduationItem.Kind.values:
        raise ApplicationError(_("材料类别：请选择病案、学习笔记、读书临证心得或论文"), field="kind")
    title, text = title.strip(), text.strip()
    if not title or len(title) > 200:
        raise ApplicationError(_("标题：必须填写，不超过 200 字"), field="title")
    if not text and not upload:
        raise ApplicationError(_("正文或附件：至少提供一项"), field="text")
    file_type = ""
    if upload:
        file_type = _accept_upload(upload, allowed=MATERIAL_TYPES, label=_("附件"), field="file")
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
    authorize(actor, "teaching.graduation_edit", graduation.apprenticeship)
    refuse(materials_refusal(actor, graduation.apprenticeship, graduation))
    audit_record(
        action=AuditEntry.Action.TRANSITION, actor=actor, obj=graduation, to_state="删除结业材料", reason=str(item)
    )
    item.delete()


@workflow.atomic()
def graduation_submit(*, apprenticeship: Apprenticeship, actor: User, expect: str | None = None) -> Graduation:
    """Submitted for the master's assessment once every kind of material is there (000 §四(五))."""
    refuse(active_refusal(apprenticeship))
    locked = workflow.lock(_graduation(apprenticeship))
    workflow.transition(locked, Graduation.Status.SUBMITTED, actor=actor, reason="提交结业材料", expect=expect)
    refuse(term_refusal(apprenticeship, locked))
    present = set(locked.items.values_list("kind", flat=True))
    missing = [str(k.label) for k in REQUIRED_KINDS if k not in present]
    if missing:
        raise ApplicationError(
            _("结业材料缺少：%(missing)s（000 §四(五)）") % {"missing": "、".join(missing)}, field="items"
        )
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["submitted_at"])
    return locked


@transaction.atomic
def graduation_early_allow(*, apprenticeship: Apprenticeship, actor: User, reason: str) -> Graduation:
    """The host unit lets the apprentice hand in the graduation materials before the term's end
    (teaching.quotas.EARLY_CLAUSE), with a reason on record. Leave to submit, not a submission:
    the apprentice still submits and the master still assesses, and the certificate still needs
    every quota met."""
    reason = (reason or "").strip()
    apprenticeship = Apprenticeship.objects.select_for_update().select_related("master").get(pk=apprenticeship.pk)
    authorize(actor, "teaching.view", apprenticeship)
    graduation = _graduation(apprenticeship, lock=True)
    refuse(early_refusal(actor, apprenticeship, graduation))
    if not reason:
        raise ApplicationError(
            _("批准提前提交结业材料必须填写理由（%(clause)s）") % {"clause": EARLY_CLAUSE}, field="reason"
        )
    graduation.early_reason = reason[:1000]
    graduation.early_allowed_by = actor
    graduation.early_allowed_at = timezone.now()
    graduation.save(update_fields=["early_reason", "early_allowed_by", "early_allowed_at", "updated_at"])
    audit_record(
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=graduation,
        to_state="批准提前提交结业材料",
        reason=f"{EARLY_CLAUSE}；师承期限至 {apprenticeship.ends_on:%Y-%m-%d}；{graduation.early_reason}",
    )
    # Not a state change (the graduation stays where it was): no NOTIFY map announces it, and the
    # apprentice may now submit.
    notify(
        recipients=[apprenticeship.apprentice, apprenticeship.master.user],
        title=_("主办单位已批准提前提交结业材料：%(name)s") % {"name": _name(apprenticeship.apprentice)},
        body=graduation.early_reason,
        url=reverse("teaching:graduation", args=[apprenticeship.pk]),
    )
    return graduation


@dataclass
class ItemAssessment:
    score: int | None
    passed: bool | None
    comment: str = ""


def _score(value, label: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ApplicationError(_("%(label)s：评分必须是 0–100 的整数") % {"label": label}, field=field)
    return value


@workflow.atomic()
def graduation_assess(
    *,
    graduation: Graduation,
    actor: User,
    items: dict[int, ItemAssessment],
    score,
    comment: str,
    passed: bool,
    expect: str | None = None,
) -> Graduation:
    """The master assesses every item and the whole; passed or failed, in one step. An assessment
    is only ever of submitted materials: unless the page says otherwise, that is what he saw."""
    score = _score(score, _("总评"), "score")
    comment = comment.strip()
    if not comment:
        raise ApplicationError(_("总评语：必须填写"), field="comment")
    refuse(active_refusal(graduation.apprenticeship))
    to = Graduation.Status.PASSED if passed else Graduation.Status.FAILED
    locked = workflow.lock(graduation)
    workflow.transition(
        locked, to, actor=actor, reason=f"{score} 分：{comment}", expect=expect or Graduation.Status.SUBMITTED
    )
    # The items are read under the lock (materials change only while the graduation is editable).
    rows = list(locked.items.all())
    checked: dict[int, ItemAssessment] = {}
    for item in rows:
        given = items.get(item.pk)
        label = f"「{item}」"
        if given is None or given.passed is None:
            raise ApplicationError(_("%(label)s：必须评分并评定是否合格") % {"label": label}, field=f"item-{item.pk}")
        checked[item.pk] = ItemAssessment(
            _score(given.score, label, f"item-{item.pk}"), given.passed, given.comment.strip()
        )
    if set(items) - set(checked):
        raise ApplicationError(_("评定中有不属于本次出师考核的材料"), field="items")
    for item in rows:
        a = checked[item.pk]
        item.score, item.passed, item.comment = a.score, a.passed, a.comment
    GraduationItem.objects.bulk_update(rows, ["score", "passed", "comment"])
    locked.score, locked.comment = score, comment
    locked.assessed_by, locked.assessed_at = actor, timezone.now()
    locked.save(update_fields=["score", "comment", "assessed_by", "assessed_at"])
    return locked


def graduation_move(
    graduation: Graduation, *, to: str, actor: User, reason: str = "", expect: str | None = None
) -> Graduation:
    """MOVE_SERVICE of Graduation: the apprentice's submission. The assessment scores every item
    and is made on the graduation page's form (Graduation.move_pages)."""
    if to == Graduation.Status.SUBMITTED:
        return graduation_submit(apprenticeship=graduation.apprenticeship, actor=actor, expect=expect)
    authorize(actor, "teaching.graduation_assess", graduation)
    raise ApplicationError(_("出师考核须在考核页面逐项评分后提交"))


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
        raise ApplicationError(_("系统中没有主办单位，不能颁发师承证书"))
    return host


@workflow.atomic()
def graduation_certificate_issue(
    *, apprenticeship: Apprenticeship, actor: User, number: str | None = None, expect: str | None = None
):
    """The host unit issues the apprentice certificate and the apprenticeship ends as graduated —
    both or neither. Refused, saying exactly what is missing, unless every quota is met and the
    assessment passed.

    The graduate hears of the certificate once, from its issue (certificates.services); this move
    of the apprenticeship announces itself through Apprenticeship.NOTIFY."""
    from certificates.models import Certificate
    from certificates.services import certificate_issue

    locked = workflow.lock(apprenticeship)
    workflow.transition(
        locked, Apprenticeship.Status.GRADUATED, actor=actor, reason="出师考核通过，颁发师承证书", expect=expect
    )
    # Checked after the move so that only the host unit learns what is missing; under the lock,
    # nothing can change between the check and the issue.
    blockers = readiness_blockers(locked)
    if blockers:
        raise ApplicationError(_("尚不能颁发师承证书：%(blockers)s") % {"blockers": "；".join(blockers)})
    apprentice = User.objects.get(pk=locked.apprentice_id)
    return certificate_issue(
        kind=Certificate.Kind.APPRENTICE,
        holder=apprentice,
        holder_name=_name(apprentice),
        master=locked.master,
        issuer=issuer_for(actor),
        actor=actor,
        subject=locked,
        term_start=locked.starts_on,
        term_end=locked.ends_on,
        number=number,
    )
