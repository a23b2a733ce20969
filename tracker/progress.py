"""The patient's own progress panel on "My days": their total over the last
90 days against their baseline, with plain words."""

from datetime import timedelta

from detection.rules import DECLINE_RULES
from notifications.models import Alert
from patients.models import Patient
from tracker.charts import figure_json, patient_figure, progress_summary, recent_level
from tracker.trends import trend_series

PATIENT_CHART_DAYS = 90


def patient_progress(*, patient: Patient) -> dict:
    """Context for tracker/_patient_progress.html; plotly.js loads only when there is something to draw."""
    today = patient.local_today()
    data = trend_series(patient=patient, start=today - timedelta(days=PATIENT_CHART_DAYS - 1), end=today)
    baseline = data["baselines"][-1]["total"] if data["baselines"] else None
    team_told = (
        Alert.objects.filter(patient=patient, rule__in=DECLINE_RULES).exclude(status=Alert.Status.RESOLVED).exists()
    )
    summary = progress_summary(
        latest=recent_level(data["series"]["total"]), baseline=baseline, team_told=team_told, mcid=data["mcid"]["total"]
    )
    return {
        "summary": summary,
        "figure_json": figure_json(patient_figure(data)) if data["dates"] else "",
        "chart_id": "my-progress",
    }
