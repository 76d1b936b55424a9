from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from .api import api
from .views import calendar_entry, home

urlpatterns = [
    # The API first: its requests (the busiest, from apps and other systems) resolve at once.
    path("api/v1/", api.urls),
    path("", home, name="home"),
    path("calendar/", calendar_entry, name="calendar_entry"),
    path("accounts/", include("gonghui.accounts.urls")),
    path("orgs/", include("gonghui.orgs.urls")),
    path("members/", include("gonghui.members.urls")),
    path("jobs/", include("gonghui.jobs.urls")),
    path("notifications/", include("gonghui.notifications.urls")),
    path("joining/", include("gonghui.joining.urls")),
    path("bindings/", include("gonghui.portal.officer_urls")),
    path("rights/", include("gonghui.rights.urls")),
    path("rights/", include("gonghui.casework.urls")),  # legal aid, mediation, follow-up, reports
    path("assistance/", include("gonghui.assistance.urls")),
    path("campaigns/", include("gonghui.campaigns.urls")),
    path("medical-aid/", include("gonghui.medical_aid.urls")),
    path("search/", include("gonghui.search.urls")),
    path("print/", include("gonghui.printing.urls")),
    # Workers' pages (phone first).
    path("m/join/", include("gonghui.joining.portal_urls")),
    path("m/requests/", include("gonghui.rights.portal_urls")),
    path("m/requests/", include("gonghui.casework.portal_urls")),
    path("m/assistance/", include("gonghui.assistance.portal_urls")),
    path("m/medical-aid/", include("gonghui.medical_aid.portal_urls")),
    path("m/", include("gonghui.privacy.urls")),
    path("m/", include("gonghui.portal.urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages without an icon link (the Django admin).
    path("favicon.ico", RedirectView.as_view(url=static("gonghui/favicon.svg"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
]
if settings.GONGHUI_BENCH_ENDPOINTS:
    from .core.bench_views import ping

    # First, as the API is: the baseline resolves as fast as the endpoints measured against it.
    urlpatterns.insert(0, path("bench/ping", ping, name="bench-ping"))
