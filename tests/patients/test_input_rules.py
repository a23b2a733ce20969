"""Dates of birth in a sane past; user names that differ only in capitals are one name."""

import pytest
from django.core.exceptions import ValidationError

from patients.models import User
from patients.services import invitation_accept, patient_enrol

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("born", ["9999-12-31", "1899-12-31"])
def test_a_date_of_birth_in_the_future_or_before_1900_is_refused(clinician, team_a, born):
    with pytest.raises(ValidationError) as caught:
        patient_enrol(team=team_a, created_by=clinician, first_name="Ann", last_name="Lee", date_of_birth=born)
    assert "date_of_birth" in caught.value.message_dict


def test_a_user_name_that_differs_only_in_capitals_is_taken(clinician, team_a):
    _, invitation = patient_enrol(
        team=team_a, created_by=clinician, first_name="Ann", last_name="Lee", date_of_birth="1957-06-02"
    )
    with pytest.raises(ValidationError) as caught:
        invitation_accept(code=invitation.code, password="slow-river-42", username=clinician.username.upper())
    assert "capitals" in caught.value.message_dict["username"][0]
    assert User.objects.filter(username__iexact=clinician.username).count() == 1
