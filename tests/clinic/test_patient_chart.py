"""The clinician's patient chart page and the patient's own progress chart on their home page."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from notifications.models import Alert
from patients.models import PatientEvent
from tests.conftest import add_history
from tracker.models import Baseline, CheckIn

PLOTLY = "/static/vendor/plotly/plotly-basic.min.js"


def set_baseline(patient, total=15.0, days_ago=300):
    return Baseline.objects.create(
        patient=patient,
        method="automatic",
        effective_from=patient.local_today() - timedelta(days=days_ago),
        fine_motor=4,
        gait=6,
        sensation=2,
        bladder=total - 12,
        total=total,
    )


def figure_of(html, chart_id):
    match = re.search(rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


@pytest.fixture
def charted(patient):
    set_baseline(patient)
    add_history(patient, days=200)
    Alert.objects.create(
        patient=patient, rule="drift", severity="moderate", date=patient.local_today(), evidence="Drifting"
    )
    return patient


def detail(client, patient, **params):
    return client.get(reverse("patient_detail", args=[patient.pk]), params)


def test_the_chart_page_shows_the_header_chart_alerts_and_links(clinician_client, charted):
    response = detail(clinician_client, charted)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ada Lovelace" in html and "Spine Clinic A" in html and "Cervical" in html
    assert "Drifting" in html
    assert reverse("patient_report", args=[charted.pk]) in html
    assert reverse("patient_report_csv", args=[charted.pk]) in html
    assert PLOTLY in html and "/static/js/charts.js" in html
    fig = figure_of(html, "clinician-chart")
    kinds = {(t["meta"]["panel"], t["meta"]["kind"]) for t in fig["data"]}
    assert ("total", "alert") in kinds and ("gait", "baseline") in kinds


@pytest.mark.parametrize(("key", "points"), [("30d", 29), ("90d", 89), ("1y", 200), ("all", 200)])
def test_the_range_links_choose_the_span(clinician_client, charted, key, points):
    html = detail(clinician_client, charted, range=key).content.decode()
    daily = next(t for t in figure_of(html, "clinician-chart")["data"] if t["meta"]["kind"] == "daily")
    assert len(daily["x"]) == points
    assert f'href="?range={key}" aria-current="page"' in html


def test_the_since_last_visit_range_starts_at_the_visit(clinician_client, charted):
    PatientEvent.objects.create(patient=charted, kind="visit", date=charted.local_today() - timedelta(days=9))
    html = detail(clinician_client, charted, range="visit").content.decode()
    fig = figure_of(html, "clinician-chart")
    daily = next(t for t in fig["data"] if t["meta"]["kind"] == "daily")
    assert len(daily["x"]) == 9  # the visit day to yesterday; no check-in today
    assert [s["name"] for s in fig["layout"]["shapes"]] == ["event:visit"]


def test_an_unknown_range_is_a_400_naming_it(clinician_client, charted):
    response = detail(clinician_client, charted, range="week")
    assert response.status_code == 400 and response.content.decode().startswith("range:")


def test_a_patient_without_check_ins_gets_no_chart_and_no_plotly(clinician_client, patient):
    html = detail(clinician_client, patient).content.decode()
    assert "No check-ins in this range." in html
    assert "plotly" not in html.lower()


def test_a_clinician_of_another_team_gets_404(client, other_clinician, charted):
    client.force_login(other_clinician)
    assert detail(client, charted).status_code == 404


def test_a_patient_cannot_see_a_care_team_chart(patient_client, patient, other_patient):
    assert detail(patient_client, other_patient).status_code == 403
    assert detail(patient_client, patient).status_code == 403


# ---- the patient's own chart ----------------------------------------------------


def test_the_patient_sees_their_total_and_baseline_in_plain_words(patient_client, charted):
    html = patient_client.get(reverse("today")).content.decode()
    assert "About the same as when you started." in html
    # Drawn on the server (tracker.patient_chart): no chart library on a patient's page.
    assert "plotly" not in html.lower()
    svg = html.split('<svg class="trend-svg"', 1)[1].split("</svg>", 1)[0]
    assert svg.count("<circle") == 89  # the last 90 days, today not yet checked in
    assert 'class="trend-baseline"' in svg


def test_a_patient_whose_decline_was_flagged_is_told_the_team_knows(patient_client, patient):
    set_baseline(patient, 15.0)
    add_history(patient, {i: (4, 4, 1, 3) for i in range(10)}, start=patient.local_today() - timedelta(days=10))
    Alert.objects.create(
        patient=patient, rule="sustained_decline", severity="high", date=patient.local_today(), evidence="x"
    )
    html = patient_client.get(reverse("today")).content.decode()
    assert "Lower than when you started. Your care team has been told." in html


def test_a_patient_without_check_ins_loads_no_plotly(patient_client, patient):
    html = patient_client.get(reverse("today")).content.decode()
    assert "Your chart fills in as you check in." in html
    assert "plotly" not in html.lower()


def test_the_patient_chart_shows_only_their_own_data(patient_client, patient, other_patient):
    add_history(patient, days=5)
    add_history(other_patient, {0: (0, 0, 0, 0)}, start=patient.local_today() - timedelta(days=2))
    html = patient_client.get(reverse("today")).content.decode()
    svg = html.split('<svg class="trend-svg"', 1)[1].split("</svg>", 1)[0]
    assert svg.count("<circle") == 5 and CheckIn.objects.filter(patient=other_patient).count() == 1
    assert "Your total stayed at 15 of 18 over 5 days." in svg


def test_the_header_says_since_when_the_baseline_holds(clinician_client, charted):
    html = detail(clinician_client, charted, range="90d").content.decode()
    since = charted.local_today() - timedelta(days=300)
    assert f"<small> since {since.day} {since:%b %Y}</small>" in html
