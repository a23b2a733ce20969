"""Clinicians record key dates (surgery, physiotherapy start, visits) on a patient's timeline."""

from datetime import timedelta

import pytest
from django.urls import reverse

from patients.models import PatientEvent

pytestmark = pytest.mark.django_db


def _post(client, patient, **data):
    return client.post(reverse("event_add", args=[patient.pk]), data)


def test_a_clinician_adds_a_surgery_date_and_returns_to_the_patient(clinician_client, clinician, patient):
    day = patient.local_today() - timedelta(days=10)
    response = _post(clinician_client, patient, kind="surgery", date=day.isoformat(), note="ACDF C5-6")
    assert response.status_code == 302 and response["Location"] == reverse("patient_detail", args=[patient.pk])
    event = PatientEvent.objects.get(patient=patient)
    assert (event.kind, event.date, event.note, event.created_by) == ("surgery", day, "ACDF C5-6", clinician)
    page = clinician_client.get(reverse("event_add", args=[patient.pk]))
    assert "ACDF C5-6" in page.content.decode()  # listed under "Events so far"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"kind": "surgery", "date": "tomorrow"}, "date"),
        ({"kind": "surgery"}, "date"),
        ({"kind": "amputation", "date": "2026-01-05"}, "kind"),
        ({"date": "2026-01-05"}, "kind"),
        ({"kind": "visit", "date": "1900-01-01"}, "date"),
        ({"kind": "visit", "date": "2026-01-05", "note": "x" * 301}, "note"),
    ],
)
def test_bad_event_input_gets_400_naming_the_field_and_saves_nothing(clinician_client, patient, data, field):
    response = _post(clinician_client, patient, **data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not PatientEvent.objects.exists()


def test_an_event_cannot_be_dated_in_the_future(clinician_client, patient):
    tomorrow = patient.local_today() + timedelta(days=1)
    response = _post(clinician_client, patient, kind="physiotherapy_start", date=tomorrow.isoformat())
    assert response.status_code == 400
    assert "cannot be dated in the future" in response.content.decode()
    assert not PatientEvent.objects.exists()


def test_a_patient_cannot_add_events_even_to_their_own_record(patient_client, patient):
    response = _post(patient_client, patient, kind="visit", date=patient.local_today().isoformat())
    assert response.status_code == 403
    assert not PatientEvent.objects.exists()
