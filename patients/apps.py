from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients and care teams"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from patients.middleware import stamp_on_log_in

        # The idle clock starts at log-in, while the session is being written anyway.
        user_logged_in.connect(stamp_on_log_in, dispatch_uid="patients.idle_stamp")
