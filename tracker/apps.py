from django.apps import AppConfig
from django.db.backends.signals import connection_created


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Check-ins and progression"

    def ready(self):
        from tracker.checkin_write import use_generic_plans

        connection_created.connect(use_generic_plans, dispatch_uid="tracker.use_generic_plans")
