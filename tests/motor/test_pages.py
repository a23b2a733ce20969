"""The test pages, the care team's settings page, and where the results show up."""

import uuid

import pytest
from django.urls import reverse

from motor.models import MotorSettings, MotorTest
from motor.services import motor_test_record
from tests.conftest import login
from tests.motor.conftest import tap_payload

pytestmark = pytest.mark.django_db

PAGES = ["motor_hub", "motor_tap", "motor_step", "motor_walk"]


@pytest.mark.parametrize("name", PAGES)
def test_a_patient_opens_each_test_page(patient_client, name):
    response = patient_client.get(reverse(name))
    assert response.status_code == 200
    assert b"Content-Security-Policy" not in response.content  # nothing inline to allow


@pytest.mark.parametrize("name", ["motor_step", "motor_walk"])
def test_the_step_and_walk_pages_give_the_safety_advice(patient_client, name):
    body = patient_client.get(reverse(name)).content.decode()
    assert "usual walking aid" in body and "someone next to you" in body and "balance is bad" in body


@pytest.mark.parametrize("name", PAGES)
def test_the_care_team_has_no_test_pages_of_its_own(clinician_client, name):
    assert clinician_client.get(reverse(name)).status_code == 403


def test_could_not_do_it_today_is_saved_without_javascript(patient_client, patient):
    response = patient_client.post(reverse("motor_walk"), {"client_id": str(uuid.uuid4())})
    assert response.status_code == 302
    row = MotorTest.objects.get()
    assert (row.kind, row.could_not_do, row.side) == ("walk", True, "")


def test_could_not_do_the_tap_test_records_the_hand(patient_client, patient):
    patient_client.post(reverse("motor_tap"), {"client_id": str(uuid.uuid4()), "side": "left"})
    assert MotorTest.objects.get().measure == "tap_left"


def test_a_bad_could_not_do_post_is_a_400_and_saves_nothing(patient_client):
    response = patient_client.post(reverse("motor_tap"), {"client_id": "x", "side": "left"})
    assert response.status_code == 400
    assert b"client_id" not in response.content or b"UUID" in response.content
    assert not MotorTest.objects.exists()


def test_tests_turned_off_are_not_offered(patient_client, patient):
    MotorSettings.objects.create(patient=patient, enabled=False, every_days=7, walk_distance_m=10)
    assert patient_client.get(reverse("motor_tap")).status_code == 404
    assert b"turned these tests off" in patient_client.get(reverse("motor_hub")).content
    assert b"my-tests" not in patient_client.get(reverse("today")).content


def test_my_days_says_when_the_tests_are_due_and_shows_practice_apart(patient_client, patient):
    body = patient_client.get(reverse("today")).content.decode()
    assert "It is time for your weekly tests" in body
    motor_test_record(patient=patient, payload=tap_payload(25))
    body = patient_client.get(reverse("today")).content.decode()
    assert "It is time" not in body
    assert "Right-hand taps" in body and 'class="dot-practice"' in body


def test_the_care_team_sets_the_tests_for_a_patient(client, clinician, patient):
    login(client, clinician)
    url = reverse("motor_settings", args=[patient.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"enabled": "", "every_days": "14", "walk_distance_m": "8"})
    assert response.status_code == 302
    prefs = MotorSettings.objects.get(patient=patient)
    assert (prefs.enabled, prefs.every_days, prefs.walk_distance_m, prefs.updated_by) == (False, 14, 8.0, clinician)


def test_bad_settings_are_a_400_naming_the_field(client, clinician, patient):
    login(client, clinician)
    response = client.post(reverse("motor_settings", args=[patient.pk]), {"every_days": "5", "walk_distance_m": "500"})
    assert response.status_code == 400
    assert not MotorSettings.objects.exists()
    assert "every_days" in response.context["form"].errors and "walk_distance_m" in response.context["form"].errors


def test_another_team_and_the_patient_cannot_change_the_settings(client, other_clinician, patient):
    url = reverse("motor_settings", args=[patient.pk])
    login(client, other_clinician)
    assert client.get(url).status_code == 404
    login(client, patient.user)
    assert client.get(url).status_code == 403


def test_the_clinician_chart_shows_the_tests_beside_the_checkins(client, clinician, patient):
    motor_test_record(patient=patient, payload=tap_payload(27))
    login(client, clinician)
    response = client.get(reverse("patient_detail", args=[patient.pk]))
    body = response.content.decode()
    assert 'id="motor-chart"' in body and "27 taps" in body and "<em>practice</em>" in body
    assert "plotly-basic.min.js" in body


def test_the_visit_report_lists_the_tests_with_baseline_and_change(client, clinician, patient):
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now() - timedelta(weeks=8)
    for i, n in enumerate([22, 25, 27, 29, 30, 31, 30, 24]):
        motor_test_record(patient=patient, payload=tap_payload(n), now=start + timedelta(weeks=i))
    login(client, clinician)
    body = client.get(
        reverse("patient_report", args=[patient.pk]),
        {"start": (patient.local_today() - timedelta(days=70)).isoformat()},
    ).content.decode()
    section = body[body.index('id="report-motor"') :]
    assert "Right-hand taps (10 s)" in section and "8 (4 practice)" in section
    assert ">30<" in section and ">24<" in section and "-20%" in section
