"""MyeloTrack settings, read from the environment (see docs/operations.md).

Local defaults need nothing but Python: SQLite and a filesystem Celery broker
under var/, console-style email written to var/mail. Production sets
DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and the EMAIL_* variables.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
import phonenumbers
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from core.rates import parse_rate

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MYELOTRACK_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# A development key only exists when DEBUG is on; production must provide one.
# Without one the settings still load, so that the commands that sign nothing
# (migrate, makemigrations --check, check) run on any machine: Django refuses
# an empty key at its first use, and the web server and the Celery processes
# ask for it as they start (config.env.require_secret_key), so none of them
# runs without one. (Refusing here made Django swallow the error and fail
# later with a bare "Models aren't loaded yet".)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else None) or ""
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "audit",
    "patients",
    "notifications",
    "motor",
    "tracker",
    "reminders",
    "clinic",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.NoStoreMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The care team is signed out after CLINICIAN_IDLE_MINUTES without use, then
    # must pass two-factor before any page (patients.middleware).
    "patients.middleware.IdleTimeoutMiddleware",
    "patients.middleware.PatientSessionMiddleware",
    "patients.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.site",
                "notifications.context_processors.open_alerts",
                "patients.context_processors.idle_timeout",
            ],
            # |day and |day_time everywhere without a {% load %} in each
            # template: one date format across the app (core/templatetags/dates.py).
            "builtins": ["core.templatetags.dates"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'myelotrack.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A kept connection is checked before a request reuses it, so the first
        # request after PostgreSQL restarts (fail-over, upgrade) is not a 503.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The test database is a file so that a Celery worker process started by
    # an integration test can open the same database as the test itself.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_myelotrack.sqlite3")}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        # The web, the worker's threads and beat all write to the one file. A
        # transaction that starts as a read and then writes (update_or_create,
        # select_for_update) cannot wait for another writer: SQLite answers
        # "database is locked" at once, whatever the timeout (the heartbeat
        # failed so under `make run`). BEGIN IMMEDIATE takes the write lock
        # first and waits its turn; WAL lets readers go on while one writes.
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL;",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Webhook and contact URLs typed without a scheme are taken as https (Django 6 default).
FORMS_URLFIELD_ASSUME_HTTPS = True
AUTH_USER_MODEL = "patients.User"

# Brute-force protection on every log-in door (the page, the admin, the API
# token) through django-axes, in the database (no Redis needed). Locked when
# one user name or one client address has AXES_FAILURE_LIMIT failures; the
# lock lifts by itself after AXES_COOLOFF_MINUTES, so nobody can keep a
# patient out for long, and an admin lifts it at once (Admin -> Axes, or
# `manage.py axes_reset_username NAME`). A successful log-in resets the count.
AUTHENTICATION_BACKENDS = [
    "patients.backends.LockoutBackend",
    # User name (capitals ignored) or email address.
    "patients.backends.UsernameOrEmailBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Wrong tries during a lock do not extend it: an attacker cannot keep a patient out past one cool-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "patients.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "patients.lockout.axes_username"
AXES_IPWARE_PROXY_COUNT = env_int("NUM_PROXIES", 0) or None
# Two-factor sign-in (django-otp: an authenticator app plus recovery codes) for
# clinicians and admins, on the web and for API tokens. On whenever DEBUG is off;
# the local demo keeps password-only log-ins unless TWO_FACTOR_REQUIRED=true.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", not DEBUG)
# A clinic computer left unlocked: the care team's session ends after this many
# minutes without use (a banner warns two minutes before). Patients are not timed out.
CLINICIAN_IDLE_MINUTES = env_int("CLINICIAN_IDLE_MINUTES", 30)
# An invitation code opens a patient's account once, within this many days.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)
# Patients' phone numbers typed without a country code ("07700 900123") are read
# as numbers of this region (ISO 3166 code); all are stored in E.164.
PHONE_DEFAULT_REGION = env_str("PHONE_DEFAULT_REGION", "GB").strip().upper()
if PHONE_DEFAULT_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(f"PHONE_DEFAULT_REGION={PHONE_DEFAULT_REGION!r} is not a region code (for example GB).")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # The demo password and the ward's words ("nurse2024", "myelotrack-demo").
    {"NAME": "patients.passwords.ClinicWordsValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# WhiteNoise warns on every request when the folder is missing (before collectstatic).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic writes a gzip copy (and brotli, when the brotli package is
# installed) of every file under a content-hashed name; WhiteNoise serves the
# compressed copy to browsers that accept it and lets them cache it for a
# year. A patient on a weak signal then downloads plotly-free pages of a few
# kilobytes (docs/benchmarks.md, bench/bench_weight.py). The manifest needs
# collectstatic first; the test suite and the benchmarks that render pages
# without it set STATIC_STORAGE to Django's plain StaticFilesStorage.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": env_str("STATIC_STORAGE", "core.storage.CompressedManifestStorage")},
}

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs (rather than refusing connections) must not stall a page or a check-in:
            # every use of the cache (throttle, chart cache) treats an error as a miss.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Email: console-like files under var/mail by default so a demo can read them.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MyeloTrack <alerts@myelotrack.invalid>")

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport,
# which needs no server so a laptop with only Python runs a real worker.
CELERY_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    if REDIS_URL.split("://", 1)[0] in ("redis", "rediss"):
        # kombu's Redis transport, sending through one client per channel
        # instead of building one per message (core/broker.py says why).
        CELERY_BROKER_TRANSPORT = "core.broker:Transport"
else:
    for sub in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Exchange tables; kombu's default is ./control in the working directory.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        # kombu looks in the folder once a second by default, and then takes one
        # message per free worker thread: the seed's first deliveries queued ~150
        # tasks ahead of the heartbeat (health said "beat failing" for 80 s), and
        # a check-in waited up to a second for its evaluation. A listdir of a small
        # folder ten times a second costs nothing.
        "polling_interval": 0.1,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "myelotrack")
CELERY_TASK_EAGER_PROPAGATES = True
# How a saved check-in queues its evaluation on PostgreSQL: "notify" (a NOTIFY in
# its own transaction, published by one listener in the workers; the request never
# waits for the broker) or "broker" (the request publishes after commit, as on
# SQLite; for connections through a transaction-mode pooler, where LISTEN cannot
# hold a session). tracker/evaluation_listener.py.
EVALUATION_NUDGE = env_str("EVALUATION_NUDGE", "notify")
if EVALUATION_NUDGE not in ("notify", "broker"):
    raise ImproperlyConfigured(f"EVALUATION_NUDGE must be notify or broker, not {EVALUATION_NUDGE!r}")
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE
# Delivery retry backoff base (seconds): base * 2**(attempt-1), capped at an hour; tests shrink it.
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30)

CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "core.tasks.heartbeat_task", "schedule": 60.0},
    # Evaluations whose task the broker lost: picked up within a minute.
    "evaluate-pending": {"task": "tracker.tasks.evaluate_pending_task", "schedule": 60.0},
    # Missed check-ins and a safety net for evaluations lost on the way.
    "nightly-sweep": {
        "task": "tracker.tasks.nightly_sweep_task",
        "schedule": crontab(hour=env_int("NIGHTLY_SWEEP_HOUR", 2), minute=0),
    },
    # Deliveries left pending (broker down when the alert was made) are re-sent.
    "redeliver-pending": {"task": "notifications.tasks.redeliver_pending_task", "schedule": 60.0},
    "escalate-overdue": {"task": "notifications.tasks.escalate_overdue_task", "schedule": 60.0},
    # Patients' daily check-in reminders: each patient's chosen local time falls
    # in some minute, so the task looks every minute; the database (one reminder
    # per patient and local day) keeps a late or doubled run from sending twice.
    "send-reminders": {"task": "reminders.tasks.send_due_reminders_task", "schedule": 60.0},
}

# Web Push (VAPID, RFC 8292) for check-in reminders. Both keys empty = the push
# channel is not offered and patients choose email or none; `manage.py
# vapid_keys` prints a new pair. The subject is how push services contact us.
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY", "")
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:admin@myelotrack.invalid")

# API tokens, one per device (patients.tokens): a patient's phone stays signed in
# while it is used (the expiry slides); the care team's tokens end like a shift.
API_PATIENT_TOKEN_DAYS = env_int("API_PATIENT_TOKEN_DAYS", 90)
API_STAFF_TOKEN_HOURS = env_int("API_STAFF_TOKEN_HOURS", 12)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "patients.api.authentication.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": ["core.parsers.SafeJSONParser"],
    # Only views with a throttle_scope are throttled, and only their writes.
    "DEFAULT_THROTTLE_CLASSES": ["core.throttles.ScopedWriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "login": env_str("API_LOGIN_RATE", "10/min"),
        "login_account": env_str("API_LOGIN_ACCOUNT_RATE", "30/hour"),
        # A set of tests is 4 tries (plus retries); a helper redoing them a few times stays well inside.
        "motor_test_create": env_str("API_MOTOR_TEST_RATE", "60/hour"),
    },
    # Throttles count per client IP: trust X-Forwarded-For only from this many proxies in front.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}
# Check-ins saved per patient in a sliding window, from the phone app and the page alike. Counted by
# the database in the check-in's own write (tracker/checkin_write.py), not by a throttle in Redis: it
# holds with Redis down, and a red-flag check-in is never refused by it.
try:
    CHECKIN_LIMIT = parse_rate(env_str("API_CHECKIN_RATE", "30/hour"))  # (check-ins, seconds)
except ValueError as exc:
    raise ImproperlyConfigured(f"API_CHECKIN_RATE: {exc}") from None
SPECTACULAR_SETTINGS = {
    "TITLE": "MyeloTrack API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# What a patient is told to do after a red-flag answer.
# The dashboard shows the riskiest DASHBOARD_PAGE_SIZE patients first; "Show more" adds as many again.
DASHBOARD_PAGE_SIZE = env_int("DASHBOARD_PAGE_SIZE", 30)
if DASHBOARD_PAGE_SIZE < 1:
    raise ImproperlyConfigured("DASHBOARD_PAGE_SIZE must be at least 1.")

CLINIC_PHONE = env_str("CLINIC_PHONE", "+44 20 7946 0000")
EMERGENCY_NUMBER = env_str("EMERGENCY_NUMBER", "999 / 112")

# Detection thresholds (detection.rules.RuleConfig keys); a care team can override them.
MYELOTRACK_RULES: dict = {}
# The motor_decline rule's thresholds (detection.motor_rules.MotorConfig keys); a care team can
# override them (motor.models.MotorTeamRules). Empty: the documented defaults.
MYELOTRACK_MOTOR_RULES: dict = {}
# The timed walk's distance for a patient whose care team has not set one (metres).
MYELOTRACK_MOTOR_WALK_DISTANCE_M = env_int("MYELOTRACK_MOTOR_WALK_DISTANCE_M", 10)
# Suggest the phone tests again after this many days unless the care team chose otherwise.
MYELOTRACK_MOTOR_EVERY_DAYS = env_int("MYELOTRACK_MOTOR_EVERY_DAYS", 7)

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
# Health data travels only over HTTPS: with DEBUG off, plain HTTP is redirected
# and browsers are told (HSTS, a year) never to use it again. Behind a proxy that
# terminates TLS without forwarding X-Forwarded-Proto, set SECURE_SSL_REDIRECT=false
# (or BEHIND_TLS_PROXY=true so Django sees the proxy's header). The health check
# stays reachable over plain HTTP for a load balancer probing the backend directly.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Preload only allows the domain to be submitted to the browsers' preload list;
# set SECURE_HSTS_PRELOAD=false if the clinic's domain must keep plain-HTTP subdomains.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# The care team: a session ends after 12 hours (and after CLINICIAN_IDLE_MINUTES unused).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
# A patient on their own phone stays signed in this many days from the last use
# (patients.middleware.PatientSessionMiddleware); "sign out of all other devices"
# on their account page and any password change end the others.
PATIENT_SESSION_DAYS = env_int("PATIENT_SESSION_DAYS", 90)
# Passkeys belong to this host name (WebAuthn's relying party); empty = the request's own host.
WEBAUTHN_RP_ID = env_str("WEBAUTHN_RP_ID", "")
# A password-reset link works once, for this long.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60) * 60

# Content-Security-Policy (django-csp 4): every script and style comes from our
# own static files, so an injected <script>, style attribute or on* handler
# does not run. No 'unsafe-inline' anywhere: plotly's global rules come from
# static/vendor/plotly/plotly.css (templates/tracker/_plotly.html), the API docs load
# their start-up script from a URL. img-src data: is for the SVG icons in
# swagger-ui's and plotly's stylesheets. CSP_REPORT_ONLY=true sends the same
# policy as Content-Security-Policy-Report-Only, to try a change on a live site.
_CSP = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
