from django.urls import path

from evaluations import views, views_outcomes, views_pool

app_name = "evaluations"

urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("open/", views.evaluation_open, name="open"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/advance/", views.advance, name="advance"),
    path("<int:pk>/conclude/", views.conclude, name="conclude"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/efficacy/", views.efficacy_add, name="efficacy-add"),
    path("<int:pk>/follow-ups/", views.follow_up_add, name="follow-up-add"),
    path("<int:pk>/meetings/", views.meeting_add, name="meeting-add"),
    path("<int:pk>/promotion/", views_outcomes.promotion_add, name="promotion-add"),
    path("<int:pk>/pricing/", views_outcomes.pricing, name="pricing"),
    path("assignments/<int:pk>/", views.assignment_page, name="assignment"),
    path("assignments/<int:pk>/withdraw/", views.assignment_withdraw, name="assignment-withdraw"),
    path("assignments/<int:pk>/respond/", views.respond, name="respond"),
    path("assignments/<int:pk>/score/", views.score, name="score"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("mine/", views.queue, name="queue"),
    path("rubrics/", views.rubric_list, name="rubrics"),
    path("experts/", views_pool.expert_list, name="experts"),
    path("experts/new/", views_pool.expert_create, name="expert-create"),
    path("experts/<int:pk>/", views_pool.expert_detail, name="expert-detail"),
    path("experts/<int:pk>/relationships/", views_pool.relationship_add, name="relationship-add"),
    path("experts/<int:pk>/availability/", views_pool.availability, name="availability"),
    path("graded/", views_outcomes.graded, name="graded"),
    path("catalogue/", views_outcomes.promotion_catalogue, name="catalogue"),
    path("catalogue/<int:pk>/training/", views_outcomes.training_add, name="training-add"),
    path("training/<int:pk>/trainees/", views_outcomes.trainee_add, name="trainee-add"),
    path("trainees/<int:pk>/complete/", views_outcomes.trainee_complete, name="trainee-complete"),
    path("catalogue/<int:pk>/clinics/", views_outcomes.clinic_add, name="clinic-add"),
    path("pricing/export/", views_outcomes.pricing_export, name="pricing-export"),
    path("dashboard/", views_outcomes.dashboard, name="dashboard"),
]
