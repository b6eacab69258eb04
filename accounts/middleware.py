"""The 12-hour absolute session lifetime (the 30-minute idle limit is the session cookie's own
age, renewed on every request: SESSION_SAVE_EVERY_REQUEST), and expired staff passwords."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            signed_in_at = request.session.get("signed_in_at")
            if signed_in_at is None:
                request.session["signed_in_at"] = time.time()
            elif time.time() - float(signed_in_at) > settings.SESSION_ABSOLUTE_LIFETIME:
                request.logout_reason = "会话超过 12 小时，自动退出"
                logout(request)
                messages.info(request, _("为保障账号安全，登录已超过 12 小时，请重新登录。"))
        return self.get_response(request)


class PasswordExpiryMiddleware:
    """A staff or admin person whose password has expired is sent to the change-password page, and
    kept there, until they change it (issue 13 §10, accounts/passwords.py)."""

    ALLOWED = ("accounts:password-change", "accounts:password-change-done", "accounts:logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import JsonResponse
        from django.shortcuts import redirect
        from django.urls import reverse

        from accounts.passwords import password_expired

        if request.user.is_authenticated and password_expired(request):
            allowed = {reverse(name) for name in self.ALLOWED}
            path = request.path_info
            if path not in allowed and not path.startswith((settings.STATIC_URL, "/i18n/")):
                message = _("您的密码已超过 %(days)d 天未修改，请先修改密码。") % {
                    "days": settings.PASSWORD_MAX_AGE_DAYS
                }
                if path.startswith("/api/"):
                    return JsonResponse({"detail": message}, status=403)
                messages.warning(request, message)
                return redirect("accounts:password-change")
        return self.get_response(request)
