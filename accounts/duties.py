"""Separated duties for the platform's administrators (三权分立; issue 13 §16, 等保 2.0 level 3:
"应对系统管理员、审计管理员和安全管理员进行身份鉴别…只允许其通过特定的命令或操作界面进行…操作").

Three duties, one per account (a single field, so no account can hold two):

- the **system administrator** (系统管理员) runs the platform: units, regions, vocabularies, the
  records of every app in the Django admin, and people's basic details; cannot read or export the
  audit log and cannot grant roles;
- the **security administrator** (安全管理员) decides who may do what: roles (memberships), who is
  staff, API tokens, lock-outs, two-factor devices; cannot read the audit log;
- the **audit administrator** (审计管理员) reads and exports the audit log and the sign-in logs,
  and nothing else: cannot change an account.

The Django admin asks `admin_may()` for every model before Django's own permissions (superusers
included), and the platform's audit
pages let a superuser in only with the audit duty (accounts/permissions.py). Superuser status is
never edited in the admin; it is made on the command line for installation and break-glass use
(see _break_glass): such an account is kept sealed, and daily administration is done by the three
duty accounts.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Duty(models.TextChoices):
    SYSTEM = "system", _("系统管理员")
    SECURITY = "security", _("安全管理员")
    AUDIT = "audit", _("审计管理员")


# Django-admin models by the duty that handles them; any model not listed is the system's.
AUDIT_MODELS = frozenset({"workflow.auditentry", "workflow.auditarchive", "axes.accesslog", "axes.accessfailurelog"})
SECURITY_MODELS = frozenset(
    {
        "accounts.membership",
        "accounts.apitoken",
        "auth.group",
        "auth.permission",
        "axes.accessattempt",
        "otp_totp.totpdevice",
        "otp_static.staticdevice",
    }
)
# People: the system administrator keeps their details, the security administrator their powers.
SHARED_MODELS = frozenset({"accounts.user"})
# Fields of a person that grant power: only the security administrator edits them.
POWER_FIELDS = ("is_staff", "admin_duty", "groups", "user_permissions")


def duty_of(user) -> str:
    """The administrator's duty, or "" for anyone who is not an active administrator."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return ""
    return getattr(user, "admin_duty", "") or ""


def _break_glass(user) -> bool:
    """A superuser without a duty: the installation's own account, made on the command line,
    kept sealed for emergencies. It runs the platform and grants roles (what a system and a
    security administrator do), but it never reads the audit log, so even it cannot watch
    itself; its every step is in that log for the audit administrator."""
    return user.is_authenticated and user.is_active and user.is_superuser and not getattr(user, "admin_duty", "")


def admin_may(user, label: str, action: str) -> bool:
    """May this administrator do `action` (view, add, change, delete) to model `label` in the admin?"""
    duty = duty_of(user)
    if _break_glass(user):
        return label not in AUDIT_MODELS
    if not duty:
        return False
    if label in AUDIT_MODELS:
        return duty == Duty.AUDIT and action == "view"
    if label in SECURITY_MODELS:
        return duty == Duty.SECURITY
    if label in SHARED_MODELS:
        return duty == Duty.SYSTEM or (duty == Duty.SECURITY and action in ("view", "change"))
    return duty == Duty.SYSTEM


def enforce(site) -> None:
    """Puts admin_may() in front of every ModelAdmin registered on `site` (called from the URL
    configuration, after every app has registered its admin)."""
    for model, model_admin in site._registry.items():
        _guard(model_admin, model._meta.label_lower)
    original = site.has_permission

    def has_permission(request):
        return original(request) and (bool(duty_of(request.user)) or _break_glass(request.user))

    site.has_permission = has_permission


def _guard(model_admin, label: str) -> None:
    if getattr(model_admin, "_duty_guarded", False):
        return
    for action in ("view", "add", "change", "delete"):
        name = f"has_{action}_permission"
        original = getattr(model_admin, name)

        def guarded(request, *args, _original=original, _action=action, **kwargs):
            return admin_may(request.user, label, _action) and _original(request, *args, **kwargs)

        setattr(model_admin, name, guarded)
    original_module = model_admin.has_module_permission

    def has_module_permission(request, _original=original_module):
        return any(admin_may(request.user, label, a) for a in ("view", "change")) and _original(request)

    model_admin.has_module_permission = has_module_permission
    model_admin._duty_guarded = True


class DutyBackend:
    """Model permissions in the Django admin come from the administrator's duty, not from
    hand-kept permission lists: `user.has_perm("workflow.view_auditentry")` is true for the audit
    administrator and for nobody else. Listed in AUTHENTICATION_BACKENDS; it authenticates no one."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user, perm: str, obj=None) -> bool:
        app_label, _, codename = perm.partition(".")
        action, _, model = codename.partition("_")
        if action not in ("view", "add", "change", "delete") or not model:
            return False
        return admin_may(user, f"{app_label}.{model}", action)

    def has_module_perms(self, user, app_label: str) -> bool:
        return bool(duty_of(user)) or _break_glass(user)
