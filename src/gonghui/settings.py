"""Settings, all from the environment (see README "Configuration").

The embedded default needs nothing: SQLite in the data dir, generated secret and PII keys,
jobs in a background thread. Production sets GONGHUI_PRODUCTION=1 and must then provide
GONGHUI_SECRET_KEY, GONGHUI_PII_KEY and DATABASE_URL.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = _env_bool("GONGHUI_PRODUCTION")
DATA_DIR = Path(os.environ.get("GONGHUI_DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _key_from_env_or_file(env_name: str, filename: str) -> str:
    """A key from the environment; in the embedded default, generated once into the data dir."""
    value = os.environ.get(env_name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{env_name} must be set when GONGHUI_PRODUCTION=1")
    path = DATA_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _key_from_env_or_file("GONGHUI_SECRET_KEY", "secret.key")
PII_KEY = _key_from_env_or_file("GONGHUI_PII_KEY", "pii.key")

DEBUG = _env_bool("GONGHUI_DEBUG", default=False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("GONGHUI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("GONGHUI_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "gonghui.core",
    "gonghui.accounts",
    "gonghui.orgs",
    "gonghui.members",
    "gonghui.stats",
    "gonghui.jobs",
    "gonghui.notifications",
    "gonghui.portal",
    "gonghui.joining",
    "gonghui.rights",
    "gonghui.casework",
    "gonghui.assistance",
    "gonghui.campaigns",
    "gonghui.medical_aid",
    "gonghui.privacy",
    "gonghui.printing",
    "gonghui.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "gonghui.core.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "gonghui.urls"
WSGI_APPLICATION = "gonghui.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gonghui.context_processors.permissions",
                "gonghui.context_processors.portal",
                "gonghui.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'gonghui.sqlite3'}"),
        conn_max_age=int(os.environ.get("GONGHUI_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the page keep reading while a background import writes; IMMEDIATE avoids
    # "database is locked" upgrades from read to write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
    }

# Optional streaming replica for reports and dashboards (gonghui.core.dbrouter.use_replica()).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=int(os.environ.get("GONGHUI_DB_CONN_MAX_AGE", "60"))
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}

# The hottest reads are prepared once per connection on PostgreSQL (gonghui.core.fastsql); off
# (GONGHUI_DB_PREPARE=0) for a pooler without prepared-statement support. Their best plan never
# depends on the values (a key; a union's newest rows from its index), so they are planned once
# as well: left to choose, PostgreSQL re-planned a roll page on every execution, a fifth of its
# time. Django's own queries are never prepared, so no other plan is affected.
GONGHUI_DB_PREPARE = _env_bool("GONGHUI_DB_PREPARE", default=True)
for _database in DATABASES.values():
    if GONGHUI_DB_PREPARE and _database["ENGINE"] == "django.db.backends.postgresql":
        _options = _database.setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()

DATABASE_ROUTERS = ["gonghui.core.dbrouter.ReplicaRouter"]

# /bench/ping (a bare JSON view, the HTTP benchmark's baseline); off unless benchmarking.
GONGHUI_BENCH_ENDPOINTS = _env_bool("GONGHUI_BENCH_ENDPOINTS")
# The Chinese font embedded in printed forms (gonghui.printing): a TrueType .ttf or .ttc file.
# Empty: 文泉驿微米黑 from the Debian package fonts-wqy-microhei.
GONGHUI_PDF_FONT = os.environ.get("GONGHUI_PDF_FONT", "")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise expects it even before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "gonghui.core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Redis is a cache and a broker, never a single point of failure (core.cache): a healthy Redis
# answers in well under a millisecond, so a call that waits longer than these seconds finds it
# away and answers as a miss; after a failure, Redis is tried again only every RETRY seconds.
GONGHUI_REDIS_CONNECT_TIMEOUT = float(os.environ.get("GONGHUI_REDIS_CONNECT_TIMEOUT", "0.25"))
GONGHUI_REDIS_TIMEOUT = float(os.environ.get("GONGHUI_REDIS_TIMEOUT", "0.5"))
GONGHUI_REDIS_RETRY_SECONDS = float(os.environ.get("GONGHUI_REDIS_RETRY_SECONDS", "5"))

# Background jobs: Celery over Redis when REDIS_URL is set; "thread" runs them in a
# background thread of the serving process (embedded default); "inline" runs them at once
# (tests, CLI).
GONGHUI_JOB_RUNNER = os.environ.get("GONGHUI_JOB_RUNNER", "celery" if REDIS_URL else "thread")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Queuing a job must not hang a request on a hung broker: a job that cannot be queued stays
# "queued" in the database and the periodic task "dispatch_waiting_jobs" queues it again.
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1.0, "socket_timeout": 2.0}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
# Security headers and HTTPS (docs/operations.md "Security headers and privacy (PIPL)").
# Content-Security-Policy (django-csp): scripts only from our own static files (no inline code, no
# eval; a page that truly needs an inline script marks it with {{ request.csp_nonce }}). <style>
# elements likewise; style *attributes* are allowed (style-src-attr): progress widths and chart
# heights are set server-side, and Bootstrap, htmx and ECharts set them from script. An attribute
# cannot load anything img-src does not allow and cannot read the page (CSS-selector exfiltration
# needs a <style> element), and the templates escape every value they put there.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
GONGHUI_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],  # for browsers without the two below (pre-2022)
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],  # Bootstrap's icons and the QR codes are data: URIs
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"report-uri": [os.environ["GONGHUI_CSP_REPORT_URI"]]} if os.environ.get("GONGHUI_CSP_REPORT_URI") else {}),
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # HTTPS only; GONGHUI_HSTS_SECONDS=0 turns HSTS off (e.g. while trying a new host name).
    SECURE_SSL_REDIRECT = _env_bool("GONGHUI_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("GONGHUI_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("GONGHUI_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = False  # preloading is a commitment for the whole domain: the operator's choice
    # Believe X-Forwarded-Proto only from a trusted proxy in front (which must set, not pass on, the
    # header): without one, any client could claim https and the redirect and secure cookies break.
    if int(os.environ.get("GONGHUI_TRUSTED_PROXIES", "0")) > 0:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = os.environ.get("GONGHUI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("GONGHUI_FROM_EMAIL", "gonghui@localhost")
# With GONGHUI_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend:
EMAIL_HOST = os.environ.get("GONGHUI_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("GONGHUI_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("GONGHUI_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("GONGHUI_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("GONGHUI_EMAIL_USE_TLS")
EMAIL_USE_SSL = _env_bool("GONGHUI_EMAIL_USE_SSL")
# Text messages (core.sms): a gateway class; the console backend logs them (development, demo).
GONGHUI_SMS_BACKEND = os.environ.get("GONGHUI_SMS_BACKEND", "gonghui.core.sms.ConsoleBackend")
GONGHUI_SMS_SIGNATURE = os.environ.get("GONGHUI_SMS_SIGNATURE", "工会")
# Absolute links in e-mail and SMS, and in the member card's QR code.
GONGHUI_SITE_URL = os.environ.get("GONGHUI_SITE_URL", "http://127.0.0.1:8000")
# Periodic tasks (jobs.periodic) in a thread of the serving process when there is no Celery beat.
GONGHUI_PERIODIC_IN_PROCESS = _env_bool("GONGHUI_PERIODIC_IN_PROCESS", default=True)

# API tokens: how long a token → account lookup is cached (a revocation clears it at once in this
# process, and with Redis in every process — over pub/sub, see core.localcache; without Redis other
# processes' caches within this many seconds).
GONGHUI_TOKEN_CACHE_SECONDS = int(os.environ.get("GONGHUI_TOKEN_CACHE_SECONDS", "10"))
# API tokens expire this many days after they are issued (then they answer 401 like a revoked one).
GONGHUI_API_TOKEN_TTL_DAYS = int(os.environ.get("GONGHUI_API_TOKEN_TTL_DAYS", "90"))

# Two-factor sign-in (TOTP, django-otp) is required for officer accounts holding any of these
# (comma-separated in the environment): "admin" (the admin role, and superusers), "reveal" (the
# right to see full ID numbers and phones: admins and officers), "assistance" (the hardship and
# health data right). Others may turn it on for themselves. Empty: optional for everyone.
GONGHUI_2FA_REQUIRED_FOR = [
    part.strip()
    for part in os.environ.get("GONGHUI_2FA_REQUIRED_FOR", "admin,reveal,assistance").split(",")
    if part.strip()
]
# Minutes between the password step and the code step before the password must be typed again.
GONGHUI_2FA_PENDING_MINUTES = int(os.environ.get("GONGHUI_2FA_PENDING_MINUTES", "5"))
# The name authenticator apps show beside the account; throttling of wrong codes (django-otp:
# after n failures the next try waits factor × 2^(n-1) seconds).
OTP_TOTP_ISSUER = os.environ.get("GONGHUI_2FA_ISSUER", "工会网上工作平台")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Reverse proxies in front of the app that append to X-Forwarded-For (nginx: 1). With 0 the client
# address (audit records, per-IP limits) is REMOTE_ADDR: behind a proxy every caller would share it.
GONGHUI_TRUSTED_PROXIES = int(os.environ.get("GONGHUI_TRUSTED_PROXIES", "0"))

# Login lockout: this many failures within the window lock the account for the window.
GONGHUI_LOGIN_MAX_FAILURES = int(os.environ.get("GONGHUI_LOGIN_MAX_FAILURES", "5"))
GONGHUI_LOGIN_LOCK_MINUTES = int(os.environ.get("GONGHUI_LOGIN_LOCK_MINUTES", "15"))
# Sign-in tries from one address per lock window (a shared office NAT signs in many officers;
# a good sign-in gives its try back).
GONGHUI_LOGIN_MAX_PER_IP = int(os.environ.get("GONGHUI_LOGIN_MAX_PER_IP", "50"))
# Evidence attached to rights requests: size of one file and files per request.
GONGHUI_RIGHTS_ATTACHMENT_MAX_BYTES = int(os.environ.get("GONGHUI_RIGHTS_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
GONGHUI_RIGHTS_MAX_ATTACHMENTS = int(os.environ.get("GONGHUI_RIGHTS_MAX_ATTACHMENTS", "10"))
# How far back an officer may date a 12351 call or a visit typed in later (its deadlines count from then).
GONGHUI_RECEIVED_AT_MAX_DAYS_BACK = int(os.environ.get("GONGHUI_RECEIVED_AT_MAX_DAYS_BACK", "30"))
GONGHUI_IMPORT_MAX_BYTES = int(os.environ.get("GONGHUI_IMPORT_MAX_BYTES", str(200 * 1024 * 1024)))
# Spreadsheet uploads (core.spreadsheets), checked before anything parses them. Defaults sized for a
# roll of 1,000,000 rows × 20 columns (docs/operations.md, "Uploads and background jobs that cannot hurt").
GONGHUI_UPLOAD_MAX_XML_BYTES = int(os.environ.get("GONGHUI_UPLOAD_MAX_XML_BYTES", str(2048 * 1024 * 1024)))
GONGHUI_UPLOAD_MAX_PART_BYTES = int(os.environ.get("GONGHUI_UPLOAD_MAX_PART_BYTES", str(1536 * 1024 * 1024)))
GONGHUI_UPLOAD_MAX_RATIO = int(os.environ.get("GONGHUI_UPLOAD_MAX_RATIO", "100"))
GONGHUI_UPLOAD_MAX_PARTS = int(os.environ.get("GONGHUI_UPLOAD_MAX_PARTS", "1000"))
GONGHUI_UPLOAD_MAX_ROWS = int(os.environ.get("GONGHUI_UPLOAD_MAX_ROWS", "1048576"))
GONGHUI_UPLOAD_MAX_COLUMNS = int(os.environ.get("GONGHUI_UPLOAD_MAX_COLUMNS", "256"))
GONGHUI_UPLOAD_MAX_CELLS = int(os.environ.get("GONGHUI_UPLOAD_MAX_CELLS", "25000000"))
GONGHUI_UPLOAD_MAX_CELL_BYTES = int(os.environ.get("GONGHUI_UPLOAD_MAX_CELL_BYTES", str(128 * 1024)))
GONGHUI_UPLOAD_MAX_LINE_BYTES = int(os.environ.get("GONGHUI_UPLOAD_MAX_LINE_BYTES", str(256 * 1024)))
# The process that parses an import: address space it may add (MB) and CPU seconds, then it is ended.
GONGHUI_IMPORT_READER_MEMORY_MB = int(os.environ.get("GONGHUI_IMPORT_READER_MEMORY_MB", "2048"))
GONGHUI_IMPORT_READER_CPU_SECONDS = int(os.environ.get("GONGHUI_IMPORT_READER_CPU_SECONDS", "600"))
# Imports queued or running at once, per account and on the whole server (a third is refused, 409).
GONGHUI_IMPORTS_PER_ACCOUNT = int(os.environ.get("GONGHUI_IMPORTS_PER_ACCOUNT", "1"))
GONGHUI_IMPORTS_PER_SERVER = int(os.environ.get("GONGHUI_IMPORTS_PER_SERVER", "2"))
# A running job with no sign of life (progress) for this long, or a queued one never started, is
# failed by the periodic task; one whose process on this machine is gone, at once.
GONGHUI_JOB_STALE_MINUTES = int(os.environ.get("GONGHUI_JOB_STALE_MINUTES", "60"))
# Uploads left in DATA_DIR/imports with no live job (a crash between storing and queueing) are
# removed after this many hours.
GONGHUI_UPLOAD_ORPHAN_HOURS = int(os.environ.get("GONGHUI_UPLOAD_ORPHAN_HOURS", "6"))
# Everything stored under MEDIA_ROOT (evidence, vouchers, claim documents) is readable by the
# service account only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_on_one_line": {"()": "gonghui.core.logfilters.ClientErrorsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GONGHUI_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # 403 and 404 are one line each, without a traceback (core.logfilters).
        "django.request": {"filters": ["client_errors_on_one_line"]},
    },
}
