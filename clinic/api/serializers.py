"""Shapes of the care team's patient endpoints (dashboard rows, one patient, trends)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.selectors import STATUSES
from notifications.models import Alert, Severity
from patients.models import Patient, PatientContact
from patients.services import CONTACT_FIELDS
from tracker.api.serializers import BaselineSerializer, CareTeamSerializer, CheckInSerializer

MAX_ID = 2**63 - 1


class PatientListQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Part of a name.")
    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="Care team id.")
    status = serializers.ChoiceField(choices=STATUSES, required=False, help_text="Dashboard filter.")


class OpenAlertBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    status = serializers.ChoiceField(choices=Alert.Status.choices)
    date = serializers.DateField()
    evidence = serializers.CharField()


class SparkPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    total = serializers.IntegerField(min_value=0, max_value=18)


class PatientRowSerializer(serializers.Serializer):
    """One dashboard row: the API's GET /patients/ lists them ordered by risk."""

    id = serializers.IntegerField(source="patient.pk")
    first_name = serializers.CharField(source="patient.first_name")
    last_name = serializers.CharField(source="patient.last_name")
    age = serializers.IntegerField()
    region = serializers.ChoiceField(source="patient.region", choices=Patient.Region.choices)
    team = serializers.CharField()
    team_id = serializers.IntegerField(source="patient.care_team_id")
    last_checkin = serializers.DateField(allow_null=True)
    days_since_checkin = serializers.IntegerField(allow_null=True)
    latest_total = serializers.FloatField(allow_null=True, help_text="Median of the last week's check-ins.")
    baseline_total = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True, help_text="latest_total minus baseline_total.")
    declining = serializers.BooleanField()
    missed = serializers.BooleanField()
    open_alerts = OpenAlertBriefSerializer(many=True)
    sparkline = serializers.SerializerMethodField(help_text="Totals of the last 30 days, oldest first.")

    @extend_schema_field(SparkPointSerializer(many=True))
    def get_sparkline(self, row):
        return [{"date": day.isoformat(), "total": total} for day, total in row.sparkline]


class LatestSerializer(serializers.Serializer):
    date = serializers.DateField()
    total = serializers.IntegerField()


class PatientContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = PatientContact
        fields = list(CONTACT_FIELDS)
        read_only_fields = fields


class PatientDetailSerializer(serializers.ModelSerializer):
    care_team = CareTeamSerializer()
    has_account = serializers.SerializerMethodField()
    baseline = serializers.SerializerMethodField(help_text="The baseline in force (null until there is one).")
    latest_checkin = serializers.SerializerMethodField()
    baseline_total = serializers.SerializerMethodField()
    latest_total = serializers.SerializerMethodField()
    open_alerts = serializers.SerializerMethodField(help_text="Number of unresolved alerts.")
    contact = serializers.SerializerMethodField(
        help_text="Phone numbers (E.164), email, preferences and emergency contact; only the care team sees it."
    )

    class Meta:
        model = Patient
        fields = [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "region",
            "diagnosis_date",
            "timezone",
            "enrolled_at",
            "care_team",
            "has_account",
            "baseline",
            "latest_checkin",
            "baseline_total",
            "latest_total",
            "open_alerts",
            "contact",
        ]
        read_only_fields = fields

    def get_has_account(self, patient) -> bool:
        return patient.user_id is not None

    @extend_schema_field(BaselineSerializer(allow_null=True))
    def get_baseline(self, patient):
        baseline = self.context["summary"]["baseline"]
        return BaselineSerializer(baseline).data if baseline else None

    @extend_schema_field(CheckInSerializer(allow_null=True))
    def get_latest_checkin(self, patient):
        latest = self.context["summary"]["latest"]
        return CheckInSerializer(latest).data if latest else None

    def get_baseline_total(self, patient) -> float | None:
        baseline = self.context["summary"]["baseline"]
        return baseline.total if baseline else None

    def get_latest_total(self, patient) -> int | None:
        latest = self.context["summary"]["latest"]
        return latest.total if latest else None

    def get_open_alerts(self, patient) -> int:
        return self.context["summary"]["open_alerts"]

    @extend_schema_field(PatientContactSerializer(allow_null=True))
    def get_contact(self, patient):
        if not self.context.get("care_team"):
            return None
        try:
            return PatientContactSerializer(patient.contact).data
        except PatientContact.DoesNotExist:
            return None


class BaselineResetSerializer(serializers.Serializer):
    from_date = serializers.DateField(help_text="Check-ins from this day on form the new baseline.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, help_text="e.g. after surgery")


# The trend series (tracker.trends.trend_series), described for the schema.
class _DomainSeries(serializers.Serializer):
    fine_motor = serializers.ListField(child=serializers.IntegerField())
    gait = serializers.ListField(child=serializers.IntegerField())
    sensation = serializers.ListField(child=serializers.IntegerField())
    bladder = serializers.ListField(child=serializers.IntegerField())
    total = serializers.ListField(child=serializers.IntegerField())


class _SmoothedSeries(serializers.Serializer):
    fine_motor = serializers.ListField(child=serializers.FloatField())
    gait = serializers.ListField(child=serializers.FloatField())
    sensation = serializers.ListField(child=serializers.FloatField())
    bladder = serializers.ListField(child=serializers.FloatField())
    total = serializers.ListField(child=serializers.FloatField())


class _BaselineSegment(serializers.Serializer):
    # "from" is a Python keyword, hence the declared field name below.
    to = serializers.DateField()
    effective_from = serializers.DateField()
    method = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    fine_motor = serializers.FloatField()
    gait = serializers.FloatField()
    sensation = serializers.FloatField()
    bladder = serializers.FloatField()
    total = serializers.FloatField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        return fields


class _TrendAlert(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    rule = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()
    outcome = serializers.CharField(allow_blank=True)
    evidence = serializers.CharField(allow_blank=True)
    domains = serializers.ListField(child=serializers.CharField())


class _TrendEvent(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.CharField()
    label = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


class _RedFlagDay(serializers.Serializer):
    date = serializers.DateField()
    flags = serializers.ListField(child=serializers.CharField())
    total = serializers.IntegerField()


class _NoteDay(serializers.Serializer):
    date = serializers.DateField()
    note = serializers.CharField()


class TrendSeriesSerializer(serializers.Serializer):
    """Everything behind the charts; `dates` and each series run in parallel (one item per check-in)."""

    patient = serializers.IntegerField()
    start = serializers.DateField()
    view_start = serializers.DateField(help_text="First day the charts show.")
    end = serializers.DateField()
    dates = serializers.ListField(child=serializers.DateField())
    series = _DomainSeries()
    smoothed = _SmoothedSeries(help_text="Rolling median of the last smooth_window check-ins.")
    smooth_window = serializers.IntegerField()
    baselines = _BaselineSegment(many=True)
    alerts = _TrendAlert(many=True)
    events = _TrendEvent(many=True)
    red_flag_days = _RedFlagDay(many=True)
    notes = _NoteDay(many=True)


FHIR_BUNDLE_SCHEMA = {
    "type": "object",
    "description": "A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html): a searchset page, "
    "or a collection of the whole record (_count=all).",
    "properties": {
        "resourceType": {"type": "string", "enum": ["Bundle"]},
        "id": {"type": "string"},
        "type": {"type": "string", "enum": ["searchset", "collection"]},
        "timestamp": {"type": "string", "format": "date-time"},
        "total": {"type": "integer", "description": "Check-ins matching, over all pages (searchset only)."},
        "link": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "relation": {"type": "string", "enum": ["self", "next", "previous"]},
                    "url": {"type": "string", "format": "uri"},
                },
                "required": ["relation", "url"],
            },
        },
        "entry": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "fullUrl": {"type": "string"},
                    "resource": {
                        "type": "object",
                        "properties": {
                            "resourceType": {
                                "type": "string",
                                "enum": ["Patient", "Observation", "QuestionnaireResponse"],
                            }
                        },
                        "required": ["resourceType"],
                    },
                },
                "required": ["fullUrl", "resource"],
            },
        },
    },
    "required": ["resourceType", "type", "entry"],
}
