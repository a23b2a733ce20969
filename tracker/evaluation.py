"""Connects stored check-ins, baselines and alerts to the detection rules.

The rules themselves (``detection.rules.PatientDetector``) are pure Python. This
module feeds them from the database and turns what they report into alert
rows, for three callers that must agree with each other and with the offline
replay:

* ``after_checkin_saved`` (inside the check-in request): a red flag opens its
  urgent alert before the page answers; everything else is handed to
  ``evaluate_patient_task`` after the transaction commits;
* ``evaluate_patients(ids)`` (the tasks and the nightly sweep): loads a batch
  of patients with a fixed number of queries, feeds each detector only the
  check-ins after ``Patient.evaluated_through``, applies the events and saves
  the detector state back with one bulk update;
* the baseline services, which rebuild one patient's detector from the whole
  history after a re-baseline.

Idempotency: alerts are opened and closed only through
``notifications.services``; a partial unique constraint allows one unresolved
alert per patient and rule, and an alert already recorded for the same rule
and day (even if a clinician has resolved it since) is never opened again, so
running an evaluation twice, or rebuilding a detector from the whole history,
creates nothing twice. See docs/detection-operations.md.
"""

from __future__ import annotations

import gc
import json
import logging
import zoneinfo
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date as date_type
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from core.bulk import bulk_insert
from core.fields import JSONTextField
from detection.rules import (
    CHECKED_IN,
    CLOSED,
    OPENED,
    REBASELINED,
    RECOVERED,
    Event,
    PatientDetector,
    RuleConfig,
    pack_day,
    unpack_day,
)
from detection.rules import Baseline as RuleBaseline
from detection.rules import DayScore as RuleDay
from detection.scales import RED_FLAGS
from notifications.models import Alert
from notifications.services import (
    Episode,
    alert_close_automatically,
    alert_deliver,
    alert_open,
    alerts_record_episodes,
)
from patients.models import Patient
from tracker.evaluation_listener import notify_sql, nudges_by_notify
from tracker.models import Baseline, CheckIn
from tracker.rule_settings import rule_config_for, rule_config_for_team

logger = logging.getLogger(__name__)

# How a detector's reason for closing maps onto the alert's recorded outcome.
_OUTCOME_FOR_REASON = {
    RECOVERED: Alert.Outcome.RECOVERED,
    CHECKED_IN: Alert.Outcome.RECOVERED,
    REBASELINED: Alert.Outcome.REBASELINED,
}

_CHECKIN_COLUMNS = ("patient_id", "date", "fine_motor", "gait", "sensation", "bladder", "red_flag")


# ----- configuration ---------------------------------------------------------


# ----- the check-in request --------------------------------------------------


def after_checkin_saved(checkin: CheckIn) -> None:
    """Called by the check-in's ORM writer inside its transaction, for every save.

    (On PostgreSQL tracker.checkin_write does the outbox UPDATE below inside its
    one statement and calls open_red_flag_alert and enqueue_after_commit itself.)
    """
    open_red_flag_alert(checkin)
    # A check-in for a day the detector has already seen (a same-day
    # resubmission, a late entry) cannot be fed incrementally: drop the state
    # in this same transaction so that whichever evaluation comes next, the
    # task or the nightly sweep, rebuilds the detector from the whole history.
    # (The watermark stays: it tells the rebuild which episodes are history.)
    # Into the outbox, in this transaction: if the task below is lost with the
    # broker, evaluate_pending_task finds this patient within a minute.
    # One UPDATE for both: a second write of the same row cost a check-in as much again.
    Patient.objects.filter(pk=checkin.patient_id).update(
        checkins_received=F("checkins_received") + 1,
        detector_state=Case(
            When(evaluated_through__gte=checkin.date, then=Value({}, output_field=JSONTextField())),
            default=F("detector_state"),
        ),
    )
    enqueue_after_commit(checkin.patient_id)


def open_red_flag_alert(checkin: CheckIn) -> None:
    """A red flag opens its urgent alert in the check-in's own transaction, before the page answers."""
    if checkin.red_flag:
        alert_open(
            patient=checkin.patient,
            rule="red_flag",
            # Urgent unless the care team chose otherwise (RuleConfig.red_flag_severity).
            severity=rule_config_for(checkin.patient).severity("red_flag"),
            date=checkin.date,
            evidence=red_flag_evidence(checkin),
            evidence_data={"red_flags": checkin.red_flags_answered_yes, "date": checkin.date.isoformat()},
        )


def enqueue_after_commit(patient_id: int) -> None:
    """Everything but the red flag is left to evaluate_patient_task, queued once the check-in is committed.

    On PostgreSQL by a NOTIFY in this transaction, which the workers' listener
    turns into the task (tracker/evaluation_listener.py); elsewhere published
    from here after the commit.
    """
    if nudges_by_notify(connection):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {notify_sql('%s')}", [patient_id])  # nosec B608: fixed text, the id a parameter
    else:
        transaction.on_commit(lambda: enqueue_evaluation(patient_id))


def enqueue_evaluation(patient_id: int) -> bool:
    """Queue one patient's evaluation; a broker outage is logged, not raised.

    The check-in is already committed when this runs. If Redis is down the
    patient still gets evaluated: the nightly sweep reads every check-in after
    ``evaluated_through``, so nothing is lost, only later.
    """
    # Imported here: tracker.tasks imports this module (service -> task -> service).
    from tracker.tasks import evaluate_patient_task

    try:
        evaluate_patient_task.delay(patient_id)
    except Exception:  # kombu raises several types for a broker that is down
        logger.exception("Could not queue evaluate_patient_task(%s); the nightly sweep will catch up", patient_id)
        return False
    return True


def red_flag_evidence(checkin: CheckIn) -> str:
    said = [f.short for f in RED_FLAGS if getattr(checkin, f.key)]
    return f"Red flag on {checkin.date:%d %b}: {', '.join(said)}"


# ----- batch evaluation ------------------------------------------------------


@dataclass
class EvaluationResult:
    patients: int = 0
    checkins: int = 0
    rebuilt: int = 0
    opened: int = 0
    closed: int = 0
    baselines_created: int = 0


def day_from_checkin(checkin: CheckIn) -> RuleDay:
    return RuleDay(
        checkin.date, checkin.fine_motor, checkin.gait, checkin.sensation, checkin.bladder, bool(checkin.red_flag)
    )


def rebuild_detector(
    config: RuleConfig, codes: list[int], baseline_changes: list[Baseline]
) -> tuple[PatientDetector, list[Event]]:
    """A detector fed the whole history, with the clinicians' baselines applied on their dates.

    ``codes`` are the check-ins packed by ``detection.rules.pack_day``, in
    date order. With no re-baseline or hand-set baseline this is exactly
    ``detection.rules.replay_patient``: the same detector fed the same days.
    ``baseline_changes`` are the non-automatic Baseline rows, oldest first.
    """
    det = PatientDetector(config)
    if not baseline_changes:
        # Nearly every patient in a first sweep: a year of days in one
        # (compiled) call, with no clinician's baseline to watch for.
        return det, det.feed_packed(codes)
    events: list[Event] = []
    pending = sorted(baseline_changes, key=lambda b: (b.effective_from, b.set_at or timezone.now(), b.pk or 0))
    i = 0
    for day in map(unpack_day, codes):
        while i < len(pending) and pending[i].effective_from <= day.date:
            events.extend(_apply_baseline_change(det, pending[i]))
            i += 1
        events.extend(det.feed(day))
    for change in pending[i:]:
        events.extend(_apply_baseline_change(det, change))
    return det, events


def _apply_baseline_change(det: PatientDetector, row: Baseline) -> list[Event]:
    if row.method == Baseline.Method.MANUAL:
        return det.set_baseline(
            RuleBaseline.by_hand(
                fine_motor=row.fine_motor, gait=row.gait, sensation=row.sensation, bladder=row.bladder
            ),
            row.effective_from,
        )
    # Re-baselined from a date: the detector builds the baseline from the
    # check-ins fed from that date on, as it did for the first one.
    return det.rebaseline(row.effective_from, [])


def _tick_day(patient: Patient, now, zones: dict) -> date_type:
    """Yesterday in the patient's own time zone: the last day that is over."""
    tz = zones.get(patient.timezone)
    if tz is None:
        tz = zones[patient.timezone] = zoneinfo.ZoneInfo(patient.timezone)
    return now.astimezone(tz).date() - timedelta(days=1)


def evaluate_patients(
    patient_ids, *, tick: bool = False, rebuild: bool = False, now=None, result: EvaluationResult | None = None
) -> EvaluationResult:
    """Evaluate a batch of patients with a fixed number of queries.

    Reads: the patients (locked, so a check-in task and a sweep batch for the
    same patient take turns), their check-ins after ``evaluated_through``,
    their baselines, their unresolved alerts, and the alerts already recorded
    for the (rule, day) pairs the detectors report. Writes: the alerts through
    the notifications services, new automatic baselines with one bulk insert,
    and the detector states with one bulk update.

    ``tick`` runs the missed check-ins check as of each patient's yesterday
    (the nightly sweep). ``rebuild`` ignores saved state and replays the whole
    history (the baseline services).
    """
    result = result or EvaluationResult()
    now = now or timezone.now()
    ids = sorted({int(pk) for pk in patient_ids})
    if ids:
        # Around the call, not inside it: the batch's objects are gone by
        # the time the collector is back, so it has little left to look at.
        with _few_collections():
            _evaluate_batch(ids, tick=tick, rebuild=rebuild, now=now, result=result)
    return result


def _evaluate_batch(ids: list[int], *, tick: bool, rebuild: bool, now, result: EvaluationResult) -> None:
    with transaction.atomic():
        patients = list(
            Patient.objects.select_for_update(of=("self",))
            .filter(pk__any=ids)  # core.lookups: one array, not 200 placeholders
            .select_related("care_team")
            .order_by("pk")
        )
        if not patients:
            return
        configs, restored, full = _restore_detectors(patients, rebuild=rebuild)
        baselines_by_patient: dict[int, list[Baseline]] = defaultdict(list)
        for row in Baseline.objects.filter(patient_id__any=ids).order_by(
            "patient_id", "effective_from", "set_at", "pk"
        ):
            baselines_by_patient[row.patient_id].append(row)
        unresolved = _unresolved_alerts(ids)
        # The check-ins last: they are read while the detectors are fed, and
        # no other query can run on the connection until the last has come.
        detectors, events_by_patient, history_until = _feed_detectors(
            patients,
            configs,
            restored,
            full,
            _load_codes(patients, full),
            baselines_by_patient,
            unresolved,
            tick,
            now,
            result,
        )
        _apply_events(patients, events_by_patient, unresolved, history_until, result)
        _store_results(patients, detectors, baselines_by_patient, unresolved, result)


@contextmanager
def _few_collections():
    """No cyclic garbage collection while a batch is evaluated; one after it if any is due.

    A first sweep's batch makes a year of events and hundreds of rows per
    patient that all live until the batch commits, so the collector kept
    running full collections over objects that were never garbage (10,000
    patients x 365 days: 18 full and 196 middle collections, 2.1 s of a
    18.5 s first run at load 4.6). Nothing a batch makes needs the cycle
    collector to be freed in time: the batch's own objects go by reference
    counting when it returns. The collector is process-wide, so it is turned
    back on only if it was on (a thread running its own batch meanwhile
    found it off and leaves it to this one).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _restore_detectors(patients: list[Patient], *, rebuild: bool):
    """Each team's thresholds, the detectors restored from saved state, and who needs a full rebuild."""
    configs: dict[int, RuleConfig] = {}
    restored: dict[int, PatientDetector] = {}
    full: set[int] = set()
    for patient in patients:
        config = configs.get(patient.care_team_id)
        if config is None:
            config = configs[patient.care_team_id] = rule_config_for_team(patient.care_team)
        if rebuild or not patient.detector_state or patient.evaluated_through is None:
            full.add(patient.pk)
            continue
        try:
            restored[patient.pk] = PatientDetector.from_dict(patient.detector_state, config)
        except (KeyError, TypeError, ValueError):
            # A state from another version of the rules: rebuild it.
            logger.warning("Unreadable detector state for patient %s; rebuilding", patient.pk)
            full.add(patient.pk)
    return configs, restored, full


def _unresolved_alerts(ids: list[int]) -> dict[int, dict[str, Alert]]:
    unresolved: dict[int, dict[str, Alert]] = defaultdict(dict)
    # Served by the partial unique index (patient, rule) WHERE status != resolved.
    for alert in (
        Alert.objects.filter(patient_id__any=ids)
        .exclude(status=Alert.Status.RESOLVED)
        .only("id", "patient_id", "rule", "date", "status", "severity")
    ):
        unresolved[alert.patient_id][alert.rule] = alert
    return unresolved


def _feed_detectors(
    patients, configs, restored, full, codes_in_order, baselines_by_patient, unresolved, tick, now, result
):
    """Feed each detector its new days (or rebuild it from the whole history); collect the events.

    The days come packed (``detection.rules.pack_day``) and go to the
    detector's ``feed_packed`` in one call per patient: a first sweep feeds a
    year per patient, and a DayScore and a call from Python per check-in
    cost as much as the rules themselves. ``codes_in_order`` yields
    (patient pk, codes) in pk order while ``_load_codes`` reads them, so
    this loop must run no query.
    """
    zones: dict = {}
    detectors: dict[int, PatientDetector] = {}
    events_by_patient: dict[int, list[Event]] = {}
    history_until: dict[int, date_type] = {}
    stream = iter(codes_in_order)
    try:
        upcoming = next(stream, None)
        for patient in patients:
            codes: list[int] = []
            if upcoming is not None and upcoming[0] == patient.pk:
                codes = upcoming[1]
                # Asked for at once: the last patient's codes end the read before the loop ends.
                upcoming = next(stream, None)
            det, events = _feed_one(
                patient,
                configs[patient.care_team_id],
                restored,
                full,
                codes,
                baselines_by_patient,
                unresolved,
                history_until,
                result,
            )
            if tick and det.last_date is not None:
                events.extend(det.tick(_tick_day(patient, now, zones)))
            detectors[patient.pk] = det
            if events:
                events_by_patient[patient.pk] = events
    finally:
        # After an error the read is cancelled here, so the connection is free for the rollback.
        if hasattr(stream, "close"):
            stream.close()
    return detectors, events_by_patient, history_until


def _feed_one(patient, config, restored, full, codes, baselines_by_patient, unresolved, history_until, result):
    result.checkins += len(codes)
    if patient.pk in full:
        result.rebuilt += 1
        changes = [b for b in baselines_by_patient.get(patient.pk, []) if b.method != Baseline.Method.AUTOMATIC]
        det, events = rebuild_detector(config, codes, changes)
        if patient.evaluated_through is not None:
            history_until[patient.pk] = patient.evaluated_through
        return det, events
    det = restored[patient.pk]
    # A clinician may have resolved an alert the detector still
    # counts as open: tell it, as replay's clinician close does.
    _sync_closed_by_clinician(det, unresolved.get(patient.pk, {}), det.last_date)
    last = det.last_date
    if last is not None:
        # Only the days after the last one fed. The codes are in date
        # order and the date is their highest part, so the first such
        # day is the first code at or above that day's lowest code.
        codes = codes[bisect_left(codes, pack_day(last + timedelta(days=1), 0, 0, 0, 0)) :]
    return det, det.feed_packed(codes)


def _store_results(patients, detectors, baselines_by_patient, unresolved, result) -> None:
    """New automatic baselines in one insert, the detector states in one update."""
    new_baselines = []
    for patient in patients:
        det = detectors[patient.pk]
        _sync_closed_by_clinician(det, unresolved.get(patient.pk, {}), det.last_date)
        if det.baseline is not None and not baselines_by_patient.get(patient.pk):
            new_baselines.append(_automatic_baseline_row(patient, det.baseline))
        patient.detector_state = det.to_dict()
        patient.evaluated_through = det.last_date
        # Read under this transaction's row lock: every check-in counted is one we loaded.
        patient.checkins_evaluated = patient.checkins_received
    if new_baselines:
        # A COPY on PostgreSQL: a first sweep writes one per patient.
        bulk_insert(new_baselines)
        result.baselines_created += len(new_baselines)
    _save_states(patients)
    result.patients += len(patients)


def evaluate_all_patients(*, batch_size: int = 200, tick: bool = True) -> EvaluationResult:
    """The nightly sweep's work in this process, batch by batch (seed_demo, maintenance).

    The same batches and the same code as ``sweep_batch_task``, without Celery.
    """
    result = EvaluationResult()
    ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        evaluate_patients(ids[start : start + batch_size], tick=tick, result=result)
    return result


def _load_codes(patients: list[Patient], full: set[int]) -> Iterator[tuple[int, list[int]]]:
    """One query: every check-in of the rebuilt patients, the new ones of the others, packed, in date order.

    Yields (patient pk, codes) in pk order, for the patients with any.
    Patients are grouped by watermark (in steady state nearly all share
    yesterday's), so the query is an OR of a few index range scans of the
    (patient, date) unique index and a patient who stopped checking in months
    ago does not make the whole batch read months of rows.
    """
    by_mark: dict[date_type, list[int]] = defaultdict(list)
    for p in patients:
        if p.pk not in full:
            by_mark[p.evaluated_through].append(p.pk)
    if connection.vendor == "postgresql":
        return _packed_codes(sorted(full), by_mark)
    condition = Q(patient_id__in=sorted(full)) if full else Q(pk__in=[])
    for mark, pks in by_mark.items():
        condition |= Q(patient_id__in=pks, date__gt=mark)
    rows = CheckIn.objects.filter(condition).order_by("patient_id", "date").values_list(*_CHECKIN_COLUMNS)
    by_patient: dict[int, list[int]] = defaultdict(list)
    for pid, day, fm, g, s, b, rf in rows:
        by_patient[pid].append(pack_day(day, fm, g, s, b, bool(rf)))
    return iter(sorted(by_patient.items()))


# detection.rules.pack_day computed by PostgreSQL: the days since 1970, 4 bits
# per score (the CHECK constraints keep each within 0-7) and the red-flag bit.
_DAY_CODE = (
    "((((((date - DATE '1970-01-01')::bigint * 16 + fine_motor) * 16 + gait) * 16 + sensation) * 16 + bladder) * 2"
    " + red_flag::int)"
)


def _packed_codes(full: list[int], by_mark: dict[date_type, list[int]]) -> Iterator[tuple[int, list[int]]]:
    """The check-ins as one array of day codes per patient, in date order (PostgreSQL), streamed.

    A first sweep reads a year of rows per patient; seven columns per row
    cost about twice the plain read of those rows, one integer per row
    reads in half the time, and the detector takes the integers as they
    come (PatientDetector.feed_packed).

    The rows are streamed (libpq's single-row mode): PostgreSQL aggregates
    the next patients' arrays while the detector is fed the ones already
    here, instead of the whole batch's read and the whole batch's feed one
    after the other (2026-12-03, 4,000 patients x 365 days: 1.2-1.3 s
    against 2.0 s). Until the last row has come the connection takes no
    other query (psycopg holds its lock: one would wait for ever), so the
    caller feeds and does nothing else, and closes the generator when done.
    """
    clauses, params = [], []
    if full:
        clauses.append("patient_id = ANY(%s)")
        params.append(full)
    for mark, pks in by_mark.items():
        clauses.append("(patient_id = ANY(%s) AND date > %s)")
        params += [pks, mark]
    if not clauses:
        return
    # bandit B608: the table is the model's own db_table and the clauses are
    # fixed text; every value goes as a parameter. In patient order, as the
    # caller takes them: the (patient) index scan gives that order already.
    sql = (
        f"SELECT patient_id, array_agg({_DAY_CODE} ORDER BY date) FROM {CheckIn._meta.db_table} "  # nosec B608
        f"WHERE {' OR '.join(clauses)} GROUP BY patient_id ORDER BY patient_id"
    )
    # The raw psycopg cursor: Django's wrapper has no stream().
    with connection.cursor() as cursor, connection.wrap_database_errors:
        yield from cursor.cursor.stream(sql, params)


def _save_states(patients: list[Patient]) -> None:
    """One update for the whole batch.

    On PostgreSQL the states are copied into a temporary table and the
    patients updated from it in one UPDATE ... FROM: Django's bulk_update
    builds a CASE WHEN per row and spent more time compiling it than the
    database spent running it (60% of a steady-state batch), and one JSON
    document of every state taken apart by jsonb_array_elements cost the
    database half as much again as COPY's rows (about 1 kB of state per
    patient; 2026-12-03, 2,000 patients: 0.26 s against 0.38 s).

    Called inside evaluate_patients' transaction: the temporary table lives
    until its commit at the latest.
    """
    if connection.vendor != "postgresql":
        Patient.objects.bulk_update(patients, ["detector_state", "evaluated_through", "checkins_evaluated"])
        return
    table = Patient._meta.db_table
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # Dropped at commit at the latest, and at once below: a test or a
        # caller may evaluate several batches in one transaction.
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS tracker_evaluation_state "
            "(id bigint, state json, through date, checkins integer) ON COMMIT DROP"
        )
        # The raw psycopg cursor: Django's wrapper has no copy().
        with cursor.cursor.copy("COPY tracker_evaluation_state (id, state, through, checkins) FROM STDIN") as copy:
            dumps = json.JSONEncoder(separators=(",", ":")).encode
            for p in patients:
                copy.write_row((p.pk, dumps(p.detector_state), p.evaluated_through, p.checkins_evaluated))
        # bandit B608: {table} is the model's own db_table; the values come from the table above.
        cursor.execute(
            f"UPDATE {table} AS p SET detector_state = v.state, evaluated_through = v.through, "  # nosec B608
            "checkins_evaluated = v.checkins FROM tracker_evaluation_state AS v WHERE p.id = v.id"
        )
        cursor.execute("DROP TABLE tracker_evaluation_state")


def _sync_closed_by_clinician(det: PatientDetector, unresolved: dict[str, Alert], when: date_type | None) -> None:
    when = when or timezone.localdate()
    for rule in det.open_rules:
        if rule not in unresolved:
            det.close(rule, when)


def _finished_before(events: list[Event], until: date_type) -> set[int]:
    """Indexes of episodes that opened and closed again by ``until``.

    In a rebuild of a history already evaluated up to ``until`` these are
    the past: if one was not recorded then (a missed-check-in gap the sweep
    dated differently, thresholds changed since), recording it now would
    only send a stale alert.
    """
    finished: set[int] = set()
    open_at: dict[str, int] = {}
    for i, ev in enumerate(events):
        if ev.kind == OPENED:
            open_at[ev.rule] = i
        elif ev.kind == CLOSED and ev.rule in open_at:
            start = open_at.pop(ev.rule)
            if ev.date <= until:
                finished.add(start)
    return finished


def _apply_events(
    patients: list[Patient],
    events_by_patient: dict[int, list[Event]],
    unresolved: dict[int, dict[str, Alert]],
    history_until: dict[int, date_type],
    result: EvaluationResult,
) -> None:
    """Turn detector events into alert rows, in each patient's order of events.

    The events are first played against the unresolved alerts in memory (what
    alert_open and alert_close_automatically would each find), then written:
    the closes of alerts that were already open one by one (there are few),
    and the batch's new episodes, each already in its final state, with one
    insert each for alerts, events and deliveries. A first sweep records a
    year of episodes per patient, and one statement per row (with its
    savepoint and a query for the team's clinicians) was most of its time.
    If an alert opened meanwhile outside the patients' row locks (a red flag
    in a check-in request) collides with one of the inserts, the batch's
    writes are rolled back to a savepoint and made again one by one, where
    alert_open finds that alert.
    """
    if not events_by_patient:
        return
    recorded = _recorded_openings(events_by_patient)
    by_pk = {p.pk: p for p in patients}
    episodes, closes, still_open = _plan_alerts(by_pk, events_by_patient, unresolved, history_until, set(recorded))
    try:
        with transaction.atomic():
            closed = sum(
                alert_close_automatically(alert=alert, outcome=outcome, detail=detail)
                for alert, outcome, detail in closes
            )
            alerts_record_episodes(episodes=episodes)
    except IntegrityError:
        logger.warning("An alert opened during the batch's evaluation; recording the batch's events one by one")
        _apply_events_one_by_one(by_pk, events_by_patient, unresolved, history_until, recorded, result)
        return
    result.opened += len(episodes)
    result.closed += closed + sum(1 for ep in episodes if ep.close_outcome)
    # What is unresolved now, by rule: the rest of the batch only asks which rules.
    unresolved.update(still_open)


def _recorded_openings(events_by_patient: dict[int, list[Event]]) -> set[tuple[int, str, date_type]]:
    """The (patient, rule, day) of every reported opening that is already an alert row."""
    opened = [(pid, ev) for pid, events in events_by_patient.items() for ev in events if ev.kind == OPENED]
    if not opened:
        return set()
    # An episode already recorded for this rule and day, even one a
    # clinician has resolved since, is the same episode: never again.
    # Three arrays (core.lookups), not IN lists: a rebuild reports a year of
    # openings per batch, and a parameter per patient and day (several
    # hundred) cost more to build and quote than the query took.
    rows = Alert.objects.filter(
        patient_id__any={pid for pid, _ in opened},
        rule__any={ev.rule for _, ev in opened},
        date__any={ev.date for _, ev in opened},
    )
    return set(rows.values_list("patient_id", "rule", "date"))


def _plan_alerts(by_pk, events_by_patient, unresolved, history_until, recorded):
    """The new episodes (in their final state), the closes of open alerts, and what stays open per patient.

    The same decisions as _apply_events_one_by_one, made in memory.
    """
    episodes: list[Episode] = []
    closes: list[tuple[Alert, str, str]] = []
    still_open: dict[int, dict[str, Alert | Episode]] = {}
    for pid, events in events_by_patient.items():
        open_now: dict[str, Alert | Episode] = dict(unresolved[pid])
        past = _finished_before(events, history_until[pid]) if pid in history_until else set()
        for i, ev in enumerate(events):
            if ev.kind == OPENED:
                key = (pid, ev.rule, ev.date)
                if key in recorded or i in past:
                    continue
                recorded.add(key)
                if ev.rule in open_now:  # alert_open would return the unresolved one
                    continue
                episode = Episode(
                    patient=by_pk[pid],
                    rule=ev.rule,
                    severity=ev.severity,
                    date=ev.date,
                    evidence=ev.evidence,
                    evidence_data=ev.evidence_data,
                )
                episodes.append(episode)
                open_now[ev.rule] = episode
            elif ev.kind == CLOSED:
                outcome = _OUTCOME_FOR_REASON.get(ev.reason)
                current = open_now.get(ev.rule)
                # Only an episode that began on or before the evidence of
                # recovery: a rebuilt history must not close a later episode.
                if outcome is None or current is None or current.date > ev.date:
                    continue
                if isinstance(current, Episode):
                    current.close_outcome, current.close_detail = outcome, ev.evidence
                else:
                    closes.append((current, outcome, ev.evidence))
                del open_now[ev.rule]
        still_open[pid] = open_now
    return episodes, closes, still_open


def _apply_events_one_by_one(by_pk, events_by_patient, unresolved, history_until, recorded, result) -> None:
    """One alert_open or alert_close_automatically per event: the path when the batch's inserts collided.

    The deliveries of the alerts it opens are written at the end, for those
    still open then: an episode this pass opened and closed again gets none,
    as alerts_record_episodes gives none to an Episode with a close_outcome.
    """
    recorded = set(recorded)
    opened: dict[int, Alert] = {}  # created in this pass, by pk, in order
    for pid, events in events_by_patient.items():
        patient = by_pk[pid]
        open_now = unresolved[pid]
        past = _finished_before(events, history_until[pid]) if pid in history_until else set()
        for i, ev in enumerate(events):
            if ev.kind == OPENED:
                key = (pid, ev.rule, ev.date)
                if key in recorded or i in past:
                    continue
                alert, created = alert_open(
                    patient=patient,
                    rule=ev.rule,
                    severity=ev.severity,
                    date=ev.date,
                    evidence=ev.evidence,
                    evidence_data=ev.evidence_data,
                    deliver=False,
                )
                recorded.add(key)
                open_now[ev.rule] = alert
                if created:
                    opened[alert.pk] = alert
                result.opened += int(created)
            elif ev.kind == CLOSED:
                outcome = _OUTCOME_FOR_REASON.get(ev.reason)
                alert = open_now.get(ev.rule)
                if outcome is None or alert is None or alert.date > ev.date:
                    continue
                if alert_close_automatically(alert=alert, outcome=outcome, detail=ev.evidence):
                    result.closed += 1
                    opened.pop(alert.pk, None)
                del open_now[ev.rule]
    for alert in opened.values():
        alert_deliver(alert=alert)


def _automatic_baseline_row(patient: Patient, baseline: RuleBaseline) -> Baseline:
    return Baseline.from_computed(
        patient=patient, computed=baseline, method=Baseline.Method.AUTOMATIC, reason="Median of the first check-ins"
    )
