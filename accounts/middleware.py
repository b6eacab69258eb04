"""The 12-hour absolute session lifetime. The 30-minute idle limit is the session cookie's own
age, renewed on every request (SESSION_SAVE_EVERY_REQUEST)."""

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
