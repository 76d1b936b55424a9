from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("legal/agreement/", views.agreement_view, name="agreement"),
    path("legal/privacy/", views.notice_view, name="notice"),
    path("my-data/", views.my_data_view, name="my_data"),
    path("my-data/download/", views.my_data_download_view, name="my_data_download"),
    path("my-data/consents/<int:consent_id>/withdraw/", views.consent_withdraw_view, name="consent_withdraw"),
    path("legal/accept/", views.consent_renew_view, name="consent"),
]
