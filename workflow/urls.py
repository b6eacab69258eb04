from django.urls import path

from workflow import views

app_name = "workflow"

urlpatterns = [
    path("", views.audit_list, name="audit-list"),
    path("export.csv", views.audit_export, name="audit-export"),
    path("move/<str:label>/<int:pk>/", views.move, name="move"),
]
