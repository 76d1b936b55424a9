from django.urls import path

from . import portal_views

app_name = "rights_portal"
urlpatterns: list = [
    path("", portal_views.request_list, name="list"),
    path("new/", portal_views.new, name="new"),
    path("track/", portal_views.track, name="track"),
    path("<int:pk>/", portal_views.detail, name="detail"),
    path("<int:pk>/message/", portal_views.message, name="message"),
    path("<int:pk>/reopen/", portal_views.reopen, name="reopen"),
    path("<int:pk>/withdraw/", portal_views.withdraw, name="withdraw"),
    path("<int:pk>/upload/", portal_views.upload, name="upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", portal_views.attachment, name="attachment"),
]
