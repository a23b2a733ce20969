"""A clinician enrols a patient and hands over a code; the patient sets a password and checks in."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import Invitation, Patient, User

pytestmark = pytest.mark.django_db


NEW_PATIENT = {
    "first_name": "Grace",
    "last_name": "Adeyemi",
    "date_of_birth": "1957-06-02",
    "region": "cervical",
    "diagnosis_date": "2026-02-01",
    "timezone_name": "Europe/London",
}


def _enrol(client, team, **changes):
    return client.post(reverse("enrol"), {**NEW_PATIENT, "team": team.pk, **changes})


def test_a_clinician_enrols_a_patient_and_gets_an_invitation_code_and_link(clinician_client, team_a):
    assert clinician_client.get(reverse("enrol")).status_code == 200
    response = _enrol(clinician_client, team_a)
    assert response.status_code == 201
    patient = Patient.objects.get(last_name="Adeyemi")
    assert patient.care_team == team_a and patient.user is None
    invitation = Invitation.objects.get(patient=patient)
    assert invitation.is_usable()
    body = response.content.decode()
    assert invitation.code in body
    # The link carries the code after "#", which browsers never send: it cannot land in an access log.
    assert f'href="/join/#code={invitation.code}"' in body
    assert f"/join/{invitation.code}" not in body


def test_the_patient_joins_with_the_link_sets_a_password_and_lands_on_the_checkin(client, clinician, team_a):
    client.force_login(clinician)
    _enrol(client, team_a)
    code = Invitation.objects.get().code
    client.logout()

    page = client.get(reverse("join"))  # what the browser asks for: the "#code=..." stays on the phone
    assert page.status_code == 200
    assert "js/join.js" in page.content.decode()  # which fills the code in (tests/test_browser_join.py)
    response = client.post(
        reverse("join"),
        {"code": code, "username": "grace.a", "password": "slow-river-42", "password_again": "slow-river-42"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("checkin")
    landing = client.get(reverse("checkin"))
    assert landing.status_code == 200
    assert "Your user name is grace.a" in landing.content.decode()  # so they can log in again

    user = User.objects.get(username="grace.a")
    assert user.role == User.Role.PATIENT and user.patient.last_name == "Adeyemi"
    assert Invitation.objects.get().accepted_at is not None

    # Later, with the password through the log-in form: straight to the patient's own pages.
    client.logout()
    response = client.post(reverse("login"), {"username": "grace.a", "password": "slow-river-42"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("today")
    assert b"Hello Grace" in response.content


def test_a_code_in_the_path_is_not_an_address(client):
    assert client.get("/join/ABCDEF1234/").status_code == 404


def test_an_invitation_expires_after_the_configured_days(settings, clinician_client, team_a):
    settings.INVITATION_VALID_DAYS = 3
    _enrol(clinician_client, team_a)
    invitation = Invitation.objects.get()
    assert timedelta(days=2, hours=23) < invitation.expires_at - invitation.created_at <= timedelta(days=3)
    assert not invitation.is_usable(now=invitation.created_at + timedelta(days=3, seconds=1))


def test_a_code_typed_by_hand_works_in_lower_case(client, clinician, team_a):
    client.force_login(clinician)
    _enrol(client, team_a)
    code = Invitation.objects.get().code
    client.logout()
    response = client.post(
        reverse("join"), {"code": code.lower(), "password": "slow-river-42", "password_again": "slow-river-42"}
    )
    assert response.status_code == 302
    assert Patient.objects.get().user.username == "grace.adeyemi"


@pytest.fixture
def invitation(clinician, team_a):
    from patients.services import patient_enrol

    _, invitation = patient_enrol(
        team=team_a, created_by=clinician, first_name="Grace", last_name="Adeyemi", date_of_birth="1957-06-02"
    )
    return invitation


def _join(client, code, password="slow-river-42", again=None):
    return client.post(reverse("join"), {"code": code, "password": password, "password_again": again or password})


def test_an_expired_code_gets_400_with_a_message_and_no_account(client, invitation):
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save(update_fields=["expires_at"])
    response = _join(client, invitation.code)
    assert response.status_code == 400
    assert "not valid or has expired" in response.content.decode()
    assert not User.objects.filter(role=User.Role.PATIENT).exists()


def test_a_used_code_gets_400_and_cannot_take_over_the_account(client, invitation):
    assert _join(client, invitation.code).status_code == 302
    client.logout()
    response = _join(client, invitation.code, password="another-pass-77")
    assert response.status_code == 400
    assert "not valid or has expired" in response.content.decode()
    assert User.objects.filter(role=User.Role.PATIENT).count() == 1


def test_an_unknown_code_gets_400(client, invitation):
    response = _join(client, "ZZZZZZZZZZ")
    assert response.status_code == 400
    assert "not valid or has expired" in response.content.decode()


def test_passwords_that_differ_or_are_too_weak_get_400_naming_the_field(client, invitation):
    response = _join(client, invitation.code, password="slow-river-42", again="slow-river-43")
    assert response.status_code == 400
    assert "password_again" in response.context["form"].errors
    response = _join(client, invitation.code, password="12345678")
    assert response.status_code == 400
    assert "password" in response.context["form"].errors
    invitation.refresh_from_db()
    assert invitation.accepted_at is None and invitation.patient.user is None


def test_a_clinician_cannot_enrol_into_another_team(clinician_client, team_b):
    response = _enrol(clinician_client, team_b)
    assert response.status_code == 400
    assert "team" in response.context["form"].errors
    assert not Patient.objects.exists()


def test_the_enrol_form_offers_only_the_clinicians_own_teams(clinician_client, team_a, team_b):
    teams = list(clinician_client.get(reverse("enrol")).context["form"].fields["team"].queryset)
    assert teams == [team_a]


@pytest.mark.parametrize(
    "field,value", [("date_of_birth", "not a date"), ("timezone_name", "Mars/Olympus"), ("first_name", "")]
)
def test_bad_enrolment_input_gets_400_naming_the_field(clinician_client, team_a, field, value):
    response = _enrol(clinician_client, team_a, **{field: value})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Patient.objects.exists()


def test_a_patient_cannot_enrol_anyone(patient_client, team_a):
    assert _enrol(patient_client, team_a).status_code == 403
    assert Patient.objects.count() == 1
