"""The check-in's two writers: PostgreSQL's one statement and the ORM's transaction leave the same rows,
lose nothing to a race, and save nothing when any part is refused."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client, RequestFactory

from audit.models import AuditEvent
from audit.services import reset_current_request, set_current_request
from notifications.models import Alert
from patients.models import Patient
from patients.tokens import token_issue
from tests.conftest import GOOD_ANSWERS
from tests.tracker.conftest import outside_connection
from tracker import checkin_write
from tracker.api.serializers import CheckInSerializer
from tracker.models import ANSWER_FIELDS, CheckIn, CheckInRevision
from tracker.services import checkin_submit

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement write is PostgreSQL's")

FULL_ANSWERS = {
    **GOOD_ANSWERS,
    "numbness": 3,
    "numbness_locations": ["hands", "feet"],
    "neck_pain": 5,
    "note": "Worse after gardening; 50% better by evening",
}


def _story(patient: Patient) -> list[tuple]:
    """A week of a patient's writes that reach every branch of the writers.

    Returns, after each write, whether it created the row and the patient's outbox count and detector state.
    """
    today = patient.local_today()
    steps = []

    def submit(answers, **kwargs):
        created = checkin_submit(patient=patient, answers=answers, **kwargs)[1]
        patient.refresh_from_db()
        steps.append((created, patient.checkins_received, patient.detector_state))

    request = RequestFactory().post("/api/v1/checkins/", REMOTE_ADDR="203.0.113.7")
    token = set_current_request(request)
    try:
        submit(FULL_ANSWERS, entered_by=patient.user)
        # Same day again: an update with its revision, the optional answers dropped.
        submit({**GOOD_ANSWERS, "gait": 4})
    finally:
        reset_current_request(token)
    # The detector has seen today: a third answer drops its state.
    Patient.objects.filter(pk=patient.pk).update(
        detector_state={"version": 1, "rules": {}}, evaluated_through=today, checkins_evaluated=2
    )
    submit({**GOOD_ANSWERS, "sensation": 1})
    # A late entry for a day before the watermark: new, and the state goes again.
    Patient.objects.filter(pk=patient.pk).update(detector_state={"version": 1})
    submit(GOOD_ANSWERS, date=today - timedelta(days=3))
    # A new day after the watermark keeps the state.
    Patient.objects.filter(pk=patient.pk).update(
        detector_state={"version": 2}, evaluated_through=today - timedelta(days=5)
    )
    submit(GOOD_ANSWERS, date=today - timedelta(days=4))
    return steps


def _rows(patient: Patient) -> dict:
    patient.refresh_from_db()
    checkin_fields = [*ANSWER_FIELDS, "date", "total", "red_flag", "entered_by_id"]
    audit_fields = ["actor_id", "actor_name", "action", "what", "path", "address", "detail"]
    return {
        "checkins": list(CheckIn.objects.filter(patient=patient).order_by("date").values(*checkin_fields)),
        "revisions": list(
            CheckInRevision.objects.filter(checkin__patient=patient).order_by("pk").values("checkin__date", "answers")
        ),
        "audit": list(AuditEvent.objects.filter(patient_id=patient.pk).order_by("pk").values(*audit_fields)),
        "patient": (patient.checkins_received, patient.checkins_evaluated, patient.detector_state),
        "timestamps_in_order": all(
            c.created_at <= c.updated_at and c.created_at <= r.replaced_at
            for c in CheckIn.objects.filter(patient=patient)
            for r in c.revisions.all()
        ),
    }


def _same_story_as(rows: dict, patient: Patient) -> dict:
    """Make one patient's rows comparable with another's: their own user stands for 'the patient'."""
    for checkin in rows["checkins"]:
        checkin["entered_by_id"] = (
            "patient" if checkin["entered_by_id"] == patient.user_id else checkin["entered_by_id"]
        )
    for row in rows["audit"]:
        assert row.pop("actor_id") == patient.user_id and row.pop("actor_name") == patient.user.username
    return rows


@on_postgresql
@pytest.mark.django_db
def test_the_one_statement_and_the_orm_leave_identical_rows(patient, other_patient, monkeypatch):
    in_one_statement = _story(patient)
    monkeypatch.setattr(checkin_write, "writes_in_one_statement", lambda: False)
    through_the_orm = _story(other_patient)

    assert (
        in_one_statement
        == through_the_orm
        == [(True, 1, {}), (False, 2, {}), (False, 3, {}), (True, 4, {}), (True, 5, {"version": 2})]
    )
    one, orm = _same_story_as(_rows(patient), patient), _same_story_as(_rows(other_patient), other_patient)
    assert one == orm
    # And what they are: the revision keeps every previous answer, the audit row the request's path and address.
    first_answers = {**dict.fromkeys(ANSWER_FIELDS, False), **FULL_ANSWERS, "numbness_locations": ["feet", "hands"]}
    assert one["revisions"][0]["answers"] == first_answers
    assert one["audit"][0] == {
        "action": "change",
        "what": "checkin",
        "path": "/api/v1/checkins/",
        "address": "203.0.113.7",
        "detail": {"date": patient.local_today().isoformat(), "new": True},
    }
    assert one["patient"] == (5, 2, {"version": 2})
    assert one["timestamps_in_order"]


@pytest.mark.django_db
def test_the_api_answers_with_exactly_what_was_stored(patient):
    client = Client(HTTP_AUTHORIZATION=f"Token {token_issue(user=patient.user).key}")
    first = client.post("/api/v1/checkins/", FULL_ANSWERS, content_type="application/json")
    second = client.post("/api/v1/checkins/", {**GOOD_ANSWERS, "gait": 5}, content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 200)
    stored = CheckInSerializer(CheckIn.objects.select_related("patient", "entered_by").get()).data
    assert second.json() == stored
    assert first.json()["id"] == stored["id"] and first.json()["created_at"] == stored["created_at"]


@pytest.mark.django_db
@pytest.mark.parametrize("orm", [False, True], ids=["as-configured", "orm"])
def test_a_row_the_database_refuses_saves_nothing_at_all(patient, monkeypatch, orm):
    if orm:
        monkeypatch.setattr(checkin_write, "writes_in_one_statement", lambda: False)
    checkin_submit(patient=patient, answers=GOOD_ANSWERS)
    before = _rows(patient)
    # Past the service's own checks (as a bug might be): the table's CHECK constraint is the last word.
    bad = CheckIn(patient=patient, date=patient.local_today(), **{**GOOD_ANSWERS, "gait": 9})
    bad.compute_derived()
    with pytest.raises(IntegrityError), transaction.atomic():
        checkin_write.checkin_write(bad, actor=patient.user)
    assert _rows(patient) == before  # no update, no revision, no outbox count, no audit row


@pytest.mark.django_db
@pytest.mark.parametrize("orm", [False, True], ids=["as-configured", "orm"])
def test_a_red_flag_check_in_is_not_saved_without_its_alert(patient, monkeypatch, orm):
    if orm:
        monkeypatch.setattr(checkin_write, "writes_in_one_statement", lambda: False)

    def alert_refused(**kwargs):
        raise IntegrityError("alert refused")

    monkeypatch.setattr("tracker.evaluation.alert_open", alert_refused)
    with pytest.raises(IntegrityError), transaction.atomic():
        checkin_submit(patient=patient, answers={**GOOD_ANSWERS, "rf_breathing": True})
    assert not CheckIn.objects.exists() and not AuditEvent.objects.filter(patient_id=patient.pk).exists()
    patient.refresh_from_db()
    assert patient.checkins_received == 0


@pytest.mark.django_db
def test_a_red_flag_opens_its_alert_with_the_check_in(patient):
    checkin, created = checkin_submit(patient=patient, answers={**GOOD_ANSWERS, "rf_bladder_bowel": True})
    assert created and checkin.red_flag
    assert Alert.objects.get(patient=patient, rule="red_flag").severity == "urgent"
    assert CheckIn.objects.get().red_flag


# ----- races, with real connections ------------------------------------------


def _until_waiting(count: int) -> int:
    """How many sessions wait on a lock, once that reaches count (or 20 s pass)."""
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    with outside_connection(autocommit=True) as monitor:
        until = time.monotonic() + 20
        while (seen := monitor.execute(query).fetchone()[0]) < count and time.monotonic() < until:
            time.sleep(0.02)
    return seen


def _in_thread(results: list, patient: Patient, answers: dict) -> threading.Thread:
    def run():
        try:
            results.append(checkin_submit(patient=patient, answers=answers)[1])
        except Exception as exc:  # the assertion below names it
            results.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_check_in_that_loses_the_race_for_its_day_becomes_an_update_with_the_winners_answers_kept(patient):
    """The day's row appears after the statement's snapshot: the statement is run again, as an update."""
    outside = outside_connection()
    winner = CheckIn(patient=patient, date=patient.local_today(), **{**GOOD_ANSWERS, "gait": 3})
    winner.compute_derived()
    outside.execute(
        "INSERT INTO tracker_checkin (patient_id, date, fine_motor, gait, sensation, bladder, total, rf_bladder_bowel,"
        " rf_saddle_numbness, rf_weakness, rf_fall_injury, rf_breathing, red_flag, numbness_locations, note,"
        " created_at, updated_at) VALUES (%s, %s, 4, 3, 2, 3, 12, false, false, false, false, false, false, '[]',"
        " '', now(), now())",
        [patient.pk, winner.date],
    )  # not committed yet: the check-in below cannot see it, but its INSERT meets it in the unique index
    results: list = []
    thread = _in_thread(results, patient, GOOD_ANSWERS)
    blocked = _until_waiting(1)
    outside.commit()
    thread.join(timeout=30)
    outside.close()

    assert blocked == 1, "the check-in should have waited on the other transaction's row"
    assert results == [False]  # an update, not a 500 and not a second row
    stored = CheckIn.objects.get(patient=patient)
    assert stored.gait == GOOD_ANSWERS["gait"]
    assert CheckInRevision.objects.get(checkin=stored).answers["gait"] == 3
    assert list(AuditEvent.objects.filter(patient_id=patient.pk).values_list("detail", flat=True)) == [
        {"date": winner.date.isoformat(), "new": False}
    ]
    patient.refresh_from_db()
    assert patient.checkins_received == 1  # counted once, by the write that happened


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_first_check_ins_of_a_day_at_once_give_one_row_one_revision_and_no_error(patient):
    """Staged as tests/tracker/test_checkin_form_race.py does: both held at their write by a table lock."""
    outside = outside_connection()
    outside.execute("LOCK TABLE tracker_checkin IN SHARE MODE")
    results: list = []
    threads = [_in_thread(results, patient, {**GOOD_ANSWERS, "gait": gait}) for gait in (6, 5)]
    staged = _until_waiting(2)
    outside.rollback()  # lets both go at once
    outside.close()
    for thread in threads:
        thread.join(timeout=30)

    assert staged == 2, "both check-ins should have reached their write"
    assert sorted(results, key=str) == [False, True], results
    assert CheckIn.objects.filter(patient=patient).count() == 1
    assert CheckInRevision.objects.filter(checkin__patient=patient).count() == 1
    news = sorted(d["new"] for d in AuditEvent.objects.filter(patient_id=patient.pk).values_list("detail", flat=True))
    assert news == [False, True]
    patient.refresh_from_db()
    assert patient.checkins_received == 2


@on_postgresql
def test_the_write_keeps_one_generic_plan_rather_than_planning_each_check_in_again(patient, settings):
    """The limit's count made PostgreSQL's auto mode re-plan the whole statement on every EXECUTE (0.36 ms)."""
    settings.CHECKIN_LIMIT = (1000, 3600)
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"
    for gait in (6, 5, 4, 3, 2, 1, 6, 5):  # auto mode plans the first five afresh whatever it decides later
        checkin_submit(patient=patient, answers={**GOOD_ANSWERS, "gait": gait}, limit=settings.CHECKIN_LIMIT)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(generic_plans), sum(custom_plans) FROM pg_prepared_statements WHERE name LIKE %s",
            ["myelotrack_checkin_write%"],
        )
        generic, custom = cursor.fetchone()
    assert generic >= 8 and custom == 0
