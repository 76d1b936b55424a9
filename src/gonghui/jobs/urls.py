from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<int:job_id>/", views.detail, name="detail"),
    path("<int:job_id>/progress/", views.progress, name="progress"),
    path("<int:job_id>/report/", views.report, name="report"),
    path("<int:job_id>/bad-rows/", views.bad_rows, name="bad_rows"),
]
