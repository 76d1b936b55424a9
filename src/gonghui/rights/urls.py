from django.urls import path

from . import views

app_name = "rights"
urlpatterns: list = [
    path("", views.request_list, name="list"),
    path("record/", views.record, name="record"),
    path("export/", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/upload/", views.upload, name="upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    *[path(f"<int:pk>/{action}/", views.act, {"action": action}, name=action) for action in views.ACTIONS],
]
