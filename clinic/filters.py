"""The dashboard's filter form: search, team and status, validated so bad input is a 400 naming the field.

A name typed into the search box is a patient's name: it must not travel in a
URL, where web-server and proxy access logs and the browser's history keep it.
So the search is sent by POST and kept in the clinician's session
(SEARCH_SESSION_KEY); team and status are not identifying and stay in the query
string, so a link such as "?status=alerts" still works.
"""

from datetime import timedelta

from django import forms
from django.utils import timezone

from clinic.selectors import STATUS_LABELS

SEARCH_SESSION_KEY = "dashboard_search"
# The hand-over looks back one 12-hour shift unless asked otherwise.
HANDOVER_DEFAULT = timedelta(hours=12)
HANDOVER_LONGEST = timedelta(days=31)


class DashboardFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search by name")
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Team")
    status = forms.ChoiceField(required=False, choices=list(STATUS_LABELS.items()), label="Show")
    # How many rows, riskiest first ("Show more" asks for the next page size more); empty: one page.
    shown = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def __init__(self, data, *, teams):
        super().__init__(data)
        self.fields["team"].choices = [("", "All teams")] + [(t.pk, t.name) for t in teams]

    @classmethod
    def from_request(cls, request, *, teams) -> "DashboardFilterForm":
        """The GET filters plus the search kept in the session (never a name in the URL)."""
        data = request.GET.copy()
        data.pop("q", None)
        data["q"] = request.session.get(SEARCH_SESSION_KEY, "")
        return cls(data, teams=teams)

    def filters(self) -> dict:
        data = self.cleaned_data
        status = data["status"] or "all"
        return {"query": data["q"].strip(), "team_id": data["team"], "status": None if status == "all" else status}

    def rows_shown(self, page_size: int) -> int:
        return self.cleaned_data["shown"] or page_size


class HandoverForm(forms.Form):
    """`since` as the browser's datetime-local sends it (YYYY-MM-DDTHH:MM), in the user's time zone."""

    since = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        label="Changes since",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_since(self):
        since = self.cleaned_data.get("since")
        now = timezone.now()
        if since is None:
            return now - HANDOVER_DEFAULT
        if since > now:
            raise forms.ValidationError("Choose a time in the past.")
        # A month is already more than any shift; a bound keeps the page short.
        if since < now - HANDOVER_LONGEST:
            raise forms.ValidationError(f"Choose a time within the last {HANDOVER_LONGEST.days} days.")
        return since
