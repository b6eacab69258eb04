from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("new/", views.case_create, name="case-create"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/visits/new/", views.visit_add, name="visit-add"),
    path("import/", views.import_upload, name="import"),
    path("herbs/", views.herb_queue, name="herb-queue"),
    path("analyses/new/", views.analysis_create, name="analysis-create"),
    path("analyses/<int:pk>/", views.analysis_detail, name="analysis-detail"),
    path("analyses/<int:pk>/rerun/", views.analysis_rerun, name="analysis-rerun"),
    path("analyses/<int:pk>/export.xlsx", views.analysis_export, name="analysis-export"),
    path("analyses/<int:pk>/protocol/", views.protocol_create, name="protocol-create"),
    path("fidelity/<int:apprenticeship>/", views.fidelity, name="fidelity"),
    path("protocols/", views.protocol_list, name="protocol-list"),
    path("protocols/<int:pk>/", views.protocol_detail, name="protocol-detail"),
    path("protocols/<int:pk>/edit/", views.protocol_edit, name="protocol-edit"),
    path("protocols/<int:pk>/advance/", views.protocol_advance, name="protocol-advance"),
]
