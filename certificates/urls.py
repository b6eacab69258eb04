from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    # Public: printed in every certificate's QR code; the key lets anyone check a code offline.
    path("verify/", views.verify_lookup, name="verify-lookup"),
    path("verify/key/", views.verify_key, name="verify-key"),
    path("verify/<str:number>/", views.verify, name="verify"),
    path("certificates/", views.certificate_list, name="certificate-list"),
    path("certificates/<str:number>/", views.certificate_detail, name="certificate-detail"),
    path("certificates/<str:number>/pdf/", views.certificate_pdf, name="certificate-pdf"),
    path("certificates/<str:number>/revoke/", views.certificate_revoke, name="certificate-revoke"),
]
