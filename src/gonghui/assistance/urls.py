from django.urls import path

from . import views

app_name = "assistance"
urlpatterns = [
    path("", views.file_list, name="list"),
    path("new/", views.file_create, name="create"),
    path("<int:pk>/", views.file_detail, name="detail"),
    path("<int:pk>/edit/", views.file_edit, name="edit"),
    path("<int:pk>/reverify/", views.file_reverify, name="reverify"),
    path("<int:pk>/photos/<int:photo_pk>/", views.visit_photo, name="photo"),
    path(
        "<int:pk>/<str:action>/",
        views.file_action,
        name="action",
    ),
    path("pairings/<int:pk>/visit/", views.pairing_visit, name="pairing_visit"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("standards/", views.standards, name="standards"),
    path("standards/<int:pk>/", views.standards, name="standard_edit"),
    path("figures/", views.figures, name="figures"),
]
