"""Administrators sign in with two factors (issue 13 §15; 等保 2.0 level 3 "两种或两种以上组合的鉴别技术").

Who: superusers, anyone who can open the Django admin, and unit admins (单位管理员). The password is
the first step; the session is only made after the second: a time-based code (TOTP, RFC 6238) from
an authenticator app, or one of ten single-use recovery codes. A person who has no authenticator
yet binds one on first sign-in (QR code or key, then a code from it) and is shown the recovery
codes once. The devices are django-otp's (maintained, used by django-two-factor-auth): TOTP with
its built-in throttling (each failure doubles the wait) and static recovery tokens.

Until the second step succeeds, the session holds only "who typed the right password, when"; it
expires after five minutes or five wrong codes, and then the person signs in again.
"""

from __future__ import annotations

import time

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import LoginForm
from accounts.models import Membership
from workflow.context import client_ip_from
from workflow.models import AuditEntry
from workflow.services import audit_record

PENDING = "mfa_pending"
PENDING_SECONDS = 300
MAX_TRIES = 5
RECOVERY_CODES = 10
ISSUER = "传承平台"


def mfa_required(user) -> bool:
    """Superusers, Django-admin users and unit admins: the people who can change who may do what."""
    if user.is_superuser or user.is_staff:
        return True
    return Membership.objects.filter(user=user, role=Membership.Role.UNIT_ADMIN).exists()


def totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class LoginView(auth_views.LoginView):
    """The password step. For those who need a second factor it does not sign in: it remembers
    who passed and sends them on to the code."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def form_valid(self, form):
        user = form.get_user()
        if not mfa_required(user):
            return super().form_valid(form)
        # A new session key: whatever the anonymous session held before is not carried over.
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "tries": 0,
            "next": self.get_success_url(),
        }
        return redirect("accounts:mfa-verify" if totp_device(user) else "accounts:mfa-setup")


def _pending(request):
    """The person who passed the password step, or None if there is none or it expired."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS or pending["tries"] >= MAX_TRIES:
        request.session.pop(PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def _start_over(request):
    messages.error(request, _("登录已超时或动态口令错误次数过多，请重新输入用户名和密码。"))
    return redirect("accounts:login")


def _finish(request, user, pending, device):
    """Both factors passed: the session is made now."""
    request.session.pop(PENDING, None)
    auth_login(request, user, backend=pending["backend"])
    otp_login(request, device)
    target = pending.get("next") or settings.LOGIN_REDIRECT_URL
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = settings.LOGIN_REDIRECT_URL
    return target


def _failed(request, user, pending, what: str):
    pending["tries"] += 1
    request.session[PENDING] = pending
    audit_record(
        action=AuditEntry.Action.LOGIN_FAILED,
        actor_label=user.get_username(),
        obj=user,
        reason=what,
        outcome=AuditEntry.Outcome.FAILED,
        ip=client_ip_from(request),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("动态口令或恢复码"),
        max_length=16,
        error_messages={"required": gettext_lazy("动态口令或恢复码：必须填写")},
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def verify(request):
    user, pending = _pending(request)
    if user is None:
        return _start_over(request)
    if totp_device(user) is None:
        return redirect("accounts:mfa-setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _match(user, form.cleaned_data["code"])
        if device is not None:
            return redirect(_finish(request, user, pending, device))
        _failed(request, user, pending, "第二因素（动态口令）错误")
        if pending["tries"] >= MAX_TRIES:
            return _start_over(request)
        form.add_error(
            "code",
            _(
                "动态口令或恢复码：不正确或已过期。请输入验证器当前显示的 6 位数字，或一个未用过的恢复码（还可尝试 %(n)s 次）"
            )
            % {"n": MAX_TRIES - pending["tries"]},
        )
    return render(request, "accounts/mfa_verify.html", {"form": form, "person": user})


def _match(user, code: str):
    """The device that accepts the code: six digits are the authenticator's, anything else a
    recovery code. Each is asked on its own (django-otp advises against match_token): a TOTP code
    must not count as a failed recovery code, whose throttling would then lock the recovery path."""
    if code.isdigit() and len(code) == 6:
        device = totp_device(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None and device.verify_token(code):
        return device
    return None


def _qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#212529")


def _key_groups(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def setup(request):
    """First sign-in of someone who needs two factors: bind an authenticator, get recovery codes."""
    user, pending = _pending(request)
    if user is None:
        return _start_over(request)
    if totp_device(user) is not None:
        # Binding a new authenticator needs the old one: otherwise a stolen password would do.
        return redirect("accounts:mfa-verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=f"{ISSUER} {user.get_username()}", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_recovery_codes(user)
            target = _finish(request, user, pending, device)
            audit_record(
                action=AuditEntry.Action.CREATE,
                actor=user,
                obj=user,
                to_state="绑定动态口令",
                reason="首次登录绑定验证器，生成恢复码",
                ip=client_ip_from(request),
            )
            return render(request, "accounts/mfa_recovery.html", {"codes": codes, "next": target})
        _failed(request, user, pending, "绑定验证器时动态口令错误")
        if pending["tries"] >= MAX_TRIES:
            return _start_over(request)
        form.add_error("code", _("动态口令：不正确。请确认手机时间准确，输入验证器当前显示的 6 位数字"))
    return render(
        request,
        "accounts/mfa_setup.html",
        {"form": form, "person": user, "qr": _qr_svg(device), "key": _key_groups(device)},
    )


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
