"""Writes for masters: the application, the exemption decision, review, selection, certification."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import authorize
from lib.errors import ApplicationError
from masters.models import TIER_TRACK, Master, MasterExemption
from masters.rules import check_master_eligibility, failing
from workflow.models import AuditEntry
from workflow.services import audit_record, transition

Status = Master.Status
EDITABLE = (Status.DRAFT, Status.RETURNED)
# An application in any of these states blocks a second one by the same person.
OPEN = (Status.DRAFT, Status.SUBMITTED, Status.REVIEWED, Status.SELECTED, Status.RETURNED, Status.CERTIFIED)
REASON_REQUIRED = {Status.RETURNED: "退回", Status.REJECTED: "不予通过"}


def name_pinyin(name: str) -> tuple[str, str]:
    """张德润 → ("zhangderun", "zdr"): the full pinyin and the initials, for the directory search."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(name.strip(), style=Style.NORMAL, errors="ignore", v_to_u=False)
    syllables = [s.lower() for s in syllables if s.isalpha()]
    return "".join(syllables), "".join(s[0] for s in syllables)


def _prepare(master: Master) -> None:
    master.track = TIER_TRACK[master.tier] if master.tier in TIER_TRACK else master.track
    master.name_pinyin, master.name_initials = name_pinyin(master.name)


@transaction.atomic
def master_application_create(*, actor: User, techniques=None, name: str = "", **fields) -> Master:
    """A draft application by `actor` for themselves; any signed-in person may apply (MST-2)."""
    if not actor.is_authenticated or not actor.is_active:
        raise ApplicationError("请先登录")
    # Lock the person's row: two tabs submitting the form at once must not make two applications.
    User.objects.select_for_update().get(pk=actor.pk)
    if Master.objects.filter(user=actor, status__in=OPEN).exists():
        raise ApplicationError("您已有一份传承人申请正在办理或已获认证，不能重复申请")
    master = Master(user=actor, name=(name or actor.display_name).strip(), **fields)
    _prepare(master)
    master.full_clean(exclude=["user", "certificate_number"])
    master.save()
    if techniques is not None:
        master.techniques.set(techniques)
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=master, to_state="草稿", reason="传承人申请")
    return master


@transaction.atomic
def master_application_update(*, master: Master, actor: User, techniques=None, **fields) -> Master:
    master = Master.objects.select_for_update().get(pk=master.pk)
    authorize(actor, "master.edit", master)
    if master.status not in EDITABLE:
        raise ApplicationError(f"申请处于「{master.get_status_display()}」状态，不能修改")
    for key, value in fields.items():
        setattr(master, key, value)
    _prepare(master)
    master.full_clean(exclude=["user", "certificate_number"])
    master.save()
    if techniques is not None:
        master.techniques.set(techniques)
    return master


def master_application_submit(*, master: Master, actor: User, today: datetime.date | None = None) -> Master:
    """Submit for review; refused, naming each failing clause, unless an exemption covers it."""
    today = today or timezone.localdate()
    failed = failing(check_master_eligibility(master, today))
    if failed:
        raise ApplicationError(
            "不符合申请条件："
            + "；".join(f"{r.rule_id}「{r.clause_text}」（{r.detail}）" for r in failed)
            + "。如有特殊专长或贡献，可申请豁免年龄、职称限制。"
        )

    def stamp(locked: Master) -> None:
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["submitted_at"])

    return transition(master, Status.SUBMITTED, actor=actor, reason="提交传承人申请", then=stamp)


@transaction.atomic
def master_exemption_decide(*, master: Master, actor: User, granted: bool, reason: str) -> MasterExemption:
    """The organizing unit's reviewer decides a special-expertise exemption (000 §五(一)2)."""
    master = Master.objects.select_for_update().get(pk=master.pk)
    authorize(actor, "master.exempt", master)
    if not reason.strip():
        raise ApplicationError("豁免决定必须填写理由", field="reason")
    if master.status not in (Status.DRAFT, Status.RETURNED, Status.SUBMITTED):
        raise ApplicationError(f"申请处于「{master.get_status_display()}」状态，不能再决定豁免")
    exemption = MasterExemption.objects.create(master=master, granted=granted, reason=reason.strip(), decided_by=actor)
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=master,
        to_state="同意特殊专长豁免" if granted else "不同意特殊专长豁免",
        reason=reason.strip(),
    )
    return exemption


def certificate_number_for(master: Master, when: datetime.datetime) -> str:
    return f"CCM-{when:%Y}-{master.pk:06d}"


def master_application_advance(*, master: Master, actor: User, to: str, reason: str = "") -> Master:
    """Review, select, certify, return or reject: whatever the transition table allows."""
    if to in REASON_REQUIRED and not reason.strip():
        raise ApplicationError(f"{REASON_REQUIRED[to]}必须填写原因，申请人将看到这些意见", field="reason")
    then = None
    if to == Status.CERTIFIED:

        def then(locked: Master) -> None:
            # The guiding unit certifies the master and the techniques taught, and issues the
            # certificate (000 §五(一)3).
            locked.certified_at = timezone.now()
            locked.certificate_number = certificate_number_for(locked, locked.certified_at)
            locked.save(update_fields=["certified_at", "certificate_number"])
            names = "、".join(t.name for t in locked.techniques.all()) or "（无）"
            audit_record(
                action=AuditEntry.Action.CREATE,
                actor=actor,
                obj=locked,
                to_state="颁发传承人证书",
                reason=f"证书编号 {locked.certificate_number}；认证传授技术：{names}",
            )

    locked = transition(master, to, actor=actor, reason=reason.strip(), then=then)
    master.refresh_from_db()
    return locked
