from django import forms

from reminders.channels import push_enabled
from reminders.models import Channel, ReminderPreference


class ReminderForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ["channel", "time", "email"]
        labels = {
            "channel": "How should we remind you?",
            "time": "At what time each day?",
            "email": "Email address for reminders",
        }
        help_texts = {
            "email": "Leave empty to use the address on your account.",
        }
        widgets = {
            "channel": forms.RadioSelect,
            "time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = self.instance.patient.timezone.replace("_", " ")
        self.fields[
            "time"
        ].help_text = f"Your own local time ({zone}). No reminder comes once you have checked in that day."
        if not push_enabled():
            # Without VAPID keys there is no way to reach a phone: do not offer it.
            self.fields["channel"].choices = [c for c in Channel.choices if c[0] != Channel.PUSH]


class PushSubscriptionForm(forms.Form):
    """The JSON of the browser's PushSubscription.toJSON(), flattened."""

    endpoint = forms.URLField(max_length=1000, assume_scheme="https")
    p256dh = forms.CharField(max_length=200)
    auth = forms.CharField(max_length=100)

    def clean_endpoint(self):
        endpoint = self.cleaned_data["endpoint"]
        # Browsers' push services are always HTTPS; anything else would let a
        # client make the server post to an address of its choosing in clear.
        if not endpoint.startswith("https://"):
            raise forms.ValidationError("A push endpoint must be an https:// URL.")
        return endpoint
