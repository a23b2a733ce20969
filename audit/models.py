"""The append-only audit trail: who saw or changed which patient's data, when, from where."""

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CHANGE = "change", "Changed"

    at = models.DateTimeField(auto_now_add=True)
    # Kept as text as well, so the row still says who it was if the account goes.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    what = models.CharField(
        max_length=80, help_text="The page, endpoint or record, e.g. 'patient_detail' or 'checkin'."
    )
    # A plain id, no foreign key: deleting a patient must not delete (or be blocked by) their audit rows.
    patient_id = models.BigIntegerField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            # "Who looked at this patient?" - the admin filter and a patient's access report.
            models.Index(fields=["patient_id", "-at"], name="audit_by_patient"),
            # "What did this person do?"
            models.Index(fields=["actor", "-at"], name="audit_by_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.what} patient={self.patient_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")
