"""The clinicians' baseline page: who may see it, re-baseline, set by hand, bad input."""

from datetime import timedelta

import pytest
from django.urls import reverse

from notifications.models import Alert
from tests.conftest import add_history
from tracker.evaluation import evaluate_patients
from tracker.models import Baseline

GOOD = (4, 6, 2, 3)
FAIR = (3, 5, 2, 3)


def url(patient):
    return reverse("baseline_reset", args=[patient.pk])


@pytest.fixture
def declined(patient):
    start = patient.local_today() - timedelta(days=29)
    add_history(patient, {i: GOOD if i < 14 else FAIR for i in range(30)}, start=start)
    evaluate_patients([patient.pk])
    return start + timedelta(days=14)


def test_the_page_lists_the_baseline_history(clinician_client, patient, declined):
    response = clinician_client.get(url(patient))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Now compared with <strong>15/18</strong>" in page
    assert "Automatic (first check-ins)" in page
    assert 'name="rebaseline-from_date"' in page and 'name="manual-gait"' in page


def test_a_clinician_of_another_team_gets_404(client, other_clinician, patient):
    client.force_login(other_clinician)
    assert client.get(url(patient)).status_code == 404
    assert client.post(url(patient), {"action": "rebaseline", "rebaseline-from_date": "2026-01-01"}).status_code == 404


def test_a_patient_cannot_open_a_baseline_page_not_even_their_own(patient_client, patient, other_patient):
    assert patient_client.get(url(patient)).status_code == 403
    assert patient_client.get(url(other_patient)).status_code == 403
    assert patient_client.post(url(patient), {"action": "manual"}).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, patient):
    response = client.get(url(patient))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_rebaselining_from_a_date_saves_it_and_closes_the_decline_alert(clinician_client, clinician, patient, declined):
    assert Alert.objects.filter(patient=patient, rule="sustained_decline", status="open").exists()
    response = clinician_client.post(
        url(patient),
        {"action": "rebaseline", "rebaseline-from_date": declined.isoformat(), "rebaseline-reason": "After surgery"},
    )
    assert response.status_code == 302 and response["Location"] == url(patient)
    new = Baseline.objects.filter(patient=patient).order_by("-effective_from").first()
    assert (new.method, new.total, new.set_by, new.reason) == ("rebaseline", 13, clinician, "After surgery")
    assert not Alert.objects.filter(patient=patient).exclude(status="resolved").filter(rule="sustained_decline")
    page = clinician_client.get(url(patient)).content.decode()
    assert "New baseline 13/18" in page and "After surgery" in page


def test_setting_a_baseline_by_hand(clinician_client, patient, declined):
    response = clinician_client.post(
        url(patient),
        {
            "action": "manual",
            "manual-fine_motor": "5",
            "manual-gait": "6.5",
            "manual-sensation": "3",
            "manual-bladder": "3",
            "manual-effective_from": patient.local_today().isoformat(),
            "manual-reason": "Clinic mJOA",
        },
    )
    assert response.status_code == 302
    new = Baseline.objects.get(patient=patient, method="manual")
    assert (new.total, new.gait, new.reason) == (17.5, 6.5, "Clinic mJOA")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("2026-13-45", "Give the date as YYYY-MM-DD."),
        ("yesterday", "Give the date as YYYY-MM-DD."),
        ("", "Choose the day"),
    ],
)
def test_a_bad_date_is_a_400_naming_the_field_and_saves_nothing(clinician_client, patient, declined, bad, message):
    response = clinician_client.post(url(patient), {"action": "rebaseline", "rebaseline-from_date": bad})
    assert response.status_code == 400
    assert f'<ul class="errorlist" id="id_rebaseline-from_date_error"><li>{message}' in response.content.decode()
    assert Baseline.objects.filter(patient=patient).count() == 1


def test_too_few_checkins_from_the_date_is_a_400_saying_so(clinician_client, patient, declined):
    day = patient.local_today() - timedelta(days=2)
    response = clinician_client.post(url(patient), {"action": "rebaseline", "rebaseline-from_date": day.isoformat()})
    assert response.status_code == 400
    assert 'id="id_rebaseline-from_date_error"><li>Not enough check-ins from' in response.content.decode()
    assert Baseline.objects.filter(patient=patient).count() == 1


def test_a_hand_set_score_out_of_range_is_a_400(clinician_client, patient):
    response = clinician_client.post(
        url(patient),
        {
            "action": "manual",
            "manual-fine_motor": "9",
            "manual-gait": "7",
            "manual-sensation": "3",
            "manual-bladder": "3",
        },
    )
    assert response.status_code == 400
    assert not Baseline.objects.filter(patient=patient).exists()


def test_an_unknown_action_is_a_400(clinician_client, patient):
    response = clinician_client.post(url(patient), {"action": "delete"})
    assert response.status_code == 400
    assert "Choose either" in response.content.decode()


def test_the_history_is_read_with_the_same_queries_however_long_it_is(clinician_client, clinician, patient):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert clinician_client.get(url(patient)).status_code == 200
        return len(ctx.captured_queries)

    def hand_set(n):
        for i in range(n):
            Baseline.objects.create(
                patient=patient,
                method="manual",
                fine_motor=5,
                gait=7,
                sensation=3,
                bladder=3,
                total=18,
                effective_from=patient.local_today() - timedelta(days=i),
                set_by=clinician,
            )

    hand_set(1)
    one = count()
    hand_set(6)
    assert count() == one
