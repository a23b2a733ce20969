"""Shapes of the API's own endpoints: log-in, me, a patient's check-ins and baselines.

Serializers validate and render; they never save (services do).
"""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.copying import shallow_copy
from core.dates import parse_iso_date
from detection.scales import DOMAIN_BY_KEY, NUMBNESS_LOCATIONS, RED_FLAG_KEYS, RED_FLAGS, severity_of_total
from patients.models import ApiToken, CareTeam, CareTeamMembership, Patient, User
from patients.two_factor import has_two_factor, two_factor_check, two_factor_needed_at_log_in
from tracker.models import Baseline, CheckIn
from tracker.services import ANSWER_FIELDS

RED_FLAG_QUESTION = {flag.key: flag.question for flag in RED_FLAGS}


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    device = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text='A name for this device, e.g. "Ada\'s phone".'
    )
    otp_code = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Clinicians and admins: the code from your authenticator app (or a recovery code).",
    )

    def validate(self, attrs):
        request = self.context.get("request")
        credentials = {"username": attrs["username"], "password": attrs["password"]}
        # The Django request, not DRF's wrapper: django-axes marks a lock-out on it.
        user = authenticate(request=getattr(request, "_request", request), **credentials)
        if user is None or not user.is_active:
            raise serializers.ValidationError("Unable to log in with that user name and password.")
        if two_factor_needed_at_log_in(user):
            if not has_two_factor(user):
                raise serializers.ValidationError(
                    {"otp_code": "Set up two-factor sign-in on the web first (log in there once), then use the API."}
                )
            if two_factor_check(user=user, code=attrs.get("otp_code", "")) is None:
                raise serializers.ValidationError(
                    {"otp_code": "Enter the current code from your authenticator app (or a recovery code)."}
                )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`. Shown only this once.")
    user_id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=User.Role.choices)
    device = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="Patients: pushed back by each use of the token.")


class DeviceTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="The token this request was made with.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "current"]

    def get_current(self, token) -> bool:
        request = self.context.get("request")
        return bool(request and getattr(request.auth, "pk", None) == token.pk)


class CareTeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = CareTeam
        fields = ["id", "name", "phone"]


class MembershipSerializer(serializers.ModelSerializer):
    team = CareTeamSerializer()

    class Meta:
        model = CareTeamMembership
        fields = ["team", "team_role"]


class PatientBriefSerializer(serializers.ModelSerializer):
    care_team = CareTeamSerializer()

    class Meta:
        model = Patient
        fields = ["id", "first_name", "last_name", "date_of_birth", "region", "timezone", "care_team"]


class MeSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField()
    patient = serializers.SerializerMethodField(help_text="Your patient record (patients only).")
    teams = MembershipSerializer(source="memberships", many=True, help_text="Your care teams (clinicians).")

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "role", "patient", "teams"]

    @extend_schema_field(PatientBriefSerializer(allow_null=True))
    def get_patient(self, user):
        patient = Patient.objects.filter(user=user).select_related("care_team").first()
        return PatientBriefSerializer(patient).data if patient else None


def _domain_field(key: str):
    domain = DOMAIN_BY_KEY[key]
    return serializers.IntegerField(
        min_value=0, max_value=domain.max_score, help_text=f"{domain.label}: 0 (worst) to {domain.max_score} (normal)."
    )


def _red_flag_field(key: str):
    return serializers.BooleanField(required=False, default=False, help_text=RED_FLAG_QUESTION[key])


def _rating_field(label: str):
    return serializers.IntegerField(
        min_value=0, max_value=10, required=False, allow_null=True, help_text=f"{label}, 0 (none) to 10."
    )


def _locations_field(**kwargs):
    return serializers.ListField(
        child=serializers.ChoiceField(choices=NUMBNESS_LOCATIONS), max_length=len(NUMBNESS_LOCATIONS), **kwargs
    )


class IsoDateField(serializers.DateField):
    """YYYY-MM-DD in ASCII digits only (no week dates, no other scripts' digits)."""

    def to_internal_value(self, value):
        try:
            return parse_iso_date(value)
        except ValueError:
            self.fail("invalid", format="YYYY-MM-DD")


class FieldsOnceMixin:
    """Build a serializer's fields once per class, not once per request.

    DRF builds them afresh for every serializer instance: a ModelSerializer
    inspects the model again, a plain Serializer deep-copies each declared
    field, which re-runs every field's constructor and its validators'. For the
    check-in POST that was a quarter of the answer's serializer work and 0.77
    of the body's 1.05 ms of validation (cProfile, 1,000 POSTs). Each instance
    gets its own shallow copy of each field instead: binding a field to its
    serializer sets attributes on the copy only. What the copies share (their
    validators, choices, a list field's child) is only read, by rendering and
    by these fields' validation alike: integers, booleans, a date, a text and a
    list of choices keep nothing on themselves while validating (errors are
    raised, values returned). A field that caches per-request state on itself
    (a related field's queryset, a nested serializer) must not use this.
    """

    def get_fields(self):
        cls = type(self)
        if "_fields_once" not in cls.__dict__:
            cls._fields_once = super().get_fields()
        return {name: shallow_copy(field) for name, field in cls._fields_once.items()}


class CheckInWriteSerializer(FieldsOnceMixin, serializers.Serializer):
    """A day's answers. Unknown fields are refused, so a typo cannot silently drop an answer."""

    date = IsoDateField(required=False, help_text="Your local day (YYYY-MM-DD); today in your time zone when left out.")
    fine_motor = _domain_field("fine_motor")
    gait = _domain_field("gait")
    sensation = _domain_field("sensation")
    bladder = _domain_field("bladder")
    rf_bladder_bowel = _red_flag_field("rf_bladder_bowel")
    rf_saddle_numbness = _red_flag_field("rf_saddle_numbness")
    rf_weakness = _red_flag_field("rf_weakness")
    rf_fall_injury = _red_flag_field("rf_fall_injury")
    rf_breathing = _red_flag_field("rf_breathing")
    numbness = _rating_field("Numbness")
    numbness_locations = _locations_field(required=False)
    neck_pain = _rating_field("Neck pain")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


def red_flag_in(data) -> bool:
    """Does a raw (unvalidated) check-in body answer yes to any red flag, as the serializer would read it?

    Known before validation and before anything touches the database, so a
    503 for a refused save can still tell the patient to get emergency care.
    """
    if not isinstance(data, dict):
        return False
    true_values = serializers.BooleanField.TRUE_VALUES
    return any(isinstance(data.get(key), bool | int | str) and data.get(key) in true_values for key in RED_FLAG_KEYS)


def answers_of(validated: dict) -> dict:
    return {key: value for key, value in validated.items() if key in ANSWER_FIELDS}


class CheckInSerializer(FieldsOnceMixin, serializers.ModelSerializer):
    """A stored check-in: the day's answers, their mJOA total and severity band, and who entered them."""

    numbness_locations = _locations_field(read_only=True)
    severity = serializers.SerializerMethodField(help_text="mJOA band of the total: normal, mild, moderate, severe.")
    entered_by = serializers.CharField(
        source="entered_by_description",
        read_only=True,
        help_text='"Patient", "Caregiver (name)" or "Care team (name)".',
    )

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "patient",
            "date",
            *ANSWER_FIELDS,
            "total",
            "severity",
            "red_flag",
            "entered_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_severity(self, checkin) -> str:
        return severity_of_total(checkin.total)

    def to_representation(self, checkin):
        """The same answer DRF's field-by-field walk gives, written out: a fifth of its cost.

        Every check-in POST answers with one of these and every list page has
        up to 50; DRF's walk (bind 22 fields, then get and convert each) took
        0.13 ms a check-in. The date-times go through DRF's own field, so a
        change of DATETIME_FORMAT or time zone still applies. A test holds this
        equal to the walk (`super().to_representation`) key by key and value by
        value for check-ins of every kind, and to Meta.fields.
        """
        if not _CHECKIN_FIELDS_MATCH:
            return super().to_representation(checkin)
        locations = checkin.numbness_locations
        return {
            "id": checkin.pk,
            "patient": checkin.patient_id,
            "date": _DATE.to_representation(checkin.date),
            "fine_motor": _int_or_none(checkin.fine_motor),
            "gait": _int_or_none(checkin.gait),
            "sensation": _int_or_none(checkin.sensation),
            "bladder": _int_or_none(checkin.bladder),
            "rf_bladder_bowel": _bool_or_none(checkin.rf_bladder_bowel),
            "rf_saddle_numbness": _bool_or_none(checkin.rf_saddle_numbness),
            "rf_weakness": _bool_or_none(checkin.rf_weakness),
            "rf_fall_injury": _bool_or_none(checkin.rf_fall_injury),
            "rf_breathing": _bool_or_none(checkin.rf_breathing),
            "numbness": _int_or_none(checkin.numbness),
            "numbness_locations": None if locations is None else list(locations),
            "neck_pain": _int_or_none(checkin.neck_pain),
            "note": None if checkin.note is None else str(checkin.note),
            "total": _int_or_none(checkin.total),
            "severity": severity_of_total(checkin.total),
            "red_flag": _bool_or_none(checkin.red_flag),
            "entered_by": checkin.entered_by_description,
            "created_at": _DATETIME.to_representation(checkin.created_at),
            "updated_at": _DATETIME.to_representation(checkin.updated_at),
        }


# What CheckInSerializer.to_representation writes out, in order; if Meta.fields ever differs, it walks the
# fields as DRF does (and the test that holds the two equal fails).
_CHECKIN_KEYS = (
    "id", "patient", "date", *ANSWER_FIELDS, "total", "severity", "red_flag", "entered_by", "created_at", "updated_at",
)  # fmt: skip
_CHECKIN_FIELDS_MATCH = tuple(CheckInSerializer.Meta.fields) == _CHECKIN_KEYS
_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()


def _int_or_none(value):
    return None if value is None else int(value)


def _bool_or_none(value):
    return None if value is None else bool(value)


class BaselineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Baseline
        fields = [
            "id",
            "method",
            "effective_from",
            "fine_motor",
            "gait",
            "sensation",
            "bladder",
            "total",
            "source_from",
            "source_to",
            "source_count",
            "set_at",
            "reason",
        ]
        read_only_fields = fields
