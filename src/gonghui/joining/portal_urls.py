from django.urls import path  # noqa: F401

app_name = "join_portal"
urlpatterns: list = []
