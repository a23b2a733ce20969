from django import forms

from motor.models import MotorSettings


class MotorSettingsForm(forms.ModelForm):
    """The care team's choices for one patient: tests on or off, how often, the walk's distance."""

    every_days = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (7, "Every week"),
            (14, "Every 2 weeks"),
            (28, "Every 4 weeks"),
            (1, "Every day"),
            (3, "Every 3 days"),
        ],
        label="Suggest the tests",
    )

    class Meta:
        model = MotorSettings
        fields = ["enabled", "every_days", "walk_distance_m"]
        labels = {"enabled": "Offer the phone tests to this patient", "walk_distance_m": "Timed walk distance (metres)"}
