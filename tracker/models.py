from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from detection.scales import DOMAIN_BY_KEY, DOMAIN_KEYS, RED_FLAG_KEYS
from patients.models import Patient, entered_by_description

# What a patient answers in a check-in (the rest of the row is derived or bookkeeping); a revision keeps these.
ANSWER_FIELDS = (*DOMAIN_KEYS, *RED_FLAG_KEYS, "numbness", "numbness_locations", "neck_pain", "note")


def _score_field(key: str):
    domain = DOMAIN_BY_KEY[key]
    return models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(domain.max_score)],
        help_text=f"{domain.label}: 0 (worst) to {domain.max_score} (normal).",
    )


def _rating_field(label: str):
    return models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)], help_text=f"{label} 0-10."
    )


class CheckIn(models.Model):
    """One patient's answers for one of their local days."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="checkins")
    date = models.DateField(help_text="The patient's local date.")
    fine_motor = _score_field("fine_motor")
    gait = _score_field("gait")
    sensation = _score_field("sensation")
    bladder = _score_field("bladder")
    total = models.PositiveSmallIntegerField(editable=False)
    rf_bladder_bowel = models.BooleanField(default=False)
    rf_saddle_numbness = models.BooleanField(default=False)
    rf_weakness = models.BooleanField(default=False)
    rf_fall_injury = models.BooleanField(default=False)
    rf_breathing = models.BooleanField(default=False)
    red_flag = models.BooleanField(default=False, editable=False, help_text="Any red-flag answer was yes.")
    numbness = _rating_field("Numbness")
    numbness_locations = models.JSONField(default=list, blank=True)
    neck_pain = _rating_field("Neck pain")
    note = models.TextField(blank=True, max_length=2000)
    # Who typed these answers: the patient, a caregiver for them, or someone of the care team.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def entered_by_description(self) -> str:
        return entered_by_description(self.entered_by, self.patient)

    class Meta:
        ordering = ["patient", "date"]
        constraints = [
            # One check-in per patient and local day; a resubmission updates it.
            models.UniqueConstraint(fields=["patient", "date"], name="one_checkin_per_patient_day"),
            models.CheckConstraint(condition=models.Q(fine_motor__lte=5), name="fine_motor_0_5"),
            models.CheckConstraint(condition=models.Q(gait__lte=7), name="gait_0_7"),
            models.CheckConstraint(condition=models.Q(sensation__lte=3), name="sensation_0_3"),
            models.CheckConstraint(condition=models.Q(bladder__lte=3), name="bladder_0_3"),
            models.CheckConstraint(condition=models.Q(total__lte=18), name="total_0_18"),
        ]
        # The unique constraint's index serves "a patient's check-ins by date".

    def __str__(self) -> str:
        return f"{self.patient} {self.date}: {self.total}/18"

    def compute_derived(self) -> None:
        self.total = self.fine_motor + self.gait + self.sensation + self.bladder
        self.red_flag = any(getattr(self, key) for key in RED_FLAG_KEYS)

    @property
    def red_flags_answered_yes(self) -> list[str]:
        return [key for key in RED_FLAG_KEYS if getattr(self, key)]


class CheckInRevision(models.Model):
    """The answers a check-in held before the patient resubmitted that day."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="revisions")
    answers = models.JSONField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["replaced_at"]


class Baseline(models.Model):
    """A patient's reference level; a new row supersedes, the history is kept."""

    class Method(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic (first check-ins)"
        REBASELINE = "rebaseline", "Re-baselined from a date"
        MANUAL = "manual", "Set by hand"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="baselines")
    method = models.CharField(max_length=16, choices=Method.choices)
    fine_motor = models.FloatField()
    gait = models.FloatField()
    sensation = models.FloatField()
    bladder = models.FloatField()
    total = models.FloatField()
    effective_from = models.DateField(help_text="Check-ins from this date on are compared with it.")
    source_from = models.DateField(null=True, blank=True)
    source_to = models.DateField(null=True, blank=True)
    source_count = models.PositiveSmallIntegerField(default=0)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    set_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["patient", "-effective_from", "-set_at"]
        indexes = [
            # "The current baseline of these patients": latest effective_from per patient.
            models.Index(fields=["patient", "-effective_from", "-set_at"], name="baseline_current_idx"),
        ]

    def __str__(self) -> str:
        return f"Baseline {self.total:g}/18 for {self.patient} from {self.effective_from}"

    @classmethod
    def from_computed(cls, *, patient, computed, method, effective_from=None, set_by=None, reason=""):
        """An unsaved row from the medians the rules computed (a detection.rules.Baseline)."""
        return cls(
            patient=patient,
            method=method,
            fine_motor=computed.fine_motor,
            gait=computed.gait,
            sensation=computed.sensation,
            bladder=computed.bladder,
            total=computed.total,
            effective_from=effective_from or computed.first_date,
            source_from=computed.first_date,
            source_to=computed.last_date,
            source_count=computed.checkins,
            set_by=set_by,
            reason=reason,
        )
