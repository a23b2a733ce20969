"""A batch records its episodes with a few inserts, and they are the rows the one-by-one path writes."""

import gc
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from detection.rules import pack_day, unpack_day
from notifications.models import Alert, Delivery
from tests.conftest import add_history, make_patient
from tracker import evaluation
from tracker.evaluation import evaluate_patients
from tracker.models import CheckIn

GOOD = (4, 6, 2, 3)
FAIR = (3, 5, 2, 3)  # the MCID below GOOD
AWFUL = (1, 2, 0, 1)


def history(patient):
    """Declines that recover, a gap long enough for missed check-ins, a steep fall that stays, a red flag."""
    rows, day = {}, 0
    for days, answers in ((20, GOOD), (14, FAIR), (16, GOOD), (12, FAIR), (14, GOOD)):
        for _ in range(days):
            rows[day] = answers
            day += 1
    day += 8  # no check-ins for 8 days
    for answers in [GOOD] * 10 + [AWFUL] * 12:
        rows[day] = answers
        day += 1
    start = patient.local_today() - timedelta(days=day)
    add_history(patient, rows, start=start)
    CheckIn.objects.filter(patient=patient, date=start + timedelta(days=40)).update(rf_fall_injury=True, red_flag=True)


def recorded(patient):
    """Everything about a patient's alerts that does not depend on when or in which order rows were written."""
    out = []
    for alert in Alert.objects.filter(patient=patient).order_by("date", "rule"):
        events = [(e.kind, e.detail, e.actor_id) for e in alert.events.order_by("at", "pk")]
        deliveries = sorted(
            (d.recipient_id or 0, d.channel, d.address, d.escalation_level, d.status, d.next_attempt_at > d.created_at)
            for d in Delivery.objects.filter(alert=alert)
        )
        out.append(
            (
                alert.rule,
                alert.severity,
                alert.severity_rank,
                alert.status,
                alert.date,
                alert.evidence,
                alert.evidence_data,
                alert.outcome,
                alert.resolution_note,
                alert.resolved_at is None,
                alert.escalation_level,
                events,
                deliveries,
            )
        )
    return out


def refuse_bulk_writes(monkeypatch):
    def collide(**kwargs):
        raise IntegrityError("as if an alert had been opened meanwhile")

    monkeypatch.setattr(evaluation, "alerts_record_episodes", collide)


def test_the_bulk_path_writes_the_same_alerts_events_and_deliveries_as_one_by_one(
    patient, other_patient, clinicians, monkeypatch, django_capture_on_commit_callbacks
):
    for p in (patient, other_patient):
        history(p)
    with django_capture_on_commit_callbacks() as bulk_callbacks:
        bulk = evaluate_patients([patient.pk], tick=True)
    refuse_bulk_writes(monkeypatch)
    with django_capture_on_commit_callbacks() as one_by_one_callbacks:
        one_by_one = evaluate_patients([other_patient.pk], tick=True)

    rows = recorded(patient)
    assert rows == recorded(other_patient)
    assert (bulk.opened, bulk.closed) == (one_by_one.opened, one_by_one.closed)
    # The history is rich enough for the comparison to mean something.
    rules = {r[0] for r in rows}
    assert {"red_flag", "missed_checkins", "sustained_decline"} <= rules
    assert {r[3] for r in rows} == {"open", "resolved"}
    assert len({len(r[12]) for r in rows if r[3] == "open"}) > 1  # deliveries differ with severity
    # On both paths an episode that ended in this evaluation has no deliveries; one still open has them.
    assert all(not r[12] for r in rows if r[3] == "resolved")
    assert all(r[12] for r in rows if r[3] == "open")
    # Each path enqueues the deliveries due now once, after commit.
    assert len(bulk_callbacks) >= 1 and len(one_by_one_callbacks) >= len(bulk_callbacks)


def test_the_state_after_the_bulk_path_is_the_state_after_one_by_one(patient, other_patient, clinicians, monkeypatch):
    for p in (patient, other_patient):
        history(p)
    evaluate_patients([patient.pk], tick=True)
    refuse_bulk_writes(monkeypatch)
    evaluate_patients([other_patient.pk], tick=True)
    patient.refresh_from_db()
    other_patient.refresh_from_db()
    assert patient.detector_state == other_patient.detector_state
    # And the next evaluation of either opens nothing new.
    monkeypatch.undo()
    assert evaluate_patients([patient.pk, other_patient.pk], tick=True).opened == 0


def test_an_alert_opened_meanwhile_makes_the_batch_record_one_by_one(patient, clinicians, monkeypatch, caplog):
    history(patient)
    # A red flag alert the batch did not see when it read the unresolved alerts
    # (committed by a check-in request just after): its insert collides.
    Alert.objects.create(
        patient=patient, rule="red_flag", severity="urgent", date=patient.local_today(), evidence="Red flag today"
    )
    monkeypatch.setattr(evaluation, "_unresolved_alerts", lambda ids: {pk: {} for pk in ids})

    result = evaluate_patients([patient.pk], tick=True)

    assert "recording the batch's events one by one" in caplog.text
    assert Alert.objects.filter(patient=patient, rule="red_flag").exclude(status="resolved").count() == 1
    assert Alert.objects.filter(patient=patient, rule="sustained_decline").exists()
    assert result.opened == Alert.objects.filter(patient=patient).count() - 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="COPY is PostgreSQL's; elsewhere bulk_create batches rows by the database's parameter limit",
)
def test_a_batch_writes_its_episodes_with_the_same_number_of_statements_however_many_there_are(
    team_a, clinicians, team_b, other_clinician
):
    def statements(n):
        patients = [make_patient(team_a if i % 2 else team_b, None, f"P{n}-{i}", "Bulk") for i in range(n)]
        for p in patients:
            history(p)
        with CaptureQueriesContext(connection) as ctx:
            result = evaluate_patients([p.pk for p in patients], tick=True)
        assert result.opened >= 4 * n
        return len(ctx.captured_queries)

    assert statements(2) == statements(6)


def test_the_days_read_as_codes_are_the_check_ins_as_stored(patient, other_patient):
    # The lowest and highest answers, red flags, and dates long before 1970 and far ahead.
    rows = {0: (0, 0, 0, 0), 1: (5, 7, 3, 3), 2: (4, 6, 2, 3), 3: (1, 2, 0, 1)}
    add_history(patient, rows, start=patient.local_today() - timedelta(days=10))
    add_history(other_patient, rows, start=date(1901, 2, 3))
    add_history(other_patient, rows, start=date(2999, 12, 1))
    CheckIn.objects.filter(date__in=[date(1901, 2, 4), patient.local_today() - timedelta(days=7)]).update(
        red_flag=True, rf_breathing=True
    )

    read = dict(evaluation._load_codes([patient, other_patient], {patient.pk, other_patient.pk}))

    for p in (patient, other_patient):
        stored = [evaluation.day_from_checkin(c) for c in CheckIn.objects.filter(patient=p).order_by("date")]
        assert [unpack_day(code) for code in read[p.pk]] == stored
        # The database packs them as detection.rules.pack_day does.
        assert read[p.pk] == [
            pack_day(d.date, d.fine_motor, d.gait, d.sensation, d.bladder, d.red_flag) for d in stored
        ]
    assert sum(unpack_day(code).red_flag for codes in read.values() for code in codes) == 2


def test_a_restored_detector_is_fed_only_the_days_after_its_last(patient):
    # The watermark is older than the detector's last day (a late entry is
    # read again with the days after the watermark): the days it has seen
    # are not fed twice, which would raise OutOfOrderCheckIn.
    add_history(patient, {i: GOOD for i in range(30)}, start=patient.local_today() - timedelta(days=30))
    evaluate_patients([patient.pk])
    patient.refresh_from_db()
    last = patient.evaluated_through
    type(patient).objects.filter(pk=patient.pk).update(evaluated_through=last - timedelta(days=5))
    add_history(patient, {0: AWFUL}, start=last + timedelta(days=1))

    result = evaluate_patients([patient.pk])

    patient.refresh_from_db()
    assert result.rebuilt == 0 and result.checkins == 6
    assert patient.evaluated_through == last + timedelta(days=1)
    assert patient.detector_state["checkins"] == 31


def test_each_patient_of_a_batch_is_fed_its_own_days_when_some_have_none(patient, other_patient, team_b_patient):
    # The codes are read as a stream in patient order and matched to the
    # batch's patients as they come; the one in the middle has no check-ins.
    start = patient.local_today() - timedelta(days=40)
    add_history(patient, {i: GOOD for i in range(30)}, start=start)
    add_history(team_b_patient, {i: FAIR for i in range(12)}, start=start)

    result = evaluate_patients([team_b_patient.pk, other_patient.pk, patient.pk])

    assert result.checkins == 42 and result.rebuilt == 3
    for p, n, last in ((patient, 30, 29), (other_patient, 0, None), (team_b_patient, 12, 11)):
        p.refresh_from_db()
        assert (p.detector_state or {}).get("checkins", 0) == n
        assert p.evaluated_through == (None if last is None else start + timedelta(days=last))


def test_a_batch_that_fails_while_its_check_ins_are_read_saves_nothing_and_leaves_the_connection_usable(
    patient, other_patient, clinicians, monkeypatch
):
    for p in (patient, other_patient):
        history(p)
    real = evaluation.rebuild_detector

    def fails_on_the_first(config, codes, changes):
        if not fails_on_the_first.called:
            fails_on_the_first.called = True
            raise RuntimeError("the detector broke")
        return real(config, codes, changes)

    fails_on_the_first.called = False
    monkeypatch.setattr(evaluation, "rebuild_detector", fails_on_the_first)

    with pytest.raises(RuntimeError, match="the detector broke"):
        evaluate_patients([patient.pk, other_patient.pk], tick=True)

    # The read was cut short and the batch rolled back: the same connection
    # takes the next query, and nothing of the batch was written.
    assert not Alert.objects.exists()
    for p in (patient, other_patient):
        p.refresh_from_db()
        assert p.evaluated_through is None and not p.detector_state
    monkeypatch.undo()
    assert evaluate_patients([patient.pk, other_patient.pk], tick=True).opened > 0


def test_a_batch_of_two_teams_gives_each_alert_the_deliveries_the_one_by_one_path_gives_it(
    team_a, team_b, clinicians, other_clinician, monkeypatch
):
    # The bulk path works out the targets once per team and severity; the
    # one-by-one path asks for each alert's team's clinicians as alert_open does.
    bulk = [make_patient(team_a, None, "Bulk", "A"), make_patient(team_b, None, "Bulk", "B")]
    one_by_one = [make_patient(team_a, None, "Single", "A"), make_patient(team_b, None, "Single", "B")]
    for p in bulk + one_by_one:
        history(p)

    evaluate_patients([p.pk for p in bulk], tick=True)
    refuse_bulk_writes(monkeypatch)
    evaluate_patients([p.pk for p in one_by_one], tick=True)

    for ours, theirs in zip(bulk, one_by_one, strict=True):
        assert recorded(ours) == recorded(theirs)
    team_b_recipients = set(Delivery.objects.filter(alert__patient=bulk[1]).values_list("recipient_id", flat=True))
    assert team_b_recipients == {other_clinician.pk}
    team_a_recipients = set(Delivery.objects.filter(alert__patient=bulk[0]).values_list("recipient_id", flat=True))
    assert team_a_recipients == {c.pk for c in clinicians}


@pytest.mark.parametrize("fails", [False, True])
def test_the_cycle_collector_is_off_while_a_batch_is_evaluated_and_on_again_after(fails, patient, monkeypatch):
    add_history(patient, {i: GOOD for i in range(20)}, start=patient.local_today() - timedelta(days=20))
    real = evaluation.rebuild_detector
    seen = []

    def watching(config, codes, changes):
        seen.append(gc.isenabled())
        if fails:
            raise RuntimeError("the detector broke")
        return real(config, codes, changes)

    monkeypatch.setattr(evaluation, "rebuild_detector", watching)
    assert gc.isenabled()

    if fails:
        with pytest.raises(RuntimeError):
            evaluate_patients([patient.pk])
    else:
        evaluate_patients([patient.pk])

    assert seen == [False]
    assert gc.isenabled()
