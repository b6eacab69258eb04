from django.contrib import admin
from django.urls import include, path

from accounts import duties
from chuancheng.api import api

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

admin.site.site_header = "传承平台 · 系统管理"
# Separated duties (三权分立): every model's admin asks the administrator's duty first.
duties.enforce(admin.site)
admin.site.site_title = "传承平台"

urlpatterns = [
    path("", include("portal.urls")),
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
    path("lineage/", include("lineage.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
