from django.urls import path

from masters import views

app_name = "masters"

urlpatterns = [
    # The public directory of certified masters.
    path("", views.directory, name="directory"),
    path("<int:pk>/", views.profile, name="profile"),
    # Applications and their review.
    path("apply/", views.application_create, name="application-create"),
    path("applications/", views.application_list, name="application-list"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application-edit"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application-submit"),
    path("applications/<int:pk>/advance/", views.application_advance, name="application-advance"),
    path("applications/<int:pk>/exemption/", views.exemption_decide, name="exemption-decide"),
    path("review/", views.review_queue, name="review-queue"),
    # Materials (MST-4): managed by the master, public once published.
    path("<int:pk>/materials/", views.material_list, name="material-list"),
    path("materials/<int:pk>/file/", views.material_file, name="material-file"),
    path("materials/<int:pk>/publish/", views.material_publish, name="material-publish"),
    path("materials/<int:pk>/remove/", views.material_remove, name="material-remove"),
    path("materials/<int:pk>/partners/", views.partner_add, name="partner-add"),
]
