"""Every sign-in attempt, success or not, leaves an audit row (issue 2 §7)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import LoginSession
from accounts.passwords import remember_expiry
from accounts.services import login_session_start
from workflow.context import client_ip_from
from workflow.models import AuditEntry
from workflow.services import audit_record


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    ip = client_ip_from(request) if request is not None else None
    if request is not None and hasattr(request, "session"):
        request.session["signed_in_at"] = timezone.now().timestamp()
        remember_expiry(request, user)
        if request.session.session_key is None:
            request.session.save()
        login_session_start(
            user=user,
            session_key=request.session.session_key,
            ip=ip,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    audit_record(action=AuditEntry.Action.LOGIN, actor=user, ip=ip, obj=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    locked = bool(request is not None and getattr(request, "axes_locked_out", False))
    audit_record(
        action=AuditEntry.Action.LOGIN_FAILED,
        actor_label=str(username)[:150],
        reason="账号已锁定" if locked else "用户名或密码错误",
        outcome=AuditEntry.Outcome.DENIED if locked else AuditEntry.Outcome.FAILED,
        ip=client_ip_from(request) if request is not None else None,
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(
        action=AuditEntry.Action.LOGIN_FAILED,
        actor_label=str(username or "")[:150],
        reason=(
            "同一网络地址登录失败过多，该地址暂停登录 15 分钟"
            if getattr(request, "axes_locked_by", "") == "address"
            else "连续登录失败，账号被锁定 15 分钟"
        ),
        outcome=AuditEntry.Outcome.DENIED,
        ip=ip_address,
    )


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if request is not None and getattr(request, "session", None) is not None and request.session.session_key:
        LoginSession.objects.filter(session_key=request.session.session_key).delete()
    if user is not None:
        audit_record(
            action=AuditEntry.Action.LOGOUT,
            actor=user,
            obj=user,
            reason=getattr(request, "logout_reason", ""),
            ip=client_ip_from(request) if request is not None else None,
        )
