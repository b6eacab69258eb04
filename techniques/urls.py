from django.urls import include, path

from techniques import views, views_duplicates, views_files, views_protection, views_research

app_name = "techniques"

urlpatterns = [
    # The public catalogue of published techniques.
    path("", views.public_list, name="public-list"),
    path("<int:pk>/", views.public_detail, name="public-detail"),
    # Declarations and the staff database.
    path("declare/", views.declaration_create, name="declaration-create"),
    path("manage/", views.manage_list, name="manage-list"),
    path("manage/<int:pk>/", views.manage_detail, name="manage-detail"),
    path("manage/<int:pk>/edit/", views.declaration_edit, name="declaration-edit"),
    path("manage/<int:pk>/submit/", views.declaration_submit, name="declaration-submit"),
    path("manage/<int:pk>/advance/", views.technique_advance, name="technique-advance"),
    path("manage/<int:pk>/protection/", views_protection.protection_add, name="protection-add"),
    path("manage/<int:pk>/consent/", views_protection.consent_add, name="consent-add"),
    path("manage/<int:pk>/classify/", views_protection.classify, name="classify"),
    path("manage/<int:pk>/files/", views_protection.file_add, name="file-add"),
    path("manage/<int:pk>/procedure/", views_protection.procedure_add, name="procedure-add"),
    # Possible duplicates: merge one declaration into another, or close a flag as not a duplicate.
    path("manage/<int:pk>/merge/", views_duplicates.merge, name="merge"),
    path("flags/<int:pk>/dismiss/", views_duplicates.flag_dismiss, name="flag-dismiss"),
    # The files of a technique, one view per kind, each checked as the technique's page is.
    path("manage/<int:pk>/scan/", views_files.scanned_original, name="scanned-original"),
    path("files/<int:pk>/", views_files.technique_file, name="file"),
    path("protections/<int:pk>/document/", views_files.protection_document, name="protection-document"),
    path("consents/<int:pk>/document/", views_files.consent_document, name="consent-document"),
    path("procedures/<int:pk>/document/", views_files.procedure_document, name="procedure-document"),
    path("terms/suggest/", views.term_suggest, name="term-suggest"),
    path("vocabularies/", views.vocabulary_list, name="vocabulary-list"),
    path("vocabularies/<int:pk>/rename/", views.term_rename, name="term-rename"),
    path("dashboard/", views.dashboard, name="dashboard"),
    # Research projects linked to techniques (PRO-5).
    path("research/", views_research.project_list, name="research-list"),
    path("research/new/", views_research.project_create, name="research-create"),
    path("research/<int:pk>/", views_research.project_detail, name="research-detail"),
    path("research/<int:pk>/edit/", views_research.project_edit, name="research-edit"),
    path("research/link/", views_research.project_link, name="research-link"),
    path("research/unlink/", views_research.project_unlink, name="research-unlink"),
    # The spreadsheet channel: template, import, export (techniques/urls_spreadsheet.py).
    path("", include("techniques.urls_spreadsheet")),
]
