"""Patients' contact details: typed any way, stored in E.164, edited by the care team and by the patient."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from patients.models import PatientContact
from tests.conftest import login

pytestmark = pytest.mark.django_db

FULL = {
    "mobile_phone": "07911 123456",
    "other_phone": "+44 (0)20 7946 0958",
    "email": "ada@example.org",
    "preferred_method": "mobile",
    "preferred_time": "Weekdays after 10 am",
    "emergency_name": "Charles Babbage",
    "emergency_relation": "Friend",
    "emergency_phone": "+1 202 555 0143",
}


def _edit_url(patient):
    return reverse("patient_contact_edit", args=[patient.pk])


def test_national_and_international_numbers_are_both_stored_in_e164(clinician_client, patient):
    response = clinician_client.post(_edit_url(patient), FULL)
    assert response.status_code == 302 and response["Location"] == reverse("patient_detail", args=[patient.pk])
    contact = PatientContact.objects.get(patient=patient)
    assert (contact.mobile_phone, contact.other_phone, contact.emergency_phone) == (
        "+447911123456",
        "+442079460958",
        "+12025550143",
    )
    assert contact.email == "ada@example.org" and contact.updated_by.username == "nurse.a"


def test_national_numbers_are_read_in_the_default_region_setting(clinician_client, patient, settings):
    settings.PHONE_DEFAULT_REGION = "US"
    assert clinician_client.post(_edit_url(patient), {"mobile_phone": "(202) 555-0143"}).status_code == 302
    assert PatientContact.objects.get(patient=patient).mobile_phone == "+12025550143"


@pytest.mark.parametrize("field", ["mobile_phone", "other_phone", "emergency_phone"])
@pytest.mark.parametrize("bad", ["12345", "not a number", "+44 1"])
def test_a_bad_number_is_a_400_naming_the_field_and_saves_nothing(clinician_client, patient, field, bad):
    response = clinician_client.post(_edit_url(patient), {**FULL, field: bad})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="{field}-error"' in body and "phone number" in body
    assert not PatientContact.objects.filter(patient=patient).exists()


def test_a_bad_email_is_a_400_naming_the_field(clinician_client, patient):
    response = clinician_client.post(_edit_url(patient), {**FULL, "email": "ada@"})
    assert response.status_code == 400 and 'id="email-error"' in response.content.decode()


def test_the_form_shows_stored_numbers_in_international_form(clinician_client, patient):
    clinician_client.post(_edit_url(patient), FULL)
    body = clinician_client.get(_edit_url(patient)).content.decode()
    assert 'value="+44 7911 123456"' in body and 'value="+1 202-555-0143"' in body


def test_a_change_is_audited_with_the_fields_that_changed_not_their_values(clinician_client, patient):
    clinician_client.post(_edit_url(patient), FULL)
    clinician_client.post(_edit_url(patient), {**FULL, "mobile_phone": "07911 123457"})
    changes = list(AuditEvent.objects.filter(what="contact", action="change", patient_id=patient.pk).order_by("pk"))
    assert len(changes) == 2
    assert changes[1].detail == {"changed": ["mobile_phone"]}
    assert "7911" not in str(changes[0].detail) and changes[0].actor.username == "nurse.a"


def test_saving_unchanged_details_writes_no_audit_row(clinician_client, patient):
    clinician_client.post(_edit_url(patient), FULL)
    clinician_client.post(_edit_url(patient), FULL)
    assert AuditEvent.objects.filter(what="contact", action="change").count() == 1


def test_another_teams_clinician_gets_404_for_reading_and_writing(client, other_clinician, patient):
    login(client, other_clinician)
    assert client.get(_edit_url(patient)).status_code == 404
    assert client.post(_edit_url(patient), FULL).status_code == 404
    assert not PatientContact.objects.exists()


def test_the_patient_and_a_caregiver_get_403_on_the_care_team_page(client, patient):
    from patients.models import Caregiver, User
    from tests.conftest import make_user

    helper = make_user("tom.helper", User.Role.CAREGIVER)
    Caregiver.objects.create(user=helper, patient=patient)
    for user in (patient.user, helper):
        login(client, user)
        assert client.get(_edit_url(patient)).status_code == 403
        assert client.post(_edit_url(patient), FULL).status_code == 403
    assert not PatientContact.objects.exists()


def test_a_patient_edits_their_own_details_from_the_account_page(patient_client, patient, other_patient):
    account = patient_client.get(reverse("account")).content.decode()
    assert f'href="{reverse("contact_own")}"' in account
    response = patient_client.post(reverse("contact_own"), {"mobile_phone": "07911 123456", "email": "a@example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("account")
    assert PatientContact.objects.get(patient=patient).mobile_phone == "+447911123456"
    assert not PatientContact.objects.filter(patient=other_patient).exists()
    change = AuditEvent.objects.get(what="contact")
    assert change.actor == patient.user and change.patient_id == patient.pk
    account = patient_client.get(reverse("account")).content.decode()
    assert 'href="tel:+447911123456"' in account


def test_a_patients_bad_number_is_a_400_naming_the_field(patient_client):
    response = patient_client.post(reverse("contact_own"), {"mobile_phone": "123"})
    assert response.status_code == 400 and 'id="mobile_phone-error"' in response.content.decode()


def test_a_caregiver_cannot_edit_the_patients_details_from_their_account(client, patient):
    from patients.models import Caregiver, User
    from tests.conftest import make_user

    helper = make_user("tom.helper", User.Role.CAREGIVER)
    Caregiver.objects.create(user=helper, patient=patient)
    login(client, helper)
    assert client.post(reverse("contact_own"), FULL).status_code == 403
    assert not PatientContact.objects.exists()


def test_the_patient_page_has_tel_and_mailto_links(clinician_client, patient):
    clinician_client.post(_edit_url(patient), FULL)
    body = clinician_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert '<a href="tel:+447911123456">+44 7911 123456</a>' in body
    assert '<a href="tel:+442079460958">+44 20 7946 0958</a>' in body
    assert '<a href="mailto:ada@example.org">ada@example.org</a>' in body
    assert "Charles Babbage (Friend)" in body and 'href="tel:+12025550143"' in body
    assert f'href="{_edit_url(patient)}"' in body


def test_the_patient_page_says_when_there_is_no_number(clinician_client, patient):
    body = clinician_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert "No phone number or email on record." in body and "tel:" not in body.split("Contact", 1)[1][:400]


def test_enrolment_takes_the_mobile_number(clinician_client, team_a):
    from tests.patients.test_enrolment import NEW_PATIENT

    data = {**NEW_PATIENT, "team": team_a.pk, "mobile_phone": "07911 123456"}
    assert clinician_client.post(reverse("enrol"), data).status_code == 201
    assert PatientContact.objects.get(patient__last_name="Adeyemi").mobile_phone == "+447911123456"


def test_enrolment_with_a_bad_mobile_number_is_a_400_and_enrols_nobody(clinician_client, team_a):
    from patients.models import Patient
    from tests.patients.test_enrolment import NEW_PATIENT

    response = clinician_client.post(reverse("enrol"), {**NEW_PATIENT, "team": team_a.pk, "mobile_phone": "999"})
    assert response.status_code == 400 and 'id="mobile_phone-error"' in response.content.decode()
    assert not Patient.objects.filter(last_name="Adeyemi").exists()


def test_the_patient_api_shows_contact_to_the_care_team_only(client, clinician, patient):
    from patients.models import Caregiver, User
    from patients.services import patient_contact_set
    from tests.conftest import make_user

    patient_contact_set(patient=patient, user=clinician, mobile_phone="07911 123456", emergency_name="Charles")
    url = reverse("api-patient", kwargs={"pk": patient.pk})
    login(client, clinician)
    contact = client.get(url).json()["contact"]
    assert contact["mobile_phone"] == "+447911123456" and contact["emergency_name"] == "Charles"
    helper = make_user("tom.helper", User.Role.CAREGIVER)
    Caregiver.objects.create(user=helper, patient=patient)
    for user in (helper, patient.user):
        login(client, user)
        response = client.get(url)
        assert response.status_code == 200 and response.json()["contact"] is None
        assert b"7911" not in response.content
