from django.urls import path

from . import views

app_name = "medical_aid"
urlpatterns = [
    path("", views.plans, name="plans"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/open/", views.plan_open, name="plan_open"),
    path("plans/<int:pk>/close/", views.plan_close, name="plan_close"),
    path("plans/<int:pk>/preview/", views.payout_preview, name="preview"),
    path("plans/<int:pk>/enrolment/", views.enrolment, name="enrolment"),
    path("plans/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("plans/<int:pk>/enrol-one/", views.enrol_one, name="enrol_one"),
    path("plans/<int:pk>/figures/", views.figures, name="figures"),
    path("enrolments/<int:pk>/claim/", views.claim_new, name="claim_new"),
    path("enrolments/<int:pk>/cancel/", views.enrolment_cancel, name="enrolment_cancel"),
    path("jobs/<int:job_id>/", views.job_progress, name="job"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/review/", views.claim_review, name="claim_review"),
    path("claims/<int:pk>/approve/", views.claim_approve, name="claim_approve"),
    path("claims/<int:pk>/reject/", views.claim_reject, name="claim_reject"),
    path("claims/<int:pk>/return/", views.claim_return, name="claim_return"),
    path("claims/<int:pk>/pay/", views.claim_pay, name="claim_pay"),
    path("claims/<int:pk>/attach/", views.claim_attach, name="claim_attach"),
    path("claims/<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
