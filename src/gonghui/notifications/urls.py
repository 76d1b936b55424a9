from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("<int:pk>/", views.open_view, name="open"),
    path("read-all/", views.read_all_view, name="read_all"),
]
