from django.urls import path

from . import portal_views

app_name = "medical_aid_portal"
urlpatterns = [
    path("", portal_views.home, name="home"),
    path("claims/new/", portal_views.claim_new, name="claim_new"),
    path("claims/<int:pk>/", portal_views.claim_detail, name="claim"),
    path("claims/<int:pk>/resubmit/", portal_views.claim_resubmit, name="claim_resubmit"),
    path("claims/<int:pk>/attach/", portal_views.claim_attach, name="claim_attach"),
    path("claims/<int:pk>/attachments/<int:attachment_id>/", portal_views.attachment, name="attachment"),
]
