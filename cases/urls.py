from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("import/", views.import_upload, name="import"),
    path("analyses/new/", views.analysis_create, name="analysis-create"),
    path("analyses/<int:pk>/", views.analysis_detail, name="analysis-detail"),
    path("analyses/<int:pk>/rerun/", views.analysis_rerun, name="analysis-rerun"),
    path("analyses/<int:pk>/export.xlsx", views.analysis_export, name="analysis-export"),
]
