"""Which days a check-in may be dated, and how the API spells a date."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients.models import BACKFILL_DAYS
from tests.conftest import GOOD_ANSWERS
from tracker.models import CheckIn
from tracker.services import checkin_submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1900, 1, 1)])
def test_a_check_in_long_before_enrolment_is_refused_naming_the_date(patient, day):
    with pytest.raises(ValidationError) as caught:
        checkin_submit(patient=patient, answers=GOOD_ANSWERS, date=day)
    assert "date" in caught.value.message_dict
    assert not CheckIn.objects.exists()


def test_the_back_fill_window_before_enrolment_is_open_to_its_first_day(patient):
    first = patient.earliest_checkin_date()
    assert first == patient.local_today() - timedelta(days=BACKFILL_DAYS)
    checkin_submit(patient=patient, answers=GOOD_ANSWERS, date=first)
    with pytest.raises(ValidationError):
        checkin_submit(patient=patient, answers=GOOD_ANSWERS, date=first - timedelta(days=1))
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize("spelled", ["2026-W01-1", "２０２６-０１-０５", "20260105", "2026-1-5", "0001-01-01"])
def test_the_api_takes_only_iso_dates_in_ascii_digits(spelled, patient, api_client_for):
    response = api_client_for(patient.user).post(
        reverse("api-checkins"), {**GOOD_ANSWERS, "date": spelled}, format="json"
    )
    assert response.status_code == 400 and "date" in response.json()
    assert not CheckIn.objects.exists()


def test_a_week_date_in_a_query_parameter_is_a_400(patient, api_client_for):
    url = reverse("api-patient-checkins", kwargs={"pk": patient.pk})
    response = api_client_for(patient.user).get(url, {"from": "2026-W01-1"})
    assert response.status_code == 400 and "from" in response.json()
