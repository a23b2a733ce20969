"""A check-in kept on a phone without signal and sent days later, through POST /api/v1/checkins/.

It belongs to the day it was made: it is stored on that date, the detector
sees it in date order, and any alert it completes is dated by the check-ins,
not by the day the phone found a signal.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from notifications.models import Alert
from tests.conftest import add_history
from tracker.evaluation import evaluate_patients
from tracker.models import CheckIn

pytestmark = pytest.mark.django_db

GOOD = (4, 6, 2, 3)  # total 15
AWFUL = {"fine_motor": 1, "gait": 2, "sensation": 0, "bladder": 1}  # total 4: far below, day after day


def post(client, answers, day, key):
    return client.post(
        reverse("api-checkins"), {**answers, "date": day.isoformat()}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


@pytest.fixture
def history(patient):
    """Fourteen good days (a baseline) ending five days ago, evaluated as the nightly sweep would."""
    today = patient.local_today()
    add_history(patient, dict.fromkeys(range(14), GOOD), start=today - timedelta(days=18))
    evaluate_patients([patient.pk])
    return today


def test_a_checkin_sent_three_days_late_is_stored_on_the_day_it_was_made(
    patient, history, api_client_for, django_capture_on_commit_callbacks
):
    today = history
    client = api_client_for(patient.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, AWFUL, today - timedelta(days=3), "late-3")
    assert response.status_code == 201, response.json()
    assert response.json()["date"] == (today - timedelta(days=3)).isoformat()
    assert list(
        CheckIn.objects.filter(patient=patient, date__gt=today - timedelta(days=4)).values_list("date", flat=True)
    ) == [today - timedelta(days=3)]


def test_a_late_checkin_completing_a_rapid_decline_dates_the_alert_by_the_checkins_not_by_its_arrival(
    patient, history, api_client_for, django_capture_on_commit_callbacks
):
    """Awful days 3 and 1 days ago arrive on time; the one of 2 days ago arrives today.

    In date order that is three awful check-ins in a row, ending yesterday: far
    enough down for rapid_decline's 3-check-in test, so the rapid decline is
    yesterday's. Fed in the order they arrived (or stored as today's) the run
    would end today, and the alert would be dated today.
    """
    today = history
    client = api_client_for(patient.user)
    for back in (3, 1):
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, AWFUL, today - timedelta(days=back), f"on-time-{back}").status_code == 201
    assert not Alert.objects.filter(patient=patient, rule="rapid_decline").exists()  # two: not yet

    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, AWFUL, today - timedelta(days=2), "late-2").status_code == 201

    rapid = Alert.objects.get(patient=patient, rule="rapid_decline")
    assert rapid.date == today - timedelta(days=1)
    assert not Alert.objects.filter(patient=patient, date=today).exists()
    patient.refresh_from_db()
    assert patient.evaluated_through == today - timedelta(days=1)


def test_a_late_red_flag_is_dated_the_day_it_was_answered_and_a_retry_stores_nothing_new(
    patient, history, api_client_for, django_capture_on_commit_callbacks
):
    today = history
    client = api_client_for(patient.user)
    made = today - timedelta(days=3)
    answers = {**AWFUL, "rf_weakness": True}
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, answers, made, "phone-made-key")
    # The phone never heard the answer and sends the same item again.
    with django_capture_on_commit_callbacks(execute=True):
        again = post(client, answers, made, "phone-made-key")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    checkin = CheckIn.objects.get(patient=patient, date=made)
    assert not checkin.revisions.exists()
    assert list(Alert.objects.filter(patient=patient, rule="red_flag").values_list("date", flat=True)) == [made]
