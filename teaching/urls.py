from django.urls import path

from teaching import views

app_name = "teaching"

urlpatterns = [
    path("", views.apprenticeship_list, name="list"),
    path("confirm/", views.confirm_queue, name="confirm-queue"),
    path("<int:pk>/", views.progress, name="progress"),
    path("<int:pk>/plan/", views.plan, name="plan"),
    path("<int:pk>/plan/submit/", views.plan_submit, name="plan-submit"),
    path("<int:pk>/plan/decide/", views.plan_decide, name="plan-decide"),
    path("<int:pk>/activities/", views.activity_list, name="activity-list"),
    path("<int:pk>/activities/new/", views.activity_create, name="activity-create"),
    path("activities/<int:activity_pk>/decide/", views.activity_decide, name="activity-decide"),
    path("activities/<int:activity_pk>/evidence/", views.activity_evidence, name="activity-evidence"),
    path("activities/batch/", views.activity_batch, name="activity-batch"),
    path("<int:pk>/graduation/", views.graduation, name="graduation"),
    path("<int:pk>/graduation/items/", views.graduation_item_add, name="graduation-item-add"),
    path("<int:pk>/graduation/submit/", views.graduation_submit, name="graduation-submit"),
    path("<int:pk>/graduation/early/", views.graduation_early, name="graduation-early"),
    path("<int:pk>/graduation/assess/", views.graduation_assess, name="graduation-assess"),
    path("<int:pk>/graduation/issue/", views.graduation_issue, name="graduation-issue"),
    path("graduation/items/<int:item_pk>/remove/", views.graduation_item_remove, name="graduation-item-remove"),
    path("graduation/items/<int:item_pk>/file/", views.graduation_item_file, name="graduation-item-file"),
]
