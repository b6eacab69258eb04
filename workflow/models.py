"""The audit log (OPS-1): an append-only record of every state change, sign-in and view of
personal data."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLogIsAppendOnly(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("审计日志只能追加，不能修改")

    def delete(self):
        raise AuditLogIsAppendOnly("审计日志只能追加，不能删除")


class AuditEntry(models.Model):
    """One row per event. Rows are never updated or deleted: the model refuses, and database
    triggers (migration 0002) refuse too, so neither the admin nor a raw UPDATE can rewrite history."""

    class Action(models.TextChoices):
        TRANSITION = "transition", _("状态变更")
        CREATE = "create", _("创建")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出")
        PASSWORD_CHANGE = "password_change", _("修改密码")
        PASSWORD_RESET = "password_reset", _("重置密码")
        VIEW_PERSONAL = "view_personal", _("查看个人信息")
        EXPORT = "export", _("导出")
        TOKEN = "token", _("API 令牌")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("成功")
        DENIED = "denied", _("被拒绝")
        FAILED = "failed", _("失败")

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("操作人")
    )
    # What the actor typed as a username, kept for failed sign-ins where there is no user.
    actor_label = models.CharField(_("操作人标识"), max_length=150, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("单位")
    )
    content_type = models.ForeignKey(ContentType, models.PROTECT, null=True, blank=True, related_name="+")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    from_state = models.CharField(_("原状态"), max_length=40, blank=True)
    to_state = models.CharField(_("新状态"), max_length=40, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    # The seal (issue 13 §7): a row is written unsealed inside its step's transaction and sealed
    # right after commit, in a short transaction of its own that holds the chain head
    # (AuditChainHead), so steps never queue behind one another for their whole transaction.
    # `seq` numbers sealed rows without gaps; `chain_hash` is HMAC-SHA256 over the row's canonical
    # form and the previous row's chain_hash (workflow.services.audit_seal / audit_verify).
    seq = models.BigIntegerField(_("链序号"), null=True, blank=True, unique=True, editable=False)
    chain_hash = models.CharField(_("链哈希"), max_length=64, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    # The fields a chain hash covers, in this order (the seal columns excepted).
    CHAINED_FIELDS = (
        "id",
        "created_at",
        "actor_id",
        "actor_label",
        "organization_id",
        "content_type_id",
        "object_id",
        "object_repr",
        "action",
        "from_state",
        "to_state",
        "reason",
        "ip",
        "outcome",
    )

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"]),
            models.Index(fields=["actor", "created_at"]),
            models.Index(fields=["organization", "created_at"]),
            models.Index(fields=["action", "created_at"]),
            # The few rows waiting for their seal, found without walking the sealed millions.
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="workflow_audit_unsealed"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditLogIsAppendOnly("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("审计日志只能追加，不能删除")

    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        from accounts.models import Organization

        # A subquery of organization ids, not a join: the database can then walk the
        # created_at index and stop after one page instead of joining a million rows.
        q = Q(pk__in=[])
        for region in regions:
            q |= Q(
                organization_id__in=Organization.objects.filter(region__prefix__startswith=region.prefix).values("id")
            )
        if organization_ids:
            q |= Q(organization_id__in=organization_ids)
        return q


class AuditChainHead(models.Model):
    """The one row that says where the audit chain ends. Sealing locks it (SELECT … FOR UPDATE),
    so two sealers never hand out the same seq; verify_audit compares it with the last row, so
    rows cut off the end of the chain are seen too."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"{self.last_seq} {self.last_hash[:12]}"


class AuditKeyEpoch(models.Model):
    """From which seq on the chain is sealed under which key (by the key's fingerprint, never the
    key). A new row is written by the first seal after AUDIT_CHAIN_KEY changes, so the key can be
    rotated (a suspected leak, an administrator leaving) and verify_audit still proves the rows
    sealed before under the retired key (AUDIT_CHAIN_RETIRED_KEYS). Append-only like the chain."""

    first_seq = models.BigIntegerField(_("起始链序号"), unique=True)
    fingerprint = models.CharField(_("密钥指纹"), max_length=16)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审计链密钥期")
        verbose_name_plural = _("审计链密钥期")
        ordering = ["first_seq"]

    def __str__(self) -> str:
        return f"{self.first_seq}: {self.fingerprint}"


class AuditArchive(models.Model):
    """A run of sealed audit rows exported by `archive_audit` to a JSON-lines file before they were
    deleted: what the chain continues from. `signature` is HMAC over the other fields under the
    chain key, so an archive record cannot be made up to excuse a gap."""

    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    first_seq = models.BigIntegerField(_("起始链序号"))
    last_seq = models.BigIntegerField(_("结束链序号"), unique=True)
    last_hash = models.CharField(_("结束链哈希"), max_length=64)
    row_count = models.PositiveIntegerField(_("条数"))
    before = models.DateTimeField(_("归档截止时间"))
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件 SHA-256"), max_length=64)
    signature = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计归档")
        verbose_name_plural = _("审计归档")
        ordering = ["first_seq"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.first_seq}–{self.last_seq})"
