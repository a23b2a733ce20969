"""Shapes of the alert endpoints."""

from rest_framework import serializers

from notifications.models import Alert, Severity


class AlertListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[*Alert.Status.values, "all"],
        required=False,
        help_text="open, acknowledged, resolved or all; unresolved when left out.",
    )
    severity = serializers.ChoiceField(choices=Severity.values, required=False)


class AlertSerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    # Blank until resolved; declared so the schema's enum allows "".
    outcome = serializers.ChoiceField(choices=Alert.Outcome.choices, allow_blank=True, read_only=True)
    probability_real = serializers.FloatField(
        read_only=True,
        allow_null=True,
        min_value=0,
        max_value=1,
        help_text="For a decline alert, how likely it is a real decline of at least 2 mJOA points (0-1), "
        "calibrated on simulated patients (docs/detection.md); null for red flags, missed check-ins, "
        "motor alerts and decline alerts opened before it existed.",
    )
    likelihood = serializers.CharField(
        read_only=True, help_text='probability_real in words, e.g. "Likely a real decline (about 75%)"; "" when null.'
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "patient",
            "patient_name",
            "rule",
            "severity",
            "status",
            "date",
            "evidence",
            "probability_real",
            "likelihood",
            "opened_at",
            "assigned_to",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "outcome",
            "resolution_note",
            "escalation_level",
        ]
        read_only_fields = fields


class AlertResolveSerializer(serializers.Serializer):
    # What a person did; the detection-only outcomes are not offered (nor accepted by alert_resolve).
    outcome = serializers.ChoiceField(
        choices=[(v, label) for v, label in Alert.Outcome.choices if v not in Alert.AUTOMATIC_OUTCOMES]
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
