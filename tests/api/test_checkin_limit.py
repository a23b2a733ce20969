"""The check-in limit: so many check-ins saved per patient per hour, counted by the database in the write itself.

It replaced a DRF throttle in Redis: the count no longer depends on Redis,
refused (bad) posts do not use it up, a red flag is never refused by it, and
the page is held to it as well as the API. Runs on SQLite (the ORM writer) and
on PostgreSQL (the one-statement writer).
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.rates import parse_rate
from detection.scales import RED_FLAG_KEYS
from notifications.models import Alert
from tests.conftest import GOOD_ANSWERS, login
from tracker.models import CheckIn, CheckInRevision

pytestmark = pytest.mark.django_db

URL = "/api/v1/checkins/"


@pytest.fixture(autouse=True)
def _three_an_hour(settings):
    settings.CHECKIN_LIMIT = (3, 3600)


def _saved_three(client, *, first=201):
    codes = [client.post(URL, {**GOOD_ANSWERS, "gait": gait}, format="json").status_code for gait in (6, 5, 4)]
    assert codes == [first, 200, 200]


def _age_the_check_ins(patient, by: timedelta) -> None:
    """Move the patient's check-in audit rows back in time (the ORM refuses to change the append-only trail)."""
    table = AuditEvent._meta.db_table
    rows = list(AuditEvent.objects.filter(patient_id=patient.pk, what="checkin").values_list("pk", "at"))
    with connection.cursor() as cursor:
        for pk, at in rows:
            cursor.execute(f"UPDATE {table} SET at = %s WHERE id = %s", [at - by, pk])  # noqa: S608 - test's own table


def test_past_the_limit_the_api_answers_429_with_retry_after_and_changes_nothing(patient, api_client_for):
    client = api_client_for(patient.user)
    _saved_three(client)
    response = client.post(URL, {**GOOD_ANSWERS, "gait": 3}, format="json")
    assert response.status_code == 429
    assert 3500 < int(response["Retry-After"]) <= 3600
    assert "not saved" in response.json()["detail"]
    checkin = CheckIn.objects.get(patient=patient)
    assert checkin.gait == 4  # the third answer stands
    assert CheckInRevision.objects.filter(checkin=checkin).count() == 2
    assert AuditEvent.objects.filter(patient_id=patient.pk, what="checkin").count() == 3
    assert client.get(URL).status_code == 200  # reading is never limited


def test_refused_bad_posts_do_not_use_up_the_limit(patient, api_client_for):
    client = api_client_for(patient.user)
    for _ in range(10):
        assert client.post(URL, {"gait": 99}, format="json").status_code == 400
    _saved_three(client)


def test_a_red_flag_is_saved_and_alerts_even_past_the_limit(patient, api_client_for):
    client = api_client_for(patient.user)
    _saved_three(client)
    response = client.post(URL, {**GOOD_ANSWERS, RED_FLAG_KEYS[0]: True}, format="json")
    assert response.status_code == 200, response.content
    assert CheckIn.objects.get(patient=patient).red_flag
    assert Alert.objects.filter(patient=patient).exists()


def test_one_patients_limit_does_not_hold_back_another(patient, other_patient, api_client_for):
    _saved_three(api_client_for(patient.user))
    assert api_client_for(other_patient.user).post(URL, GOOD_ANSWERS, format="json").status_code == 201


def test_the_window_slides_and_retry_after_counts_from_the_oldest_check_in_it_holds(patient, api_client_for):
    client = api_client_for(patient.user)
    _saved_three(client)
    _age_the_check_ins(patient, timedelta(minutes=50))
    response = client.post(URL, GOOD_ANSWERS, format="json")
    assert response.status_code == 429
    assert 540 < int(response["Retry-After"]) <= 600  # the oldest leaves the hour in ten minutes
    _age_the_check_ins(patient, timedelta(minutes=11))  # all three now 61 minutes old: out of the hour
    _saved_three(client, first=200)
    assert client.post(URL, GOOD_ANSWERS, format="json").status_code == 429


def test_the_limit_is_read_from_settings_at_each_request(settings, patient, api_client_for):
    client = api_client_for(patient.user)
    settings.CHECKIN_LIMIT = (1, 3600)
    assert [client.post(URL, GOOD_ANSWERS, format="json").status_code for _ in range(2)] == [201, 429]
    settings.CHECKIN_LIMIT = (5, 3600)
    assert client.post(URL, GOOD_ANSWERS, format="json").status_code == 200


def test_the_limit_holds_with_redis_unreachable(settings, patient, api_client_for):
    # The Redis throttle it replaced let everything through while Redis was down.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    client = api_client_for(patient.user)
    _saved_three(client)
    assert client.post(URL, GOOD_ANSWERS, format="json").status_code == 429


def _form(**changes) -> dict:
    data = {key: str(value) for key, value in GOOD_ANSWERS.items()}
    data.update({key: "no" for key in RED_FLAG_KEYS})
    data.update(changes)
    return data


def test_the_page_is_held_to_the_same_limit_and_says_so_in_words_keeping_the_answers(client, patient):
    login(client, patient.user)
    for gait in ("6", "5", "4"):
        assert client.post(reverse("checkin"), _form(gait=gait)).status_code == 302
    response = client.post(reverse("checkin"), _form(gait="2"))
    assert response.status_code == 429
    assert 3500 < int(response["Retry-After"]) <= 3600
    body = response.content.decode()
    assert "This check-in was not saved" in body and "about 60 minutes" in body
    assert "Not saved this time" in body and "Please check these answers" not in body  # the answers were fine
    assert re.search(r'name="gait" value="2"[^>]*\bchecked\b', body)  # the answer given is kept for the retry
    assert CheckIn.objects.get(patient=patient).gait == 4
    # A red flag from the page is saved and shown the seek-care page, limit or not.
    response = client.post(reverse("checkin"), _form(**{RED_FLAG_KEYS[0]: "yes"}))
    assert response.status_code == 302
    assert CheckIn.objects.get(patient=patient).red_flag


def test_api_and_page_count_into_one_limit(client, patient, api_client_for):
    _saved_three(api_client_for(patient.user))
    login(client, patient.user)
    assert client.post(reverse("checkin"), _form()).status_code == 429


@pytest.mark.parametrize(
    ("rate", "limit"), [("30/hour", (30, 3600)), ("10/min", (10, 60)), ("5/s", (5, 1)), ("100/day", (100, 86400))]
)
def test_a_rate_is_written_as_the_apis_throttle_rates_are(rate, limit):
    assert parse_rate(rate) == limit


@pytest.mark.parametrize("rate", ["", "30", "thirty/hour", "30/fortnight", "0/hour", "-1/hour"])
def test_a_rate_that_is_not_one_is_refused_naming_it(rate):
    with pytest.raises(ValueError, match="30/hour"):
        parse_rate(rate)


def test_the_limit_counts_only_check_ins_in_the_window(patient, api_client_for):
    """Audit rows of other kinds (a clinician viewing the chart) and of long ago are not check-ins saved this hour."""
    client = api_client_for(patient.user)
    _saved_three(client)
    _age_the_check_ins(patient, timedelta(hours=2))
    assert timezone.now() - AuditEvent.objects.filter(patient_id=patient.pk).latest("at").at > timedelta(hours=1)
    AuditEvent.objects.create(action=AuditEvent.Action.VIEW, what="chart", patient_id=patient.pk)
    _saved_three(client, first=200)
