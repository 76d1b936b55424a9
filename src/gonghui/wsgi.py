import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
application = get_wsgi_application()

# The embedded default has no Celery beat: run periodic tasks in this process (jobs.periodic).
from gonghui.jobs.periodic import start_embedded_ticker  # noqa: E402

start_embedded_ticker()
