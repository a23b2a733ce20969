from datetime import time

from django.db import models
from django.utils import timezone

from patients.models import Patient

DEFAULT_REMINDER_TIME = time(19, 0)


class Channel(models.TextChoices):
    PUSH = "push", "A notification on this phone"
    EMAIL = "email", "An email"
    NONE = "none", "No reminder"


class ReminderPreference(models.Model):
    """When and how one patient is reminded of their daily check-in.

    The time is a wall-clock time in the patient's own zone (Patient.timezone),
    so 19:00 stays 19:00 for them across daylight-saving changes.
    """

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="reminder_pref")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.NONE)
    time = models.TimeField(default=DEFAULT_REMINDER_TIME)
    # Empty: the address on the patient's account, if any.
    email = models.EmailField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The minute-by-minute selection reads only patients who want a reminder.
            models.Index(fields=["channel"], condition=~models.Q(channel="none"), name="reminder_pref_active_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.patient}: {self.channel} at {self.time:%H:%M}"

    def email_address(self) -> str:
        user = self.patient.user
        return self.email or (user.email if user else "")


class PushSubscription(models.Model):
    """One browser's Web Push subscription (PushSubscription.toJSON() in the browser)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="push_subscriptions")
    # The push service's URL for this browser; it identifies the subscription.
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Push subscription of {self.patient} ({self.endpoint[:40]}...)"

    def as_subscription_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class ReminderSent(models.Model):
    """One reminder to one patient for one of their local days: the claim and the log.

    A row is written before anything is sent, and the unique constraints are
    what stop a second reminder, whichever worker or beat run gets there first.
    """

    class Kind(models.TextChoices):
        DAILY = "daily", "Daily reminder"
        MISSED = "missed", "We haven't heard from you"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed permanently"
        SKIPPED = "skipped", "Skipped"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="reminders_sent")
    local_date = models.DateField(help_text="The patient's local day the reminder is for.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # For "missed": the last day with a check-in (or the enrolment day), so one
    # absence gets one message however many days it lasts.
    absence_since = models.DateField(null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "reminder sent"
        verbose_name_plural = "reminders sent"
        constraints = [
            # Never more than one reminder of any kind per patient and local day.
            models.UniqueConstraint(fields=["patient", "local_date"], name="one_reminder_per_patient_day"),
            # One "we haven't heard from you" per absence, not one every day after.
            models.UniqueConstraint(
                fields=["patient", "absence_since"],
                condition=models.Q(kind="missed"),
                name="one_missed_message_per_absence",
            ),
        ]
        indexes = [
            # The send sweep: pending rows whose attempt is due.
            models.Index(fields=["status", "next_attempt_at"], name="reminder_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.patient} on {self.local_date} ({self.status})"
