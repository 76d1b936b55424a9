"""The worker's casework route (online rating), mounted at /m/requests/ beside the request pages."""

from django.urls import path

from . import views

app_name = "casework_portal"
urlpatterns: list = [
    path("<int:pk>/rate/", views.portal_rate, name="rate"),
]
