"""Writes for masters: the application, the exemption decision, review, selection, certification.

Every move of an application goes through `master_move` (the workflow buttons' way in), which
hands it to `master_application_submit` or `master_application_advance`; the table, the acts, the
audit rows and the notices are the workflow core's (masters.models.Master)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.permissions import authorize
from certificates.models import Certificate
from certificates.services import certificate_issue
from lib import files
from lib.errors import ApplicationError
from masters import permissions
from masters.models import TIER_TRACK, Master, MasterExemption, MasterMaterial, MaterialPartner
from masters.rules import check_master_eligibility, failing
from workflow import services as workflow
from workflow.models import AuditEntry
from workflow.services import audit_record

Status = Master.Status
# An application in any of these states blocks a second one by the same person.
OPEN = (Status.DRAFT, Status.SUBMITTED, Status.REVIEWED, Status.SELECTED, Status.RETURNED, Status.CERTIFIED)


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
        raise ApplicationError(_("请先登录"))
    # Lock the person's row: two tabs submitting the form at once must not make two applications.
    User.objects.select_for_update().get(pk=actor.pk)
    if Master.objects.filter(user=actor, status__in=OPEN).exists():
        raise ApplicationError(_("您已有一份传承人申请正在办理或已获认证，不能重复申请"))
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
    permissions.check_edit(actor, master)
    before = {key: getattr(master, key) for key in fields}
    before_techniques = set(master.techniques.values_list("pk", flat=True))
    for key, value in fields.items():
        setattr(master, key, value)
    _prepare(master)
    master.full_clean(exclude=["user", "certificate_number"])
    master.save()
    changed = [str(Master._meta.get_field(key).verbose_name) for key in fields if getattr(master, key) != before[key]]
    if techniques is not None:
        master.techniques.set(techniques)
        if {t.pk for t in techniques} != before_techniques:
            changed.append(str(Master._meta.get_field("techniques").verbose_name))
    # The page and the API's PATCH both end here, so both are logged.
    _edit_audited(master, actor, changed, where="")
    return master


def _edit_audited(master: Master, actor: User, labels: list[str], *, where: str) -> None:
    """The names of what changed, never the values (issue 13 §6)."""
    if labels:
        audit_record(
            action=AuditEntry.Action.TRANSITION,
            actor=actor,
            obj=master,
            from_state=master.get_status_display(),
            to_state="已修改",
            reason=f"{where}修改了：{'、'.join(labels)}",
        )


@transaction.atomic
def master_admin_save(*, master: Master, changed: list[str], actor: User) -> Master:
    """A correction made in the system administration (a typo in a certified master's record): saved
    with the names of what changed in the audit log, as an edit from the pages is (issue 13 §6).
    State and certificate are read-only there; they move only through master_move()."""
    master.save()
    labels = [str(Master._meta.get_field(name).verbose_name) for name in changed]
    _edit_audited(master, actor, labels, where="系统管理后台")
    return master


def master_move(master: Master, *, to: str, actor: User, reason: str = "", expect: str | None = None) -> Master:
    """MOVE_SERVICE of Master: every button of an application's page and of the review queue."""
    if to == Status.SUBMITTED:
        return master_application_submit(master=master, actor=actor, expect=expect)
    return master_application_advance(master=master, actor=actor, to=to, reason=reason, expect=expect)


@workflow.atomic()
def master_application_submit(
    *, master: Master, actor: User, today: datetime.date | None = None, expect: str | None = None
) -> Master:
    """Submit for review; refused, naming each failing clause, unless an exemption covers it."""
    locked = workflow.lock(master)
    workflow.transition(locked, Status.SUBMITTED, actor=actor, reason="提交传承人申请", expect=expect)
    # Checked on the locked row, after the move's own checks: a person who may not submit this
    # application learns nothing of its eligibility, and an exemption decided meanwhile counts.
    failed = failing(check_master_eligibility(locked, today or timezone.localdate()))
    if failed:
        clauses = "；".join(f"{r.rule_id}「{r.clause_text}」（{r.detail}）" for r in failed)
        raise ApplicationError(
            _("不符合申请条件：%(clauses)s。如有特殊专长或贡献，可申请豁免年龄、职称限制。") % {"clauses": clauses}
        )
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["submitted_at"])
    master.submitted_at = locked.submitted_at
    return locked


@transaction.atomic
def master_exemption_decide(*, master: Master, actor: User, granted: bool, reason: str) -> MasterExemption:
    """The organizing unit's reviewer decides a special-expertise exemption (000 §五(一)2)."""
    master = Master.objects.select_for_update().get(pk=master.pk)
    permissions.check_decide_exemption(actor, master)
    if not reason.strip():
        raise ApplicationError(_("豁免决定必须填写理由"), field="reason")
    exemption = MasterExemption.objects.create(master=master, granted=granted, reason=reason.strip(), decided_by=actor)
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=master,
        to_state="同意特殊专长豁免" if granted else "不同意特殊专长豁免",
        reason=reason.strip(),
    )
    return exemption


def issuing_unit(actor: User) -> Organization:
    """The guiding unit in whose name `actor` certifies (000 §五(一)3)."""
    from accounts.models import Membership
    from accounts.permissions import ACTS

    act = ACTS["master.certify"]
    membership = (
        Membership.objects.filter(user=actor, role__in=act.roles, organization__kind__in=act.org_kinds)
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        return membership.organization
    # A superuser acting without a membership: the platform's guiding unit.
    guide = Organization.objects.filter(kind=Organization.Kind.GUIDING).order_by("pk").first()
    if guide is None:
        raise ApplicationError(_("系统中没有指导单位，无法颁发传承人证书"))
    return guide


def _reason_required_message(to: str) -> str:
    if to == Status.RETURNED:
        return _("退回必须填写原因，申请人将看到这些意见")
    return _("不予通过必须填写原因，申请人将看到这些意见")


@workflow.atomic()
def master_application_advance(
    *, master: Master, actor: User, to: str, reason: str = "", expect: str | None = None
) -> Master:
    """Review, select, certify, return or reject: whatever the transition table allows."""
    reason = (reason or "").strip()
    if to in Master.REASON_REQUIRED and not reason:
        raise ApplicationError(_reason_required_message(to), field="reason")
    locked = workflow.lock(master)
    workflow.transition(locked, to, actor=actor, reason=reason, expect=expect)
    if to == Status.CERTIFIED:
        _certify(locked, actor=actor)
        master.certified_at, master.certificate_number = locked.certified_at, locked.certificate_number
    return locked


def _certify(master: Master, *, actor: User) -> None:
    """The guiding unit certifies the master and the techniques taught, and issues the
    certificate (000 §五(一)3): both or neither, inside the move's transaction."""
    master.certified_at = timezone.now()
    certificate = certificate_issue(
        kind=Certificate.Kind.MASTER,
        holder=master.user,
        holder_name=master.name,
        master=master,
        issuer=issuing_unit(actor),
        actor=actor,
        subject=master,
        term_start=timezone.localdate(),
    )
    # Kept beside the certificate for the directory and the admin's search.
    master.certificate_number = certificate.number
    master.save(update_fields=["certified_at", "certificate_number"])
    names = "、".join(t.name for t in master.techniques.all()) or "（无）"
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=master,
        to_state="颁发传承人证书",
        reason=f"证书编号 {master.certificate_number}；认证传授技术：{names}",
    )


# --- materials (MST-4) ---------------------------------------------------------------------------

# What each kind of material may be, by content (lib/files), and how large: the platform's limits
# (files.LIMITS), except a textbook, which may run to the 50 MB of a scanned book. Documents may
# be Word documents, never archives.
MATERIAL_RULES = {
    MasterMaterial.Kind.TEXTBOOK: ({files.PDF, files.DOCX}, 50 * files.MB),
    MasterMaterial.Kind.PROTOCOL: ({files.PDF, files.DOCX}, files.LIMITS["document"]),
    MasterMaterial.Kind.VIDEO: (files.VIDEO, files.LIMITS["video"]),
    MasterMaterial.Kind.IMAGE: (files.IMAGE, files.LIMITS["image"]),
    MasterMaterial.Kind.PRODUCT: (files.DOCUMENT | {files.DOCX}, files.LIMITS["document"]),
}


@transaction.atomic
def master_material_add(
    *,
    master: Master,
    actor: User,
    kind: str,
    title: str,
    description: str = "",
    product_type: str = "",
    upload=None,
) -> MasterMaterial:
    """The master adds a material; it stays unpublished until they publish it."""
    authorize(actor, "master.material_manage", master)
    if kind not in MasterMaterial.Kind.values:
        raise ApplicationError(_("资料类别：请选择教材、诊疗方案、视频资料、图片资料或产品"), field="kind")
    title = (title or "").strip()
    if not title:
        raise ApplicationError(_("标题：必须填写"), field="title")
    material = MasterMaterial(
        master=master,
        kind=kind,
        title=title,
        description=(description or "").strip(),
        created_by=actor,
    )
    if kind == MasterMaterial.Kind.PRODUCT:
        if product_type not in MasterMaterial.ProductType.values:
            raise ApplicationError(_("产品类型：请选择有效处方或诊疗方法"), field="product_type")
        material.product_type = product_type
    elif upload is None:
        raise ApplicationError(
            _("文件：%(kind)s必须上传文件") % {"kind": MasterMaterial.Kind(kind).label}, field="file"
        )
    if upload is not None:
        allowed, limit = MATERIAL_RULES[kind]
        try:
            material.mime = files.accept_upload(upload, allowed=allowed, field_label=_("文件"), max_bytes=limit)
        except ValidationError as exc:
            raise ApplicationError(exc.messages[0], field="file") from exc
        material.size = upload.size
        material.full_clean(exclude=["file", "created_by", "master"])
        # The stored name is ours (ServerName), with the extension of what the file is.
        material.file.save(upload.name, upload, save=False)
    else:
        material.full_clean(exclude=["file", "created_by", "master"])
    material.save()
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=material,
        to_state=str(MasterMaterial.Status.DRAFT.label),
        reason=f"上传{material.get_kind_display()}「{title}」",
    )
    return material


def master_material_publish(*, material: MasterMaterial, actor: User, publish: bool) -> MasterMaterial:
    to = MasterMaterial.Status.PUBLISHED if publish else MasterMaterial.Status.DRAFT
    return master_material_move(material, to=to, actor=actor)


@workflow.atomic()
def master_material_move(
    material: MasterMaterial, *, to: str, actor: User, reason: str = "", expect: str | None = None
) -> MasterMaterial:
    """MOVE_SERVICE of MasterMaterial: publish or withdraw from the profile."""
    default = "公开资料" if to == MasterMaterial.Status.PUBLISHED else "取消公开"
    locked = workflow.lock(material)
    return workflow.transition(locked, to, actor=actor, reason=reason.strip() or default, expect=expect)


@transaction.atomic
def master_material_remove(*, material: MasterMaterial, actor: User) -> None:
    authorize(actor, "master.material_manage", material)
    audit_record(
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=material,
        from_state=material.get_status_display(),
        to_state="已删除",
        reason=f"删除{material.get_kind_display()}「{material.title}」",
    )
    name = material.file.name
    material.delete()
    if name:
        # Only once the row is gone for good: a rolled-back delete must keep its file.
        transaction.on_commit(lambda: default_storage.delete(name))


@transaction.atomic
def material_partner_add(
    *, material: MasterMaterial, actor: User, kind: str, name: str, cooperation: str = ""
) -> MaterialPartner:
    """A research or industry partner of a product (000 §三(四))."""
    authorize(actor, "master.material_manage", material)
    if material.kind != MasterMaterial.Kind.PRODUCT:
        raise ApplicationError(_("只有产品可以登记科研或产业合作单位"))
    if kind not in MaterialPartner.Kind.values:
        raise ApplicationError(_("合作类型：请选择科研合作或产业合作"), field="kind")
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("合作单位：必须填写"), field="name")
    partner = MaterialPartner.objects.create(
        material=material, kind=kind, name=name[:120], cooperation=(cooperation or "").strip()[:300]
    )
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=material,
        to_state="登记合作单位",
        reason=f"{partner.get_kind_display()}：{partner.name}",
    )
    return partner
