"""URLs of the spreadsheet channel (template download, import upload, list export)."""

from django.urls import path

from techniques import views_spreadsheet

urlpatterns = [
    path("import/", views_spreadsheet.import_upload, name="import"),
    path("import/template.xlsx", views_spreadsheet.template_download, name="template"),
    path("import/<int:pk>/", views_spreadsheet.import_result, name="import-result"),
    path("import/<int:pk>/errors.xlsx", views_spreadsheet.import_errors, name="import-errors"),
    path("export.xlsx", views_spreadsheet.export, name="export"),
]
