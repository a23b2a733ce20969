import secrets
import zoneinfo
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone
from django.utils.crypto import salted_hmac

from core.fields import JSONTextField


class User(AbstractUser):
    class Role(models.TextChoices):
        PATIENT = "patient", "Patient"
        CLINICIAN = "clinician", "Clinician"
        ADMIN = "admin", "Administrator"
        CAREGIVER = "caregiver", "Caregiver"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)
    # Bumped by "sign out of all other devices": part of the session hash and of
    # every API token's stamp, so all of them stop working at once.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            # "NURSE.A" beside "nurse.a" would be two people who look like one, whatever the door
            # (joining, the admin, a shell); joining says so in words before this is reached.
            models.UniqueConstraint(
                Lower("username"),
                name="username_unique_ignoring_case",
                violation_error_message="That user name is taken (user names ignore capitals).",
            )
        ]

    def _get_session_auth_hash(self, secret=None):
        # Django's hash is of the password; the epoch lets a person end every other session
        # without changing it. Epoch 0 keeps Django's own hash, so nobody is signed out by the upgrade.
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        salt = "patients.User.get_session_auth_hash"
        return salted_hmac(salt, f"{self.password}:{self.session_epoch}", secret=secret, algorithm="sha256").hexdigest()

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_caregiver(self) -> bool:
        return self.role == self.Role.CAREGIVER

    def cared_for(self):
        """The patient this caregiver helps now (the earliest link still open), or None.

        Kept on the instance: a request's user is loaded per request, and its
        view and its menu both ask, so one query serves the page.
        """
        if not self.is_caregiver:
            return None
        if not hasattr(self, "_cared_for"):
            link = (
                self.caregiving.filter(removed_at__isnull=True).select_related("patient").order_by("created_at").first()
            )
            self._cared_for = link.patient if link else None
        return self._cared_for

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def entered_by_description(who: "User | None", patient: "Patient") -> str:
    """ "Patient", "Caregiver (Name)" or "Care team (Name)": who entered a patient's answers or test."""
    if who is None or who.pk == patient.user_id:
        return "Patient"
    kind = "Caregiver" if who.role == "caregiver" else "Care team"
    return f"{kind} ({who.display_name})"


# A patient may type in up to this many days from before their enrolment (a
# diary kept for the first visit); anything older is a mistyped year.
BACKFILL_DAYS = 30
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def _validate_birth_date(value: date) -> None:
    if value < EARLIEST_BIRTH_DATE or value > dj_timezone.localdate():
        raise ValidationError("Enter a date of birth between 1900 and today.")


def _validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (for example Europe/London).")


class CareTeam(models.Model):
    name = models.CharField(max_length=120, unique=True)
    phone = models.CharField(max_length=40, blank=True, help_text="Shown to patients after a red-flag answer.")
    escalation_contact_email = models.EmailField(blank=True)
    escalation_contact_webhook = models.URLField(blank=True)
    escalation_webhook_secret = models.CharField(max_length=128, blank=True)
    urgent_escalation_minutes = models.PositiveIntegerField(default=30)
    high_escalation_minutes = models.PositiveIntegerField(default=24 * 60)
    # Overrides of detection.rules.RuleConfig keys for this team's patients.
    rule_overrides = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.name


class CareTeamMembership(models.Model):
    class TeamRole(models.TextChoices):
        NURSE = "nurse", "Nurse"
        PHYSICIAN = "physician", "Physician"
        PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
        COORDINATOR = "coordinator", "Coordinator"

    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    team_role = models.CharField(max_length=20, choices=TeamRole.choices)

    class Meta:
        constraints = [
            # One membership per clinician and team; the access helper joins on it.
            models.UniqueConstraint(fields=["team", "user"], name="unique_team_member"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_team_role_display()}, {self.team})"


class Patient(models.Model):
    class Region(models.TextChoices):
        CERVICAL = "cervical", "Cervical"
        THORACIC = "thoracic", "Thoracic"
        LUMBAR = "lumbar", "Lumbar"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient", null=True, blank=True
    )
    care_team = models.ForeignKey(CareTeam, on_delete=models.PROTECT, related_name="patients")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField(validators=[_validate_birth_date])
    region = models.CharField(max_length=16, choices=Region.choices, default=Region.CERVICAL)
    diagnosis_date = models.DateField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="Europe/London", validators=[_validate_timezone])
    enrolled_at = models.DateTimeField(default=dj_timezone.now)
    # Written by the detector so the nightly sweep reads only new check-ins.
    # Written whole by each evaluation, read whole by the next, never queried into: json, not jsonb.
    detector_state = JSONTextField(default=dict, blank=True)
    evaluated_through = models.DateField(null=True, blank=True)
    # The evaluation outbox: every saved check-in adds one to checkins_received
    # (in its own transaction, under this row's lock); an evaluation sets
    # checkins_evaluated to what it read under the same lock. Received >
    # evaluated means a check-in waits for detection, whatever the broker did.
    checkins_received = models.PositiveIntegerField(default=0)
    checkins_evaluated = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # evaluate_pending_task's query, every minute: only the few pending rows are in it.
            models.Index(
                fields=["id"],
                condition=models.Q(checkins_received__gt=models.F("checkins_evaluated")),
                name="patient_evaluation_pending_idx",
            ),
            # Dashboard search by name within a team.
            models.Index(fields=["care_team", "last_name", "first_name"], name="patient_team_name_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local_today(self, now=None) -> date:
        """The patient's own calendar day: check-ins are dated by it."""
        return (now or dj_timezone.now()).astimezone(self.tzinfo()).date()

    def earliest_checkin_date(self) -> date:
        """The first day a check-in may be dated: the local day of enrolment, less BACKFILL_DAYS."""
        return self.enrolled_at.astimezone(self.tzinfo()).date() - timedelta(days=BACKFILL_DAYS)

    def age(self, on: date | None = None) -> int:
        on = on or date.today()
        dob = self.date_of_birth
        return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


class PatientEvent(models.Model):
    class Kind(models.TextChoices):
        SURGERY = "surgery", "Surgery"
        PHYSIOTHERAPY_START = "physiotherapy_start", "Physiotherapy started"
        VISIT = "visit", "Follow-up visit"
        TREATMENT_CHANGE = "treatment_change", "Treatment change"
        OTHER = "other", "Other"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    date = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["date"]
        indexes = [
            # Chart and report: a patient's events in a date range.
            models.Index(fields=["patient", "date"], name="event_patient_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date}"


def _new_invitation_code() -> str:
    # Short enough to read out over the phone, long enough not to be guessed.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Invitation(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="invitations")
    code = models.CharField(max_length=16, unique=True, default=_new_invitation_code)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    # A code for someone who helps the patient (a spouse, a child): it makes their own log-in, not the patient's.
    for_caregiver = models.BooleanField(default=False)

    def is_usable(self, now=None) -> bool:
        now = now or dj_timezone.now()
        return self.accepted_at is None and now < self.expires_at

    def __str__(self) -> str:
        return f"Invitation {self.code} for {self.patient}"


class ApiToken(models.Model):
    """One device's API credential. Only a SHA-256 digest of the secret is kept.

    The secret is 32 random bytes, so a fast hash is as safe as a slow one (no
    dictionary to try) and costs microseconds per request, not PBKDF2's tenth of
    a second. `password_stamp` ties the token to the password it was issued
    under: any password change, by any path, revokes every token at once.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="The device, as its owner named it.")
    prefix = models.CharField(max_length=8, help_text="The token's first characters, to tell devices apart.")
    digest = models.CharField(max_length=64, unique=True)
    password_stamp = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    sliding = models.BooleanField(default=False, help_text="Each use pushes the expiry back (patients' phones).")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) for {self.user}"

    def is_expired(self, now=None) -> bool:
        return (now or dj_timezone.now()) >= self.expires_at


class Passkey(models.Model):
    """A WebAuthn credential (fingerprint, face or the phone's screen lock) that logs its owner in without typing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(max_length=100, default="Passkey")
    credential_id = models.CharField(max_length=1400, unique=True, help_text="base64url, as the browser sends it.")
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} for {self.user}"


class Caregiver(models.Model):
    """Someone who helps one patient: enters check-ins for them and reads their own pages, nothing clinical."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caregiving")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="caregivers")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "patient"], condition=models.Q(removed_at__isnull=True), name="one_open_caregiver_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} helps {self.patient}"


class PatientContact(models.Model):
    """How the care team reaches a patient, and whom to call if they cannot.

    Its own row, not fields on Patient, so the pages and API that show a
    patient to a caregiver never carry it by accident. Phone numbers are
    stored in E.164 (patients.phones), whatever the form they were typed in.
    """

    class Method(models.TextChoices):
        MOBILE = "mobile", "Mobile phone"
        OTHER_PHONE = "other_phone", "Other phone"
        EMAIL = "email", "Email"

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="contact")
    mobile_phone = models.CharField(max_length=20, blank=True)
    other_phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    preferred_method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    preferred_time = models.CharField(max_length=80, blank=True, help_text="For example: weekdays after 10 am.")
    emergency_name = models.CharField(max_length=120, blank=True)
    emergency_relation = models.CharField(max_length=60, blank=True)
    emergency_phone = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    def __str__(self) -> str:
        return f"Contact details of {self.patient}"

    @property
    def has_any(self) -> bool:
        return any((self.mobile_phone, self.other_phone, self.email, self.emergency_phone))
