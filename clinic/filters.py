"""The dashboard's filter form: search, team and status, validated so bad input is a 400 naming the field."""

from django import forms

from clinic.selectors import STATUS_LABELS


class DashboardFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search by name")
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Team")
    status = forms.ChoiceField(required=False, choices=list(STATUS_LABELS.items()), label="Show")

    def __init__(self, data, *, teams):
        super().__init__(data)
        self.fields["team"].choices = [("", "All teams")] + [(t.pk, t.name) for t in teams]

    def filters(self) -> dict:
        data = self.cleaned_data
        status = data["status"] or "all"
        return {"query": data["q"].strip(), "team_id": data["team"], "status": None if status == "all" else status}
