"""The app's settings with the yardstick views mounted in front of its URLs: for benchmarks that start a server.

    DJANGO_SETTINGS_MODULE=yardstick_settings PYTHONPATH=.:bench gunicorn config.wsgi

Nothing else differs from config.settings, so the yardsticks and the app's
views run through the same middleware, in the same processes.
"""

from config.settings import *  # noqa: F403 - the whole production configuration, one line changed

ROOT_URLCONF = "yardsticks"
