from django.urls import path

from . import views

app_name = "joining"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("batch-approve/", views.application_batch_approve, name="batch_approve"),
    path("<int:application_id>/", views.application_detail, name="detail"),
    path("<int:application_id>/approve/", views.application_approve, name="approve"),
    path("<int:application_id>/reject/", views.application_reject, name="reject"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/<int:request_id>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:request_id>/approve/", views.transfer_approve, name="transfer_approve"),
    path("transfers/<int:request_id>/reject/", views.transfer_reject, name="transfer_reject"),
    path("transfers/<int:request_id>/cancel/", views.transfer_cancel, name="transfer_cancel"),
    path("members/<int:member_id>/transfer/", views.transfer_new, name="transfer_new"),
    path("invites/<int:org_id>/", views.invite, name="invite"),
    path("invites/<int:org_id>/print/", views.invite_print, name="invite_print"),
    path("invites/<int:org_id>/regenerate/", views.invite_regenerate, name="invite_regenerate"),
    path("online-home/<int:org_id>/", views.online_home_open, name="online_home_open"),
    path("prompts/", views.prompt_list, name="prompts"),
    path("prompts/<int:prompt_id>/", views.prompt_detail, name="prompt"),
]
