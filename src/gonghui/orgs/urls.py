from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("autocomplete/", views.autocomplete, name="autocomplete"),
    path("region-name/", views.region_name, name="region_name"),
    path("<int:org_id>/", views.detail, name="detail"),
    path("<int:org_id>/children/", views.children, name="children"),
    path("<int:org_id>/new/", views.create, name="create"),
    path("<int:org_id>/edit/", views.edit, name="edit"),
    path("<int:org_id>/move/", views.move, name="move"),
    path("<int:org_id>/deactivate/", views.deactivate, name="deactivate"),
]
