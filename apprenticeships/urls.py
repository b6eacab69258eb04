from django.urls import path

from apprenticeships import views, views_import

app_name = "apprenticeships"

urlpatterns = [
    # Applications (APP-1) and their review (APP-3).
    path("", views.application_list, name="application-list"),
    path("apply/", views.application_create, name="application-create"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application-edit"),
    path("applications/<int:pk>/documents/", views.document_add, name="document-add"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application-submit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application-withdraw"),
    path("applications/<int:pk>/exemption/", views.exemption_decide, name="exemption-decide"),
    path("applications/<int:pk>/vet/", views.application_vet, name="application-vet"),
    path("applications/<int:pk>/decide/", views.application_decide, name="application-decide"),
    path("applications/<int:pk>/propose/", views.match_propose, name="match-propose"),
    path("applications/<int:pk>/intention/", views.intention_change, name="intention-change"),
    path("documents/<int:pk>/", views.document_download, name="document-download"),
    path("review/", views.review_queue, name="review-queue"),
    path("review/batch/", views.review_batch, name="review-batch"),
    # The batch channel of an organizing unit (000 §四(一) 由承办单位统一组织办理).
    path("import/", views_import.application_import, name="application-import"),
    path("import/template/", views_import.import_template, name="import-template"),
    # Matching and the contract (APP-4).
    path("matches/<int:pk>/", views.match_detail, name="match-detail"),
    path("matches/<int:pk>/decide/", views.match_decide, name="match-decide"),
    path("matches/<int:pk>/sign/", views.match_sign, name="match-sign"),
    path("matches/<int:pk>/contract/", views.match_contract, name="match-contract"),
    path("signatures/<int:pk>/scan/", views.signature_scan, name="signature-scan"),
    path("relationships/", views.apprenticeship_list, name="apprenticeship-list"),
    path("relationships/<int:pk>/", views.apprenticeship_detail, name="apprenticeship-detail"),
]
