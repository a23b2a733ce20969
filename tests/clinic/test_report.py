import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from notifications.models import Alert
from patients.models import PatientEvent
from tests.conftest import add_history
from tracker.models import Baseline, CheckIn


@pytest.fixture
def visit_history(patient):
    """A visit 20 days ago, then 10 days at baseline level and 5 days lower, with a note, a red flag and an alert."""
    today = patient.local_today()
    visit = today - timedelta(days=20)
    PatientEvent.objects.create(patient=patient, kind="visit", date=visit)
    PatientEvent.objects.create(
        patient=patient, kind="physiotherapy_start", date=visit + timedelta(days=2), note="2x/wk"
    )
    Baseline.objects.create(
        patient=patient,
        method="automatic",
        effective_from=today - timedelta(days=200),
        fine_motor=4,
        gait=6,
        sensation=2,
        bladder=3,
        total=15,
    )
    # Days before the visit must not count.
    add_history(patient, {0: (0, 0, 0, 0)}, start=visit - timedelta(days=3))
    add_history(patient, {i: (4, 6, 2, 3) for i in range(10)}, start=visit)
    add_history(patient, {i: (4, 4, 2, 2) for i in range(10, 20)}, start=visit)
    CheckIn.objects.filter(patient=patient, date=visit + timedelta(days=15)).update(
        note="=HYPERLINK(1) legs heavier", rf_fall_injury=True, red_flag=True
    )
    Alert.objects.create(
        patient=patient,
        rule="sustained_decline",
        severity="high",
        status="resolved",
        outcome="visit_booked",
        date=visit + timedelta(days=16),
        evidence="Total 12 vs baseline 15 (-3) over the last 5 check-ins",
    )
    return visit, today


def get_report(client, patient, **params):
    return client.get(reverse("patient_report", args=[patient.pk]), params)


def test_the_report_defaults_to_the_period_since_the_last_visit(clinician_client, patient, visit_history):
    visit, today = visit_history
    response = get_report(clinician_client, patient)
    assert response.status_code == 200
    assert (response.context["start"], response.context["end"]) == (visit, today)
    assert response.context["days"] == 21


def test_the_report_figures_are_right(clinician_client, patient, visit_history):
    ctx = get_report(clinician_client, patient).context
    changes = {c["key"]: c for c in ctx["changes"]}
    assert changes["total"]["start"] == 15.0 and changes["total"]["end"] == 12.0
    assert changes["total"]["change"] == -3.0 and changes["total"]["vs_baseline"] == -3.0
    assert changes["gait"]["change"] == -2.0 and changes["bladder"]["vs_baseline"] == -1.0
    assert changes["fine_motor"]["change"] == 0.0
    assert ctx["checkin_days"] == 20 and ctx["adherence"] == 95  # 20 of 21 days
    html = get_report(clinician_client, patient).content.decode()
    assert 'data-key="total-change">-3<' in html
    assert "95%" in html


def test_the_report_lists_alerts_with_outcomes_red_flags_notes_and_events(clinician_client, patient, visit_history):
    html = get_report(clinician_client, patient).content.decode()
    assert "Total 12 vs baseline 15 (-3)" in html and "Visit booked" in html
    assert "Have you fallen or hurt your neck" in html
    assert "legs heavier" in html
    assert "Physiotherapy started" in html and "2x/wk" in html


def test_the_report_has_the_chart_and_a_print_stylesheet(clinician_client, patient, visit_history):
    html = get_report(clinician_client, patient).content.decode()
    assert 'data-figure="report-chart-data"' in html
    assert "vendor/plotly/plotly-basic.min.js" in html
    assert 'href="/static/css/print.css" media="print"' in html


def test_the_print_stylesheet_sets_the_page_and_hides_the_controls():
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/print.css")).read()
    assert "@page" in css and ".filters" in css and "break-inside: avoid" in css


def test_a_chosen_period_is_respected(clinician_client, patient, visit_history):
    visit, _ = visit_history
    start, end = visit + timedelta(days=10), visit + timedelta(days=14)
    ctx = get_report(clinician_client, patient, start=start.isoformat(), end=end.isoformat()).context
    assert ctx["checkin_days"] == 5 and ctx["adherence"] == 100
    total = next(c for c in ctx["changes"] if c["key"] == "total")
    assert total["start"] == total["end"] == 12.0


def test_without_a_visit_the_report_starts_at_enrolment(clinician_client, patient):
    ctx = get_report(clinician_client, patient).context
    assert ctx["start"] == patient.enrolled_at.astimezone(patient.tzinfo()).date() and ctx["checkin_days"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-13-01"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"start": "2026-05-02", "end": "2026-05-01"}, "start"),
    ],
)
@pytest.mark.parametrize("name", ["patient_report", "patient_report_csv"])
def test_bad_dates_are_a_400_naming_the_field(clinician_client, patient, params, field, name):
    response = clinician_client.get(reverse(name, args=[patient.pk]), params)
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{field}:")


def test_the_csv_has_the_check_ins_of_the_period(clinician_client, patient, visit_history):
    visit, today = visit_history
    response = clinician_client.get(reverse("patient_report_csv", args=[patient.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"myelotrack-patient-{patient.pk}-{visit}-to-{today}.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 20
    assert rows[0]["date"] == visit.isoformat() and rows[0]["total"] == "15"
    assert rows[-1]["gait"] == "4" and rows[-1]["total"] == "12"
    flagged = next(r for r in rows if r["red_flag"] == "1")
    assert flagged["rf_fall_injury"] == "1"
    # A note that looks like a formula is not run by a spreadsheet.
    assert flagged["note"] == "'=HYPERLINK(1) legs heavier"


@pytest.mark.parametrize("name", ["patient_report", "patient_report_csv"])
def test_a_clinician_of_another_team_gets_404(client, other_clinician, patient, name):
    client.force_login(other_clinician)
    assert client.get(reverse(name, args=[patient.pk])).status_code == 404


@pytest.mark.parametrize("name", ["patient_report", "patient_report_csv"])
def test_a_patient_cannot_see_a_report_even_their_own(patient_client, patient, other_patient, name):
    assert patient_client.get(reverse(name, args=[other_patient.pk])).status_code == 403
    assert patient_client.get(reverse(name, args=[patient.pk])).status_code == 403


def test_a_report_without_check_ins_loads_no_plotly(clinician_client, patient):
    html = get_report(clinician_client, patient).content.decode()
    assert "No check-ins in this range." in html
    assert "vendor/plotly" not in html
