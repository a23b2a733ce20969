"""The dashboard's "Motor test declining" filter and badge."""

import pytest
from django.urls import reverse

from notifications.models import Alert
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_the_motor_filter_shows_only_patients_with_an_open_motor_decline(client, clinician, patient, other_patient):
    Alert.objects.create(
        patient=patient,
        rule="motor_decline",
        severity="moderate",
        date=patient.local_today(),
        evidence="Right-hand taps down",
    )
    Alert.objects.create(
        patient=other_patient,
        rule="sustained_decline",
        severity="high",
        date=patient.local_today(),
        evidence="Total down",
    )
    login(client, clinician)
    body = client.get(reverse("team_patients"), {"status": "motor"}).content.decode()
    assert "Lovelace" in body and "Cox" not in body
    assert "badge-motor" in body
    everyone = client.get(reverse("team_patients")).content.decode()
    assert everyone.count('class="badge-motor"') == 1


def test_a_resolved_motor_alert_does_not_count(client, clinician, patient):
    Alert.objects.create(
        patient=patient,
        rule="motor_decline",
        severity="moderate",
        date=patient.local_today(),
        evidence="x",
        status="resolved",
    )
    login(client, clinician)
    assert "Lovelace" not in client.get(reverse("team_patients"), {"status": "motor"}).content.decode()
