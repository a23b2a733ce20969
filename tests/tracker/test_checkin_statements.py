"""What a check-in costs the database: one write per row it changes, and nothing after the commit."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from patients.models import Patient
from patients.tokens import token_issue
from tests.conftest import GOOD_ANSWERS
from tracker.models import CheckIn, CheckInRevision
from tracker.services import checkin_submit

pytestmark = pytest.mark.django_db


def test_a_resubmission_writes_the_patient_row_once(patient):
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


def test_the_api_check_in_reads_nothing_after_its_commit(patient):
    client = Client(HTTP_AUTHORIZATION=f"Token {token_issue(user=patient.user).key}")
    body = {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 3}
    client.post("/api/v1/checkins/", body, content_type="application/json")
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/checkins/", {**body, "gait": 5}, content_type="application/json")
    assert response.status_code == 200 and response.json()["entered_by"] == "Patient"
    sql = [q["sql"] for q in ctx.captured_queries]
    # The token (with its patient), then the transaction; the answer is rendered from what it holds.
    # (Inside the test's own transaction the commit is a RELEASE SAVEPOINT.)
    assert sql[-1] in ("COMMIT",) or sql[-1].startswith("RELEASE SAVEPOINT"), sql
    # The patient comes with the token: no SELECT of its own, none after the commit.
    assert not any(s.startswith('SELECT "patients_patient"') for s in sql), sql
    assert len(sql) <= 9, sql
    assert CheckIn.objects.get().gait == 5
