from django.urls import include, path

app_name = "rights"
urlpatterns: list = [
    # Casework, follow-up, rating and the supervision/satisfaction pages (casework_urls.py).
    path("", include("gonghui.rights.casework_urls")),
]
