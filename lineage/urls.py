from django.urls import path

from lineage import views

app_name = "lineage"

urlpatterns = [
    # Public: verified links and the people they join.
    path("", views.index, name="index"),
    path("people/<int:pk>/", views.person, name="person"),
    path("path/", views.path_between, name="path"),
    # Staff: entering and verifying.
    path("manage/", views.manage, name="manage"),
    path("people/new/", views.person_create, name="person-create"),
    path("links/new/", views.link_create, name="link-create"),
    path("links/<int:pk>/", views.link_detail, name="link"),
    path("links/<int:pk>/citations/", views.citation_add, name="citation-add"),
    path("sources/<int:pk>/file/", views.source_file, name="source-file"),
]
