import zoneinfo

from django import forms

from notifications.models import Alert, NotificationPreference, Severity
from notifications.services import PREFERENCE_FIELDS

# Closing outcomes a clinician chooses; the automatic ones are set by detection.
MANUAL_OUTCOMES = [(value, label) for value, label in Alert.Outcome.choices if value not in Alert.AUTOMATIC_OUTCOMES]


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(choices=MANUAL_OUTCOMES, widget=forms.RadioSelect)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label="Me")

    def __init__(self, *args, clinicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = clinicians


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Unresolved"), *Alert.Status.choices, ("all", "All")])
    severity = forms.ChoiceField(required=False, choices=[("", "Any severity"), *Severity.choices])
    # Whose alerts: a clinician starting a shift first wants their own, then
    # the ones nobody has picked up yet.
    owner = forms.ChoiceField(
        required=False, choices=[("", "Anyone"), ("me", "Assigned to me"), ("unassigned", "Unassigned")]
    )


class PreferenceForm(forms.ModelForm):
    webhook_url = forms.URLField(
        required=False, assume_scheme="https", label="Webhook URL (pager or SMS gateway)", max_length=200
    )
    webhook_secret = forms.CharField(
        required=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current secret.",
    )
    timezone = forms.ChoiceField(initial="Europe/London")

    class Meta:
        model = NotificationPreference
        # The same fields the service accepts, so the two cannot drift apart.
        fields = list(PREFERENCE_FIELDS)
        labels = {
            "email_enabled": "Send me emails",
            "email_min_severity": "Email me for alerts at least this severe",
            "webhook_url": "Webhook URL (pager or SMS gateway)",
            "webhook_min_severity": "Call the webhook for alerts at least this severe",
            "quiet_start": "Quiet hours start",
            "quiet_end": "Quiet hours end",
        }
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(z, z) for z in sorted(zoneinfo.available_timezones())]
        self._old_secret = self.instance.webhook_secret if self.instance else ""

    def clean_webhook_url(self):
        url = self.cleaned_data.get("webhook_url", "")
        if url and not url.startswith(("https://", "http://")):
            raise forms.ValidationError("Use an http:// or https:// address.")
        return url

    def clean(self):
        data = super().clean()
        if not data.get("webhook_secret"):
            data["webhook_secret"] = self._old_secret
        if data.get("webhook_url") and not data.get("webhook_secret"):
            self.add_error("webhook_secret", "A webhook needs a secret so the receiver can check our signature.")
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            self.add_error("quiet_end", "Give both the start and the end of quiet hours, or neither.")
        return data
