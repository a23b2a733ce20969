"""Forms of the clinicians' baseline page: re-baseline from a date, or set by hand."""

from django import forms

from detection.scales import DOMAINS


def _half_points(top: int) -> list[tuple[str, str]]:
    # Whole and half points (medians give halves), best first like the check-in.
    return [(f"{v / 2:g}", f"{v / 2:g}") for v in range(top * 2, -1, -1)]


class RebaselineForm(forms.Form):
    from_date = forms.DateField(
        label="New baseline from",
        help_text="The median of the first check-ins from this day becomes the baseline.",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the date as YYYY-MM-DD.", "required": "Choose the day to start from."},
    )
    reason = forms.CharField(label="Why (for example: after surgery)", max_length=300, required=False)


class ManualBaselineForm(forms.Form):
    effective_from = forms.DateField(
        label="Applies from",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the date as YYYY-MM-DD.", "required": "Choose the day it applies from."},
    )
    reason = forms.CharField(label="Why (for example: clinic mJOA)", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for domain in DOMAINS:
            self.fields[domain.key] = forms.TypedChoiceField(
                label=f"{domain.label} (0-{domain.max_score})",
                choices=_half_points(domain.max_score),
                coerce=float,
                error_messages={"required": f"Choose a {domain.label.lower()} score."},
            )
        self.order_fields([d.key for d in DOMAINS] + ["effective_from", "reason"])

    def scores(self) -> dict[str, float]:
        return {d.key: self.cleaned_data[d.key] for d in DOMAINS}
