"""Django settings.

Every value comes from the environment (django-environ). With nothing set, the project runs on the
*embedded profile*: SQLite, a Celery broker on the local file system, console email and secrets
generated into an untracked file under var/. Setting DATABASE_URL, REDIS_URL / CELERY_BROKER_URL,
EMAIL_URL and the keys switches to the production profile. See .env.example.
"""

from datetime import timedelta
from pathlib import Path

import environ

from occupier.config import fernet_keys, local_secrets, strict_bool, strict_int

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("OCCUPIER_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

EMBEDDED_DATABASE = "DATABASE_URL" not in env
_local = local_secrets(VAR_DIR) if not env("SECRET_KEY", default="") else {}

DEBUG = strict_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="") or _local["SECRET_KEY"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Absolute links in emails are built from this, never from the request host.
SITE_URL = env.url("SITE_URL", default="http://127.0.0.1:8000").geturl().rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_prometheus",
    "companies",
    "audit",
    "leases",
    "closebooks",
    "integrations",
    "notifications",
    "reports",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "occupier.cleaning.RefuseControlCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "companies.middleware.CurrentCompanyMiddleware",
    "companies.mfa.SecondFactorMiddleware",
    "occupier.logs.RequestContextMiddleware",
    # Last but one: it answers a locked-out sign-in with the lockout page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "occupier.urls"
WSGI_APPLICATION = "occupier.wsgi.application"
AUTH_USER_MODEL = "companies.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "companies.context_processors.current_company",
            ],
        },
    },
]

# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a Celery worker started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = strict_int("DATABASE_CONN_MAX_AGE", 60)
    # Lets two test runs share one server without sharing a test database.
    if env("DATABASE_TEST_NAME", default=""):
        DATABASES["default"]["TEST"] = {"NAME": env("DATABASE_TEST_NAME")}
# A connection dropped by the server (restart, failover) is replaced instead of failing a request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling: https://django-axes.readthedocs.io/en/latest/4_configuration.html
# The axes backend comes first so a locked-out user or address is refused before the password is
# checked. Failures are counted per user name and, separately, per address; each lock lasts
# AXES_COOLOFF_MINUTES and every attempt is kept in the database (shown in the admin).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = strict_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = strict_int("AXES_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=strict_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Our own warning and audit row record each lockout; axes's per-attempt lines would be noise.
AXES_VERBOSE = False
# Behind a proxy, the client's address is read from X-Forwarded-For (AXES_PROXY_COUNT hops);
# without one that header is ignored, since a client could send any value.
AXES_IPWARE_PROXY_COUNT = strict_int("AXES_PROXY_COUNT", 0, minimum=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# Second factor (django-otp): TOTP apps and single-use recovery codes; see companies.mfa.
OTP_TOTP_ISSUER = "Occupier Lease Accounting"

# Content-Security-Policy (django-csp): scripts only from our own static files, so no inline
# <script> and no on* attribute runs. Style attributes stay allowed (they run no code).
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
WHITENOISE_USE_FINDERS = EMBEDDED_DATABASE or DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files need `collectstatic` first: the container image does that.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if strict_bool("STATIC_MANIFEST", default=False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Occupier Lease Accounting <noreply@localhost>"
)

# Fernet keys for NetSuite credentials at rest; the first encrypts, all decrypt (key rotation).
CREDENTIALS_ENCRYPTION_KEYS = fernet_keys(
    env("CREDENTIALS_ENCRYPTION_KEYS", default="") or _local.get("CREDENTIALS_ENCRYPTION_KEYS", ""),
    source="CREDENTIALS_ENCRYPTION_KEYS",
)

# Celery: https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    # Kombu's file-system transport needs no server: the embedded profile's broker.
    _broker_dir = VAR_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # Remote-control messages (pidbox) too, or they land in the working directory.
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = strict_int("CELERY_TASK_SOFT_TIME_LIMIT", 15 * 60, minimum=1)
CELERY_TASK_TIME_LIMIT = strict_int("CELERY_TASK_TIME_LIMIT", 16 * 60, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Our logging settings (JSON, ids, redaction) apply in the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = strict_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
# The first wait before a sync whose NetSuite was unreachable tries again; doubles each time.
SYNC_RETRY_BASE_SECONDS = strict_int("SYNC_RETRY_BASE_SECONDS", 15, minimum=1)
# Tie out each period with NetSuite's general ledger after a completed sync (docs/reports.md).
TIEOUT_AFTER_SYNC = strict_bool("TIEOUT_AFTER_SYNC", default=True)
# A close on a worker beats its run's heartbeat every CLOSE_HEARTBEAT_SECONDS; one silent for
# CLOSE_STALE_AFTER_SECONDS whose period nobody holds has lost its worker and is sent to another
# (docs/closebooks.md, "A killed worker"). At least two beats fit in the silence: one late beat
# is not a death.
CLOSE_HEARTBEAT_SECONDS = strict_int("CLOSE_HEARTBEAT_SECONDS", 5, minimum=1)
CLOSE_STALE_AFTER_SECONDS = strict_int(
    "CLOSE_STALE_AFTER_SECONDS", 3 * CLOSE_HEARTBEAT_SECONDS, minimum=2 * CLOSE_HEARTBEAT_SECONDS
)
CELERY_BEAT_SCHEDULE = {
    # Resume or fail syncs whose worker stopped without finishing (see integrations.tasks): a run
    # silent for 60 s is dead, so checking every 20 s finds it within about a minute.
    "recover-stale-syncs": {"task": "integrations.recover_stale_syncs", "schedule": 20.0},
    # The same for closes (see closebooks.tasks): a run silent for CLOSE_STALE_AFTER_SECONDS
    # (15 s) whose period nobody holds is dead, so checking every 10 s sends it to another
    # worker within about 25 s.
    "recover-stale-closes": {"task": "closebooks.recover_stale_closes", "schedule": 10.0},
    # Send the outcome emails that a dead worker left pending or half-sent (once each).
    "sweep-unsent-emails": {"task": "notifications.sweep_unsent", "schedule": 60.0},
    # Keep the copy of NetSuite's reference data (pre-flight checks, pickers) a day old at most.
    "refresh-reference-data": {
        "task": "integrations.refresh_all_reference_data",
        "schedule": 24 * 60 * 60.0,
    },
}

# NetSuite: SOAP reads the WSDL from the account's own host (<account>.suitetalk.api.netsuite.com
# /wsdl/v2023_2_0/netsuite.wsdl, or the simulator's) and caches it under VAR_DIR for a day;
# NETSUITE_WSDL (a URL or a local path) overrides that. NETSUITE_SANDBOX_URL is the base URL
# override used by the demo to point a connection at the simulator.
NETSUITE_WSDL = env("NETSUITE_WSDL", default="")
NETSUITE_SANDBOX_URL = env("NETSUITE_SANDBOX_URL", default="")
NETSUITE_HTTP_TIMEOUT_SECONDS = strict_int("NETSUITE_HTTP_TIMEOUT_SECONDS", 60, minimum=1)
# The first wait before a failed NetSuite request is sent again, doubled at each attempt (half
# of it at random, at most 15 s); the end-to-end tests' workers shorten it.
NETSUITE_RETRY_BASE_DELAY_MS = strict_int("NETSUITE_RETRY_BASE_DELAY_MS", 500, minimum=1)
# Records per SOAP upsertList call (NetSuite accepts up to 200; docs/operations.md).
NETSUITE_SOAP_BATCH_SIZE = strict_int("NETSUITE_SOAP_BATCH_SIZE", 200, minimum=1)

# The production profile (DATABASE_URL set, DEBUG off): HTTPS only. `manage.py check --deploy`
# is clean with these (tests/security/test_deploy_check.py).
PRODUCTION = not DEBUG and not EMBEDDED_DATABASE
if PRODUCTION:
    SESSION_COOKIE_SECURE = strict_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = strict_bool("SECURE_SSL_REDIRECT", default=True)
    # The container's health check and the metrics scraper talk plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
    SECURE_HSTS_SECONDS = strict_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = strict_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = strict_bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Logs: one JSON object a line in production (LOG_FORMAT=json), plain text elsewhere. Every
# record carries the request, company and sync run ids, and secrets and Authorization headers
# are redacted before any handler sees them (occupier.logs).
LOG_FORMAT = env("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "occupier.logs.ContextFilter"},
        "redact": {"()": "occupier.logs.RedactingFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s "
            "%(company_id)s %(sync_run_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Metrics for Prometheus at /metrics (django-prometheus, plus integrations.metrics). Allowed
# only from the addresses listed here (the scraper's), since they describe every company.
METRICS_ALLOWED_ADDRESSES = env.list("METRICS_ALLOWED_ADDRESSES", default=["127.0.0.1", "::1"])
PROMETHEUS_METRIC_NAMESPACE = "occupier"
