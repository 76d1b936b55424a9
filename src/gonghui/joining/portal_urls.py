from django.urls import path

from . import portal_views as views

app_name = "join_portal"
urlpatterns = [
    path("", views.start, name="start"),
    path("u/<str:code>/", views.invite, name="invite"),
    path("u/<str:code>/apply/", views.apply_invite, name="apply_invite"),
    path("org/<int:org_id>/", views.union, name="union"),
    path("org/<int:org_id>/apply/", views.apply_org, name="apply_org"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:application_id>/", views.application, name="application"),
    path("applications/<int:application_id>/done/", views.submitted, name="submitted"),
    path("applications/<int:application_id>/withdraw/", views.withdraw, name="withdraw"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/new/", views.transfer_new, name="transfer_new"),
    path("transfer-to/<int:org_id>/", views.transfer_to, name="transfer_to"),
    path("transfers/<int:request_id>/cancel/", views.transfer_cancel, name="transfer_cancel"),
]
