from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("export/", views.export, name="export"),
    path("new/", views.create, name="create"),
    path("import/", views.import_upload, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("<int:member_id>/", views.detail, name="detail"),
    path("<int:member_id>/reveal-id/", views.reveal_id, name="reveal_id"),
    path("<int:member_id>/edit/", views.edit, name="edit"),
    path("<int:member_id>/transfer/", views.transfer, name="transfer"),
    path("<int:member_id>/status/", views.change_status, name="status"),
]
