"""Loaded with -p before Django starts: test-only defaults for the environment.

Real deployments get these from their own environment; the suite must run on
a laptop with nothing set. DATABASE_URL and REDIS_URL pass through untouched,
so CI runs the same tests on PostgreSQL and Redis.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
# Tasks enqueued by a request run in-process; worker tests switch this off.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("MYELOTRACK_VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test"))
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("TWO_FACTOR_REQUIRED", "false")  # tests that need it turn it on
# No collectstatic before the tests: {% static %} must not need the hashed-name manifest.
os.environ.setdefault("STATIC_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")
