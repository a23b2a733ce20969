"""The database refusing writes: a clear 503 page or JSON, nothing half-saved, red-flag advice still given.

Real PostgreSQL, made read-only for this test's own connection only
(``SET SESSION CHARACTERISTICS``; the test client shares the connection), so
every write the request tries fails as it would on a hot standby after a
fail-over, with SQLSTATE 25006. The shared server and other sessions are untouched.
"""

import logging
import time
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, ProgrammingError, connection
from django.urls import reverse
from rest_framework.test import APIClient

from core.middleware import UNAVAILABLE_DETAIL, database_unavailable
from core.models import ApiIdempotencyKey
from notifications.models import Alert, Delivery
from patients.models import Patient
from patients.tokens import token_issue
from tests.conftest import GOOD_ANSWERS, require
from tracker.models import CheckIn, CheckInRevision

pytestmark = pytest.mark.django_db(transaction=True)

RED_FLAGS = ("rf_bladder_bowel", "rf_saddle_numbness", "rf_weakness", "rf_fall_injury", "rf_breathing")


def form_answers(**red_flags):
    answers = {key: str(value) for key, value in GOOD_ANSWERS.items()}
    answers.update({key: "yes" if red_flags.get(key) else "no" for key in RED_FLAGS})
    return answers


@contextmanager
def read_only_database():
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://...)")
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cursor.execute("SHOW default_transaction_read_only")
        assert cursor.fetchone()[0] == "on"
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")


def nothing_saved_for(patient):
    assert CheckIn.objects.filter(patient=patient).count() == 0
    assert CheckInRevision.objects.filter(checkin__patient=patient).count() == 0
    assert Alert.objects.filter(patient=patient).count() == 0
    assert Delivery.objects.filter(alert__patient=patient).count() == 0
    outbox = Patient.objects.get(pk=patient.pk)
    assert (outbox.checkins_received, outbox.checkins_evaluated) == (0, 0)


def test_a_check_in_form_posted_while_the_database_is_read_only_gets_a_503_page_and_saves_nothing(
    patient_client, patient, clinician, caplog
):
    caplog.set_level(logging.ERROR, logger="core.middleware")
    with read_only_database():
        # Reads still work: it is the write that is refused, not the page.
        assert patient_client.get(reverse("checkin")).status_code == 200
        response = patient_client.post(reverse("checkin"), form_answers())
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert UNAVAILABLE_DETAIL in page
    assert "Get emergency care now" not in page  # no red flag was answered
    assert "get emergency care at once (call 999 / 112)" in page  # the everyday safety line of a check-in
    assert "read-only transaction" in caplog.text and caplog.records[-1].levelname == "ERROR"
    nothing_saved_for(patient)


def test_a_red_flag_check_in_refused_by_the_database_still_tells_the_patient_to_get_emergency_care(
    patient_client, patient, clinician, settings
):
    settings.EMERGENCY_NUMBER = "112"
    with read_only_database():
        response = patient_client.post(reverse("checkin"), form_answers(rf_weakness=True))
    assert response.status_code == 503
    page = response.content.decode()
    assert "Get emergency care now" in page
    assert "Go to an emergency department now, or call 112." in page
    assert "your care team has not been alerted" in page
    assert UNAVAILABLE_DETAIL in page
    nothing_saved_for(patient)


def test_an_api_check_in_refused_by_the_database_gets_json_503_and_the_same_key_works_afterwards(patient, clinician):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=patient.user).key}")
    body = {**GOOD_ANSWERS, "rf_bladder_bowel": True}
    with read_only_database():
        response = client.post(reverse("api-checkins"), body, format="json", HTTP_IDEMPOTENCY_KEY="ro-1")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "60"
    assert response.json()["detail"] == UNAVAILABLE_DETAIL
    assert "call 999 / 112" in response.json()["emergency"]
    assert "NOT been alerted" in response.json()["emergency"]
    nothing_saved_for(patient)
    assert not ApiIdempotencyKey.objects.filter(user=patient.user).exists()

    # Nothing half-saved: the phone's retry with the same key is a first attempt, not a replay.
    retry = client.post(reverse("api-checkins"), body, format="json", HTTP_IDEMPOTENCY_KEY="ro-1")
    assert retry.status_code == 201, retry.content
    assert "Idempotent-Replayed" not in retry
    assert CheckIn.objects.filter(patient=patient).count() == 1
    assert Alert.objects.filter(patient=patient, rule="red_flag").count() == 1


def test_only_an_unreachable_or_read_only_database_counts_as_unavailable():
    assert database_unavailable(OperationalError("server closed the connection unexpectedly"))
    assert database_unavailable(InterfaceError("connection already closed"))
    # A bug stays a bug (a 500 with its traceback), not "try again later".
    assert not database_unavailable(IntegrityError("duplicate key"))
    assert not database_unavailable(ProgrammingError("column does not exist"))
    assert not database_unavailable(ValueError("nothing to do with the database"))


def test_a_clinicians_page_while_the_database_is_read_only_is_a_503_not_a_500(client, clinician):
    """The failing write is the session save after the view (the care team's activity stamp), outside any view."""
    from django.test import Client

    browser = Client(raise_request_exception=False)
    browser.force_login(clinician)
    session = browser.session
    # Two minutes ago: old enough to be stamped again, recent enough not to time out.
    session["last_seen"] = int(time.time()) - 120
    session.save()
    with read_only_database():
        response = browser.get(reverse("team_patients"))
    assert response.status_code == 503, response.content[:300]
    assert UNAVAILABLE_DETAIL in response.content.decode()
    assert response["Retry-After"]


def test_every_red_flag_answer_is_recognised_by_the_503_that_cannot_ask_the_check_in_view():
    """core.middleware reads red flags from a raw body by their key prefix (core imports nothing of detection)."""
    from core.middleware import RED_FLAG_PREFIX
    from detection.scales import RED_FLAG_KEYS

    assert RED_FLAG_KEYS and all(key.startswith(RED_FLAG_PREFIX) for key in RED_FLAG_KEYS)
    assert not any(key.startswith(RED_FLAG_PREFIX) for key in GOOD_ANSWERS)
