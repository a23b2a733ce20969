"""What a check-in costs the database: one statement on PostgreSQL, one write per row through the ORM,
and nothing after the commit."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from patients.models import Patient
from patients.tokens import token_issue
from tests.conftest import GOOD_ANSWERS
from tracker import checkin_write
from tracker.models import CheckIn, CheckInRevision
from tracker.services import checkin_submit

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement write is PostgreSQL's")


@pytest.fixture
def through_the_orm(monkeypatch):
    """The portable writer, as SQLite runs it, on whatever database the tests have."""
    monkeypatch.setattr(checkin_write, "writes_in_one_statement", lambda: False)


@on_postgresql
def test_on_postgresql_a_resubmission_is_one_statement(patient):
    checkin_submit(patient=patient, answers=GOOD_ANSWERS)  # the first also prepares it on this connection
    with CaptureQueriesContext(connection) as ctx:
        checkin, created = checkin_submit(patient=patient, answers={**GOOD_ANSWERS, "gait": 4}, entered_by=patient.user)
    sql = [q["sql"] for q in ctx.captured_queries]
    # No BEGIN or COMMIT either: one autocommitted statement is atomic by itself.
    assert len(sql) == 1 and sql[0].startswith("EXECUTE myelotrack_checkin_write("), sql
    assert not created and checkin.gait == 4
    assert CheckInRevision.objects.get().answers["gait"] == 6


@on_postgresql
def test_on_postgresql_a_red_flag_check_in_and_its_alert_share_one_transaction(patient):
    checkin_submit(patient=patient, answers=GOOD_ANSWERS)
    with CaptureQueriesContext(connection) as ctx:
        checkin_submit(patient=patient, answers={**GOOD_ANSWERS, "rf_weakness": True})
    sql = [q["sql"] for q in ctx.captured_queries]
    write = next(i for i, s in enumerate(sql) if s.startswith("EXECUTE myelotrack_checkin_write("))
    alert = next(i for i, s in enumerate(sql) if s.startswith('INSERT INTO "notifications_alert"'))
    # Inside the test's own transaction the check-in's is a savepoint: both writes sit inside it.
    assert sql[0].startswith("SAVEPOINT") and sql[-1].startswith("RELEASE SAVEPOINT"), sql
    assert 0 < write < alert < len(sql) - 1


def test_through_the_orm_a_resubmission_writes_the_patient_row_once(patient, through_the_orm):
    checkin_submit(patient=patient, answers=GOOD_ANSWERS)
    with CaptureQueriesContext(connection) as ctx:
        checkin_submit(patient=patient, answers={**GOOD_ANSWERS, "gait": 4}, entered_by=patient.user)
    sql = [q["sql"] for q in ctx.captured_queries]
    assert sum(s.startswith('UPDATE "patients_patient"') for s in sql) == 1, sql
    # Lock and read the day, update it, keep the revision, the outbox, the audit row (plus BEGIN/COMMIT).
    assert len(sql) <= 8, sql
    assert CheckInRevision.objects.get().answers["gait"] == 6


def test_a_resubmission_of_a_day_the_detector_has_seen_drops_its_state_and_counts_in_the_outbox(patient):
    checkin_submit(patient=patient, answers=GOOD_ANSWERS)
    Patient.objects.filter(pk=patient.pk).update(
        detector_state={"version": 1}, evaluated_through=patient.local_today(), checkins_evaluated=1
    )
    checkin_submit(patient=patient, answers={**GOOD_ANSWERS, "gait": 4})
    patient.refresh_from_db()
    assert patient.detector_state == {}
    assert (patient.checkins_received, patient.checkins_evaluated) == (2, 1)


def test_a_new_day_after_the_detectors_watermark_keeps_its_state(patient):
    Patient.objects.filter(pk=patient.pk).update(
        detector_state={"version": 1}, evaluated_through=patient.local_today() - timedelta(days=1)
    )
    checkin_submit(patient=patient, answers=GOOD_ANSWERS)
    patient.refresh_from_db()
    assert patient.detector_state == {"version": 1} and patient.checkins_received == 1


def test_the_api_check_in_reads_nothing_after_its_write(patient):
    client = Client(HTTP_AUTHORIZATION=f"Token {token_issue(user=patient.user).key}")
    body = {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 3}
    client.post("/api/v1/checkins/", body, content_type="application/json")
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/checkins/", {**body, "gait": 5}, content_type="application/json")
    assert response.status_code == 200 and response.json()["entered_by"] == "Patient"
    sql = [q["sql"] for q in ctx.captured_queries]
    # The token (with its patient), then the write; the answer is rendered from what it holds.
    assert sql[0].startswith('SELECT "patients_apitoken"') or ' FROM "patients_apitoken" t JOIN ' in sql[0], sql
    # The patient comes with the token: no SELECT of its own, none after the write.
    assert not any(s.startswith('SELECT "patients_patient"') for s in sql), sql
    if checkin_write.writes_in_one_statement():
        assert len(sql) == 2 and sql[1].startswith("EXECUTE myelotrack_checkin_write("), sql
    else:
        # (Inside the test's own transaction the commit is a RELEASE SAVEPOINT.)
        assert sql[-1] == "COMMIT" or sql[-1].startswith("RELEASE SAVEPOINT"), sql
        assert len(sql) <= 9, sql
    assert CheckIn.objects.get().gait == 5


def test_the_html_check_in_reads_the_session_and_the_user_with_the_patient_then_writes_once(patient_client, patient):
    from django.urls import reverse

    from tests.tracker.test_checkin_views import form_data

    patient_client.post(reverse("checkin"), form_data())
    with CaptureQueriesContext(connection) as ctx:
        response = patient_client.post(reverse("checkin"), form_data(gait="5"))
    assert response.status_code == 302
    sql = [q["sql"] for q in ctx.captured_queries]
    # The view does not read the day's check-in: a POST that saves redirects without showing the form.
    # (Through the ORM the writer's lock-and-read of the row is the one such SELECT.)
    day_reads = sum(s.startswith('SELECT "tracker_checkin"') for s in sql)
    if checkin_write.writes_in_one_statement():
        assert day_reads == 0, sql
        # The session, its user with the patient record (one fixed SQL: patients.access.signed_in_user),
        # the write.
        assert len(sql) == 3 and sql[2].startswith("EXECUTE myelotrack_checkin_write("), sql
    else:
        assert day_reads == 1, sql
    assert CheckIn.objects.get().gait == 5
