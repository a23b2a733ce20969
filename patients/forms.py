import zoneinfo

from django import forms

from patients.models import Patient, PatientContact, PatientEvent
from patients.phones import phone_international


class EnrolForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, empty_label=None)
    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80)
    date_of_birth = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ChoiceField(choices=Patient.Region.choices)
    diagnosis_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    timezone_name = forms.ChoiceField(label="Time zone", initial="Europe/London")
    mobile_phone = forms.CharField(
        label="Mobile phone",
        max_length=40,
        required=False,
        help_text="With or without the country code; the rest of the contact details are on the patient's page.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["timezone_name"].choices = [(z, z) for z in sorted(zoneinfo.available_timezones())]


class AcceptInvitationForm(forms.Form):
    code = forms.CharField(
        label="Invitation code",
        max_length=16,
        help_text="The 10 letters and numbers your care team gave you.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter the invitation code from your care team."},
    )
    username = forms.CharField(
        label="Choose a user name (optional)",
        max_length=150,
        required=False,
        help_text="Leave it empty and we make one from your name.",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Choose a password",
        min_length=8,
        help_text="At least 8 characters. A few words in a row are easy to remember.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Choose a password."},
    )
    password_again = forms.CharField(
        label="Password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type the password a second time."},
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords are not the same.")
        return data


class PatientEventForm(forms.Form):
    kind = forms.ChoiceField(
        label="What happened",
        choices=[
            (PatientEvent.Kind.SURGERY, "Surgery"),
            (PatientEvent.Kind.PHYSIOTHERAPY_START, "Physiotherapy started"),
            (PatientEvent.Kind.VISIT, "Follow-up visit"),
            (PatientEvent.Kind.TREATMENT_CHANGE, "Treatment change"),
            (PatientEvent.Kind.OTHER, "Other"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened.", "invalid_choice": "Choose one of the listed events."},
    )
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the date.", "invalid": "Enter a date like 2026-03-14."},
    )
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6 digits your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": "Enter the code from your authenticator app."},
    )


class AccountEmailForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        required=False,
        help_text="Used only to send you a link if you forget your password. Leave it empty to remove it.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _phone_field(label: str) -> forms.CharField:
    # Longer than E.164 (16) because people type spaces, dashes and brackets; the service normalises.
    return forms.CharField(
        label=label, max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
    )


class PatientContactForm(forms.Form):
    """The contact details, as the care team or the patient types them; patients.services checks the numbers."""

    mobile_phone = _phone_field("Mobile phone")
    other_phone = _phone_field("Other phone")
    email = forms.EmailField(
        label="Email", required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"}), max_length=254
    )
    preferred_method = forms.ChoiceField(
        label="Best way to reach",
        required=False,
        choices=[("", "No preference"), *PatientContact.Method.choices],
    )
    preferred_time = forms.CharField(
        label="Best time", max_length=80, required=False, help_text="For example: weekdays after 10 am."
    )
    emergency_name = forms.CharField(label="Emergency contact: name", max_length=120, required=False)
    emergency_relation = forms.CharField(
        label="Emergency contact: relation", max_length=60, required=False, help_text="For example: wife, son."
    )
    emergency_phone = _phone_field("Emergency contact: phone")

    @classmethod
    def initial_from(cls, contact: PatientContact) -> dict:
        initial = {name: getattr(contact, name) for name in cls.base_fields}
        for name in ("mobile_phone", "other_phone", "emergency_phone"):
            initial[name] = phone_international(initial[name])
        return initial
