from django.conf import settings
from django.db import models
from django.utils import timezone

from detection.posterior import PROBABILITY_KEY, likelihood_words
from detection.scales import rule_label
from patients.models import Patient


class Severity(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"


# Sorting key: lower is more severe (the inbox and dashboard order by it).
SEVERITY_RANK = {Severity.URGENT: 0, Severity.HIGH: 1, Severity.MODERATE: 2, Severity.LOW: 3}


def as_probability(value) -> float | None:
    """A stored probability_real (a number, or the text a JSON key lookup gives) as 0-1, or None if it is not one."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        return None
    return float(value)


def likelihood_text(probability: float | None) -> str:
    return "" if probability is None else likelihood_words(probability)


class Alert(models.Model):
    """One episode of one rule for one patient (healthchecks' Flip idea)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    class Outcome(models.TextChoices):
        CALLED_PATIENT = "called_patient", "Called patient"
        VISIT_BOOKED = "visit_booked", "Visit booked"
        REFERRED_SURGERY = "referred_surgery", "Referred for surgery"
        SENT_TO_EMERGENCY = "sent_to_emergency", "Sent to emergency care"
        FALSE_ALARM = "false_alarm", "False alarm"
        RECOVERED = "recovered", "Recovered (closed automatically)"
        REBASELINED = "rebaselined", "Re-baselined (closed automatically)"
        OTHER = "other", "Other"

    # Outcomes only detection sets (an episode that recovered or was re-baselined); people choose the rest.
    AUTOMATIC_OUTCOMES = frozenset({Outcome.RECOVERED, Outcome.REBASELINED})

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="alerts")
    rule = models.CharField(max_length=32)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    severity_rank = models.PositiveSmallIntegerField(editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # The patient-local day the evidence points at, and what it was.
    date = models.DateField()
    evidence = models.CharField(max_length=300)
    evidence_data = models.JSONField(default=dict, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_alerts"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    resolution_note = models.TextField(blank=True, max_length=2000)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["severity_rank", "opened_at"]
        constraints = [
            # One unresolved episode per patient and rule: detection, replays
            # and a task run twice cannot open a duplicate.
            models.UniqueConstraint(
                fields=["patient", "rule"],
                condition=~models.Q(status="resolved"),
                name="one_unresolved_alert_per_patient_rule",
            ),
        ]
        indexes = [
            # Inbox and dashboard: unresolved alerts of a team's patients by severity then age.
            models.Index(fields=["status", "severity_rank", "opened_at"], name="alert_inbox_idx"),
            # Escalation sweep: open alerts older than a cut-off.
            models.Index(fields=["status", "opened_at"], name="alert_escalation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} {self.rule} for {self.patient} ({self.status})"

    def save(self, *args, **kwargs):
        # Derived sort key only; no behaviour hides here.
        self.severity_rank = SEVERITY_RANK[self.severity]
        super().save(*args, **kwargs)

    @property
    def is_unresolved(self) -> bool:
        return self.status != self.Status.RESOLVED

    @property
    def rule_label(self) -> str:
        return rule_label(self.rule)

    @property
    def probability_real(self) -> float | None:
        """How likely a decline alert is a real >= 2-point decline (detection/posterior.py); None for others.

        Red flags, missed check-ins, motor alerts and decline alerts opened
        before the probability existed have none.
        """
        data = self.evidence_data
        return as_probability(data.get(PROBABILITY_KEY) if isinstance(data, dict) else None)

    @property
    def likelihood(self) -> str:
        """The probability in words for the care team ("Likely a real decline (about 75%)"), or ""."""
        return likelihood_text(self.probability_real)


class AlertEvent(models.Model):
    """Who did what to an alert and when: opened, acknowledged, assigned, escalated, resolved."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        ASSIGNED = "assigned", "Assigned"
        ESCALATED = "escalated", "Escalated"
        RESOLVED = "resolved", "Resolved"
        AUTO_CLOSED = "auto_closed", "Closed automatically"
        # The contact log: each try to reach the patient about this alert, with who and when.
        CALLED_NO_ANSWER = "called_no_answer", "Called, no answer"
        SPOKE_WITH_PATIENT = "spoke_patient", "Spoke with patient"
        LEFT_MESSAGE = "left_message", "Left message"
        SENT_TO_EMERGENCY = "sent_to_ed", "Sent to A&E/ED"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    @property
    def is_contact(self) -> bool:
        return self.kind in CONTACT_KINDS


# The contact log's outcomes, in the order the one-tap buttons show them.
CONTACT_KINDS = (
    AlertEvent.Kind.CALLED_NO_ANSWER,
    AlertEvent.Kind.SPOKE_WITH_PATIENT,
    AlertEvent.Kind.LEFT_MESSAGE,
    AlertEvent.Kind.SENT_TO_EMERGENCY,
)


class Delivery(models.Model):
    """One message of one alert to one recipient over one channel."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", "In-app"
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed permanently"
        SKIPPED = "skipped", "Skipped"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    # For the team's escalation contact, who may have no account.
    address = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Never the same message twice: one row per alert, recipient, channel and escalation step.
            models.UniqueConstraint(
                fields=["alert", "recipient", "address", "channel", "escalation_level"],
                name="one_delivery_per_alert_recipient_channel_level",
            ),
            # The same for the team's escalation contact (no recipient): NULLs
            # are distinct in the constraint above, so it needs its own.
            models.UniqueConstraint(
                fields=["alert", "address", "channel", "escalation_level"],
                condition=models.Q(recipient__isnull=True),
                name="one_contact_delivery_per_alert_channel_level",
            ),
        ]
        indexes = [
            # Redelivery sweep: pending rows whose next attempt is due.
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]


class NotificationPreference(models.Model):
    """A clinician's channels, severities and quiet hours (urgent ignores quiet hours)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_pref")
    email_enabled = models.BooleanField(default=True)
    email_min_severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.HIGH)
    webhook_url = models.URLField(blank=True)
    webhook_secret = models.CharField(max_length=128, blank=True)
    webhook_min_severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.URGENT)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="Europe/London")
