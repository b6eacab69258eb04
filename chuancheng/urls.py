from django.contrib import admin
from django.urls import include, path

from accounts import mfa
from chuancheng.api import api

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

admin.site.site_header = "传承平台 · 系统管理"
admin.site.site_title = "传承平台"

urlpatterns = [
    path("", include("portal.urls")),
    # The password step that hands administrators on to their second factor (accounts/mfa.py);
    # listed before accounts.urls so that it answers /accounts/login/.
    path("accounts/login/", mfa.LoginView.as_view(), name="mfa-login"),
    path("accounts/mfa/", mfa.verify, name="mfa-verify"),
    path("accounts/mfa/setup/", mfa.setup, name="mfa-setup"),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("workflow.urls")),
    path("jobs/", include("jobs.urls")),
    path("techniques/", include("techniques.urls")),
    path("masters/", include("masters.urls")),
    path("cases/", include("cases.urls")),
    path("notifications/", include("notifications.urls")),
    # Certificates own /verify/<number>/ (printed in every QR code) as well as /certificates/.
    path("", include("certificates.urls")),
    path("apprenticeships/", include("apprenticeships.urls")),
    path("teaching/", include("teaching.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
