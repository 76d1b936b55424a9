from django.urls import path

from . import views

app_name = "printing"
urlpatterns = [
    path("joining/<int:application_id>/application.pdf", views.join_application, name="join_application"),
    path("members/<int:member_id>/application.pdf", views.member_application, name="member_application"),
    path("members/<int:member_id>/registration.pdf", views.member_registration, name="member_registration"),
    path("grants/<int:pk>/approval.pdf", views.grant_approval, name="grant_approval"),
    path("campaigns/<int:pk>/payments.pdf", views.campaign_payments, name="campaign_payments"),
    path("rights/<int:pk>/record.pdf", views.rights_record, name="rights_record"),
]
