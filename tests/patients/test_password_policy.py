"""The password policy refuses the demo password and passwords made of a clinic's words."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from clinic.demo import DEMO_PASSWORD
from patients.passwords import made_of_clinic_words


@pytest.mark.parametrize(
    "password",
    [
        DEMO_PASSWORD,
        "MyeloTrack-Demo",
        "nurse2024!",
        "Clinic-Clinic-99",
        "spinecare1",
        "Welcome@Hospital1",
        "PATIENT_123",
    ],
)
def test_clinic_word_passwords_are_refused(password):
    with pytest.raises(ValidationError) as caught:
        validate_password(password)
    assert "clinic" in " ".join(caught.value.messages)


@pytest.mark.parametrize("password", ["harbour-violet-teapot", "nurse and 4 wild geese", "Tangerine!Walrus77"])
def test_passwords_with_a_word_of_ones_own_pass(password):
    validate_password(password)  # raises if refused


def test_digits_and_symbols_alone_are_left_to_the_other_validators():
    assert made_of_clinic_words("12345678!") is False


@pytest.mark.django_db
def test_joining_with_the_demo_password_is_refused_with_a_message(client, team_a):
    from patients.services import invitation_create
    from tests.conftest import make_patient

    invitation = invitation_create(patient=make_patient(team_a, None, "Joan", "Doe"), created_by=None)
    response = client.post(
        "/join/", {"code": invitation.code, "password": DEMO_PASSWORD, "password_again": DEMO_PASSWORD}
    )
    assert response.status_code == 400
    assert "clinic" in response.content.decode()
