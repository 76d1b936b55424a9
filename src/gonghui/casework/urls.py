"""Officer routes of the casework and the reports, mounted at /rights/ beside the request pages
(the addresses they had inside the rights app)."""

from django.urls import path

from . import views

app_name = "casework"
urlpatterns: list = [
    path("supervision/", views.supervision, name="supervision"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
    path("satisfaction/export/", views.satisfaction_export, name="satisfaction_export"),
    path("<int:pk>/legal-aid/new/", views.legal_aid_new, name="legal_aid_new"),
    path("<int:pk>/mediation/new/", views.mediation_new, name="mediation_new"),
    path("<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("<int:pk>/rating/", views.rating_record, name="rating_record"),
    path("legal-aid/<int:case_id>/", views.legal_aid_edit, name="legal_aid_edit"),
    path("mediations/<int:mediation_id>/", views.mediation_edit, name="mediation_edit"),
    path("mediations/<int:mediation_id>/sessions/new/", views.mediation_session_new, name="mediation_session_new"),
    path("mediations/<int:mediation_id>/result/", views.mediation_result, name="mediation_result"),
]
