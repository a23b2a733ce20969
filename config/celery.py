import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("myelotrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# On PostgreSQL a check-in's evaluation is queued by a listener in the workers (a string:
# the module needs Django's apps, which are not loaded when this module is imported).
app.steps["worker"].add("tracker.evaluation_listener:EvaluationListenerStep")


@worker_init.connect
@beat_init.connect
def _refuse_without_secret_key(**kwargs):
    # Not at import: config.settings imports this module (config/__init__.py).
    from django.core.exceptions import ImproperlyConfigured

    from config.env import require_secret_key

    try:
        require_secret_key()
    except ImproperlyConfigured as exc:
        # Celery logs and ignores a receiver's exception; this stops the process.
        raise SystemExit(f"ImproperlyConfigured: {exc}") from None
