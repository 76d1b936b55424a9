from django.urls import path

from . import portal_views

app_name = "assistance_portal"
urlpatterns = [
    path("", portal_views.index, name="index"),
    path("apply/", portal_views.apply, name="apply"),
    path("<int:pk>/", portal_views.detail, name="detail"),
]
