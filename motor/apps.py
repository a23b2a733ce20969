from django.apps import AppConfig


class MotorConfig(AppConfig):
    name = "motor"
    verbose_name = "Hand and walking tests"
