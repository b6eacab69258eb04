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

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"]),
            models.Index(fields=["actor", "created_at"]),
            models.Index(fields=["organization", "created_at"]),
            models.Index(fields=["action", "created_at"]),
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
