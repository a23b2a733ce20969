"""Template tags for charts: the patient's own progress chart and small labels."""

from datetime import timedelta

from django import template

from notifications.models import Alert
from tracker.charts import figure_json, patient_figure, progress_summary, recent_level
from tracker.rules import DECLINE_RULES
from tracker.trends import trend_series

register = template.Library()

PATIENT_CHART_DAYS = 90


@register.filter
def rule_label(rule: str) -> str:
    return (rule or "").replace("_", " ")


@register.inclusion_tag("tracker/_patient_progress.html")
def patient_progress(patient):
    """The patient's total over the last 90 days against their baseline, with plain words.

    Loads plotly.js only when there is something to draw.
    """
    today = patient.local_today()
    data = trend_series(patient=patient, start=today - timedelta(days=PATIENT_CHART_DAYS - 1), end=today)
    baseline = data["baselines"][-1]["total"] if data["baselines"] else None
    team_told = (
        Alert.objects.filter(patient=patient, rule__in=DECLINE_RULES).exclude(status=Alert.Status.RESOLVED).exists()
    )
    summary = progress_summary(latest=recent_level(data["series"]["total"]), baseline=baseline, team_told=team_told)
    return {
        "summary": summary,
        "figure_json": figure_json(patient_figure(data)) if data["dates"] else "",
        "chart_id": "my-progress",
    }
