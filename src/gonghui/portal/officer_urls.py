from django.urls import path

from . import officer_views

app_name = "bindings"
urlpatterns = [
    path("", officer_views.queue, name="queue"),
    path("<int:request_id>/", officer_views.detail, name="detail"),
    path("members/<int:member_id>/", officer_views.member_account, name="member"),
]
