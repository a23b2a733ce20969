"""The phone's hand and gait tests: one row per try, and who does them how often."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from patients.models import CareTeam, Patient, entered_by_description


class MotorTest(models.Model):
    """One try of one test (one hand of the tap test, one step test, one timed walk)."""

    class Kind(models.TextChoices):
        TAP = "tap", "Tap test"
        STEP = "step", "Step test"
        WALK = "walk", "Timed walk"

    class Side(models.TextChoices):
        LEFT = "left", "Left hand"
        RIGHT = "right", "Right hand"

    class Method(models.TextChoices):
        TOUCH = "touch", "Touch"
        MOUSE = "mouse", "Mouse"
        PEN = "pen", "Pen"
        SENSOR = "sensor", "Motion sensor"
        HELPER = "helper", "Counted by a helper"
        BUTTONS = "buttons", "Start and stop buttons"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="motor_tests")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    side = models.CharField(max_length=8, choices=Side.choices, blank=True)
    # The page's own id for this try: a retry after a dropped connection sends it again and
    # gets the first answer back instead of a second row.
    client_id = models.UUIDField()
    started_at = models.DateTimeField(help_text="When the test began, by the phone's clock.")
    recorded_at = models.DateTimeField(auto_now_add=True)
    date = models.DateField(help_text="The patient's local date.")
    could_not_do = models.BooleanField(default=False, help_text="The patient could not do the test today.")
    # Set by detection.motor_rules: the first tries of each measure are practice, not baseline.
    practice = models.BooleanField(default=False)
    input_method = models.CharField(max_length=8, choices=Method.choices, blank=True)
    device = models.CharField(max_length=120, blank=True, help_text="Summary of the browser's user agent.")
    # Results, recomputed by the server from `raw`; which ones apply depends on the kind.
    count = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Tap test: valid alternations.")
    misses = models.PositiveSmallIntegerField(null=True, blank=True)
    rhythm_cv = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    fatigue = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    duration_s = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    distance_m = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    steps = models.PositiveSmallIntegerField(null=True, blank=True)
    speed_m_s = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    cadence = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    # What the page recorded (tap times and targets, motion samples, start/stop), kept so a
    # result can be re-scored and audited.
    raw = models.JSONField(default=dict, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["patient", "date", "started_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "client_id"], name="one_motor_try_per_client_id"),
            models.CheckConstraint(
                condition=(models.Q(kind="tap") & ~models.Q(side="")) | (~models.Q(kind="tap") & models.Q(side="")),
                name="motor_tap_has_a_side_only_tap",
            ),
        ]
        indexes = [
            # A patient's tries in time order: the rule, the charts, the API.
            models.Index(fields=["patient", "date", "started_at"], name="motor_patient_date_idx"),
        ]

    def __str__(self) -> str:
        side = f" {self.side}" if self.side else ""
        return f"{self.patient} {self.kind}{side} {self.date}"

    @property
    def measure(self) -> str:
        """The detection series this try belongs to (detection.motor_rules.MEASURES)."""
        return f"tap_{self.side}" if self.kind == self.Kind.TAP else self.kind

    @property
    def value(self) -> float | None:
        """The one number the rule follows: taps, steps in 10 s, or walking speed (m/s)."""
        if self.could_not_do:
            return None
        if self.kind == self.Kind.TAP:
            return self.count
        if self.kind == self.Kind.STEP:
            return self.steps
        return self.speed_m_s

    @property
    def entered_by_description(self) -> str:
        return entered_by_description(self.entered_by, self.patient)


class MotorSettings(models.Model):
    """Per patient: whether the tests are offered, how often, and the walk's distance."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="motor_settings")
    enabled = models.BooleanField(default=True, help_text="Offer the hand and walking tests to this patient.")
    every_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Suggest the tests again after this many days.",
    )
    walk_distance_m = models.FloatField(
        validators=[MinValueValidator(2), MaxValueValidator(100)], help_text="The timed walk's distance in metres."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name_plural = "motor settings"

    def __str__(self) -> str:
        return f"Tests for {self.patient}: {'on' if self.enabled else 'off'}, every {self.every_days} days"


class MotorTeamRules(models.Model):
    """A care team's overrides of the motor_decline thresholds (MotorConfig keys)."""

    team = models.OneToOneField(CareTeam, on_delete=models.CASCADE, related_name="motor_rules")
    overrides = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "motor team rules"

    def __str__(self) -> str:
        return f"Motor rules of {self.team}"
