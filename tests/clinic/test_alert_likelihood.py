"""How likely a decline alert is real: shown to the care team beside the evidence, never to the patient."""

from datetime import timedelta

import pytest
from django.urls import reverse

from notifications.models import Alert, NotificationPreference
from notifications.services import alert_open
from tests.conftest import add_history
from tests.notifications.stand_ins import WebhookReceiver
from tracker.evaluation import evaluate_patients

WORDS = "Very likely a real decline (about 85%)"


@pytest.fixture
def decline(patient):
    alert, _ = alert_open(
        patient=patient,
        rule="sustained_decline",
        severity="high",
        date=patient.local_today(),
        evidence="Total 12.5 vs baseline 15 (-2.5) over the last 7 check-ins",
        evidence_data={"change": -2.5, "day_to_day_sd": 0.8, "probability_real": 0.87},
    )
    return alert


@pytest.fixture
def red_flag(patient):
    alert, _ = alert_open(
        patient=patient,
        rule="red_flag",
        severity="urgent",
        date=patient.local_today(),
        evidence="Red flag on today: sudden weakness",
        evidence_data={"red_flags": ["rf_weakness"]},
    )
    return alert


@pytest.mark.parametrize(
    "page", ["alert_inbox", "alert_detail", "patient_detail", "patient_report", "team_patients", "team_handover"]
)
def test_the_care_team_sees_the_likelihood_beside_the_evidence(clinician_client, patient, decline, page):
    args = {"alert_inbox": [], "alert_detail": [decline.pk], "team_patients": [], "team_handover": []}.get(
        page, [patient.pk]
    )
    html = clinician_client.get(reverse(page, args=args)).content.decode()
    assert "Total 12.5 vs baseline 15" in html
    assert WORDS in html
    assert 'class="likelihood" title="The chance that this is a real decline of 2 or more mJOA points' in html


@pytest.fixture
def junk_drift(patient):
    """A drift alert whose evidence_data holds no number where the probability goes."""
    alert, _ = alert_open(
        patient=patient,
        rule="drift",
        severity="moderate",
        date=patient.local_today(),
        evidence="Total below baseline 15 on most of the last 12 check-ins",
        evidence_data={"probability_real": "very"},
    )
    return alert


def test_the_dashboard_shows_nothing_for_a_junk_or_missing_probability(clinician_client, junk_drift, red_flag):
    html = clinician_client.get(reverse("team_patients")).content.decode()
    assert "Total below baseline 15" in html and "sudden weakness" in html
    assert "real decline (about" not in html


def test_red_flags_have_no_likelihood(clinician_client, patient, red_flag):
    html = clinician_client.get(reverse("alert_detail", args=[red_flag.pk])).content.decode()
    assert "sudden weakness" in html
    assert "real decline" not in html
    assert Alert.objects.get(pk=red_flag.pk).probability_real is None


@pytest.mark.parametrize("page", ["today", "checkin", "motor_hub"])
def test_the_patient_never_sees_it(patient_client, decline, page):
    html = patient_client.get(reverse(page)).content.decode()
    assert "real decline" not in html and "85%" not in html


def test_a_patient_cannot_open_the_alert_page(patient_client, decline):
    assert patient_client.get(reverse("alert_detail", args=[decline.pk])).status_code in (403, 404)


def test_a_junk_probability_in_evidence_data_shows_nothing(clinician_client, junk_drift):
    alert = junk_drift
    assert alert.probability_real is None and alert.likelihood == ""
    assert Alert(rule="drift", evidence_data={"probability_real": 1.5}).probability_real is None
    assert Alert(rule="drift", evidence_data={"probability_real": True}).probability_real is None
    html = clinician_client.get(reverse("alert_detail", args=[alert.pk])).content.decode()
    assert "real decline" not in html


def test_the_api_gives_the_probability_and_its_words(clinician, decline, red_flag):
    from rest_framework.test import APIClient

    from patients.tokens import token_issue

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=clinician).key}")
    rows = {a["id"]: a for a in api.get(reverse("api-alerts")).json()["results"]}
    assert rows[decline.pk]["probability_real"] == 0.87
    assert rows[decline.pk]["likelihood"] == WORDS
    assert rows[red_flag.pk]["probability_real"] is None and rows[red_flag.pk]["likelihood"] == ""


def test_the_email_and_the_webhook_carry_it(django_capture_on_commit_callbacks, clinician, patient):
    from django.core import mail

    from tests.notifications.test_delivery import SECRET

    with WebhookReceiver() as hook:
        NotificationPreference.objects.create(user=clinician, webhook_url=hook.url, webhook_secret=SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            alert_open(
                patient=patient,
                rule="rapid_decline",
                severity="urgent",
                date=patient.local_today(),
                evidence="Total fell from 15 to 11 (-4) within 4 days, -4 from baseline 15",
                evidence_data={"probability_real": 0.72},
            )
    (message,) = mail.outbox
    assert "How likely a real decline: Likely a real decline (about 70%)" in message.body
    assert "Ada" not in message.body and "Total fell" not in message.body
    (request,) = hook.received
    assert request.json["alert"]["probability_real"] == 0.72


def test_an_alert_opened_by_the_evaluation_carries_the_probability_the_detector_gave(clinician_client, patient):
    start = patient.local_today() - timedelta(days=23)
    add_history(patient, {i: (4, 6, 2, 3) if i < 14 else (3, 5, 2, 2) for i in range(24)}, start=start)
    evaluate_patients([patient.pk])
    alert = Alert.objects.get(patient=patient, rule="sustained_decline")
    assert 0 < alert.probability_real < 1
    assert alert.evidence_data["day_to_day_sd"] > 0
    html = clinician_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert alert.likelihood in html and "real decline (about" in html
