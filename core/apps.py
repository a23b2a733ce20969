from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Shared web and API infrastructure"

    def ready(self):
        from core import lookups

        lookups.register()
