from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from motor.models import MotorTest


class MotorTestSerializer(serializers.ModelSerializer):
    measure = serializers.CharField(read_only=True, help_text="tap_left, tap_right, step or walk.")
    value = serializers.FloatField(
        read_only=True, allow_null=True, help_text="The one number the rule follows: taps, steps, or speed in m/s."
    )
    entered_by = serializers.CharField(source="entered_by_description", read_only=True)

    class Meta:
        model = MotorTest
        fields = [
            "id",
            "patient",
            "kind",
            "side",
            "measure",
            "date",
            "started_at",
            "recorded_at",
            "could_not_do",
            "practice",
            "value",
            "count",
            "misses",
            "rhythm_cv",
            "fatigue",
            "duration_s",
            "distance_m",
            "steps",
            "speed_m_s",
            "cadence",
            "input_method",
            "device",
            "entered_by",
            "client_id",
        ]
        read_only_fields = fields


class MotorTestResultSerializer(MotorTestSerializer):
    words = serializers.SerializerMethodField(
        help_text='The result in plain words, e.g. "32 taps, steadier than last week."'
    )

    class Meta(MotorTestSerializer.Meta):
        fields = [*MotorTestSerializer.Meta.fields, "words"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_words(self, row) -> str:
        return self.context.get("words", "")


class TapEventSerializer(serializers.Serializer):
    t = serializers.FloatField(help_text="Milliseconds since the 10 seconds began (0 to 11000).")
    target = serializers.ChoiceField(choices=["a", "b", "miss"])
    pointer = serializers.IntegerField(required=False, help_text="The Pointer Events pointerId (one per finger).")


class MotorTestWriteSerializer(serializers.Serializer):
    """Documents the body; the service (motor.services.motor_test_record) validates and scores it."""

    client_id = serializers.UUIDField(help_text="Made by the page for this try; sending it again stores nothing new.")
    kind = serializers.ChoiceField(choices=MotorTest.Kind.choices)
    side = serializers.ChoiceField(choices=MotorTest.Side.choices, required=False, help_text="Tap test only.")
    started_at = serializers.DateTimeField(required=False, help_text="Default: now. At most 7 days ago.")
    could_not_do = serializers.BooleanField(required=False, help_text="True: the patient could not do it; no results.")
    input_method = serializers.ChoiceField(
        choices=MotorTest.Method.choices,
        required=False,
        help_text="tap: touch, mouse or pen; step: sensor or helper; walk: buttons or helper.",
    )
    events = TapEventSerializer(many=True, required=False, help_text="Tap test: every pointerdown, in time order.")
    samples = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4),
        required=False,
        help_text="Step test with the sensor: [t_ms, x, y, z] accelerationIncludingGravity readings.",
    )
    steps = serializers.IntegerField(required=False, help_text="Step test typed by a helper; walk (optional).")
    duration_ms = serializers.FloatField(required=False, help_text="Timed walk: time from Start to Stop.")
