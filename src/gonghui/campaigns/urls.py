from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns: list = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("figures/", views.overview, name="overview"),
    path("grants/", views.grant_list, name="grants"),
    path("grants/batch-pay/", views.grant_batch_pay, name="grant_batch_pay"),
    path("grants/<int:pk>/", views.grant_detail, name="grant"),
    path("grants/<int:pk>/voucher/", views.grant_voucher, name="voucher"),
    *[
        path(f"grants/<int:pk>/{action}/", views.grant_act, {"action": action}, name=f"grant_{action}")
        for action in views.GRANT_ACTIONS
    ],
    path("allocations/<int:pk>/approve/", views.allocation_approve, name="allocation_approve"),
    path("allocations/<int:pk>/edit/", views.allocation_edit, name="allocation_edit"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/open/", views.campaign_transition, {"action": "open"}, name="open"),
    path("<int:pk>/close/", views.campaign_transition, {"action": "close"}, name="close"),
    path("<int:pk>/allocate/", views.allocation_create, name="allocate"),
    path("<int:pk>/propose/", views.grant_propose, name="propose"),
    path("<int:pk>/propose/files/", views.grant_propose_files, name="propose_files"),
    path("<int:pk>/dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/roll.xlsx", views.roll, name="roll"),
]
