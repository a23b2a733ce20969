"""Storing one validated check-in: in one SQL statement on PostgreSQL, in an ORM transaction elsewhere.

Both writers do the same five things as one atomic unit, and a test holds
them to identical rows (tests/tracker/test_checkin_write.py):

1. lock and read the patient's row for that day, if there is one;
2. insert the day's row, or update it;
3. on an update, keep the previous answers as a CheckInRevision;
4. count the check-in into the evaluation outbox (``Patient.checkins_received``)
   and, when the detector has already seen that day, drop its saved state so
   the next evaluation rebuilds it (tracker.evaluation.after_checkin_saved);
5. write the audit row.

Before any of it, when the caller gives a limit (the check-in views do:
settings.CHECKIN_LIMIT, 30 an hour), the patient's check-ins saved in the
window are counted from their audit rows, and past the limit nothing is
written and CheckInLimitReached says when the next may come. A red-flag
check-in is never refused by the limit. Counting in the write itself, rather
than in a Redis throttle before the view, costs no round trip and holds
whatever Redis is doing.

Why one statement on PostgreSQL: the ORM's transaction is seven round trips
(BEGIN, SELECT ... FOR UPDATE, UPDATE or INSERT, INSERT revision, UPDATE
patient, INSERT audit, COMMIT), each a few tenths of a millisecond of wire
and driver time, which made most of a check-in's cost (docs/benchmarks.md,
"Check-in POSTs"). A data-modifying CTE does all five in one autocommitted
statement: atomic by itself (all of it commits, or none), and committed,
fsync included, before the statement returns, as the transaction's COMMIT was.

A red flag's urgent alert is opened by notifications.services.alert_open,
ORM code with its own rules; so a red-flag check-in runs the statement and
alert_open inside one transaction (BEGIN and COMMIT come back, for the rare
check-in where they matter most). The statement also sends the evaluation's
nudge (a NOTIFY, delivered at its commit: tracker/evaluation_listener.py);
where nudges are published instead, that runs after the commit, as before.
"""

from __future__ import annotations

import json
import math
import re
import weakref
from datetime import timedelta

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_change, audit_row
from patients.models import Patient
from tracker.evaluation import after_checkin_saved, enqueue_after_commit, open_red_flag_alert
from tracker.evaluation_listener import notify_sql, nudges_by_notify
from tracker.models import ANSWER_FIELDS, CheckIn, CheckInRevision

# The columns a check-in's answer writes besides patient and date (which find the row).
_WRITTEN = (*ANSWER_FIELDS, "total", "red_flag", "entered_by")
_CHECKIN_TABLE = CheckIn._meta.db_table
_REVISION_TABLE = CheckInRevision._meta.db_table
_AUDIT_TABLE = AuditEvent._meta.db_table
# The audit rows a check-in's write leaves: the limit counts them.
_CHECKIN_AUDIT_WHAT = "checkin"


class CheckInLimitReached(Exception):
    """The patient saved as many check-ins as the limit allows in its window; nothing was written."""

    def __init__(self, retry_after: int):
        super().__init__(f"Too many check-ins saved in a short time; the next may come in {retry_after} s.")
        self.retry_after = retry_after


def _retry_after(oldest, *, now, seconds: int) -> int:
    """Whole seconds until the oldest of the counted check-ins leaves the window (at least 1)."""
    return max(1, math.ceil((oldest + timedelta(seconds=seconds) - now).total_seconds()))


def _column(model, name: str) -> str:
    return model._meta.get_field(name).column


def _param(model, name: str, key: str | None = None) -> str:
    """A named parameter cast to its column's type."""
    return f"%({key or name})s::{model._meta.get_field(name).db_type(connection)}"


def _one_statement_sql(*, notify: bool) -> str:
    columns = [_column(CheckIn, name) for name in _WRITTEN]
    values = [_param(CheckIn, name) for name in _WRITTEN]
    answers = ", ".join(f"'{name}', prev.{_column(CheckIn, name)}" for name in ANSWER_FIELDS)
    audit_columns = ("actor", "actor_name", "action", "what", "patient_id", "path", "address")
    # The lost race: the day's row was inserted by another transaction after this statement's snapshot.
    # prev misses it, the INSERT meets it in the unique index, waits for that transaction and does
    # nothing, and so does everything after it: the statement returns no row, writes nothing, and the
    # caller runs it again, when prev sees the row and it becomes an update with its revision.
    # Every parameter cast: a PREPAREd statement infers an uncast one from its first use, and in an
    # INSERT ... SELECT list that would be text.
    now = _param(CheckIn, "updated_at", "now")
    patient_id = _param(CheckIn, "patient", "patient_id")
    date = _param(CheckIn, "date")
    # The evaluation's nudge, delivered when the statement commits (tracker/evaluation_listener.py).
    nudge = f", {notify_sql(patient_id)}" if notify else ""
    # bandit B608: tables and columns are the models' own, the clauses fixed text; every value is a parameter.
    audit_table, audit_patient = _AUDIT_TABLE, _column(AuditEvent, "patient_id")
    limit_count = "%(limit_count)s::integer"
    return f"""
WITH recent AS (
    -- The last limit_count check-ins saved in the window (none read without a limit): their
    -- number, and the oldest, whose leaving the window lets the next one in (DRF's sliding log).
    SELECT count(*) AS n, min(at) AS oldest FROM (
        SELECT at FROM {audit_table}
        WHERE {limit_count} IS NOT NULL AND {audit_patient} = {patient_id}
            AND what = %(audit_what)s::text AND action = %(audit_action)s::text
            AND at > %(limit_since)s::timestamptz
        ORDER BY at DESC LIMIT {limit_count}
    ) counted
),
allowed AS (
    SELECT (%(red_flag)s::boolean OR {limit_count} IS NULL OR n < {limit_count}) AS ok, oldest FROM recent
),
prev AS (
    SELECT id, {", ".join(_column(CheckIn, name) for name in ANSWER_FIELDS)}
    FROM {_CHECKIN_TABLE}
    WHERE patient_id = {patient_id} AND date = {date}
    FOR UPDATE
),
inserted AS (
    INSERT INTO {_CHECKIN_TABLE} (patient_id, date, {", ".join(columns)}, created_at, updated_at)
    SELECT {patient_id}, {date}, {", ".join(values)}, {now}, {now}
    WHERE NOT EXISTS (SELECT 1 FROM prev) AND (SELECT ok FROM allowed)
    ON CONFLICT (patient_id, date) DO NOTHING
    RETURNING id, created_at, TRUE AS created
),
updated AS (
    UPDATE {_CHECKIN_TABLE} AS c
    SET {", ".join(f"{column} = {value}" for column, value in zip(columns, values, strict=True))},
        updated_at = {now}
    FROM prev
    WHERE c.id = prev.id AND (SELECT ok FROM allowed)
    RETURNING c.id, c.created_at, FALSE AS created
),
revision AS (
    INSERT INTO {_REVISION_TABLE} (checkin_id, answers, replaced_at)
    SELECT prev.id, jsonb_build_object({answers}), {now}
    FROM prev JOIN updated ON updated.id = prev.id
),
saved AS (
    SELECT * FROM inserted UNION ALL SELECT * FROM updated
),
outbox AS (
    UPDATE {Patient._meta.db_table}
    SET checkins_received = checkins_received + 1,
        -- An untyped '{{}}' takes the column's type: the same text runs before and after
        -- patients.0009 made the column json (a web process not yet restarted after the migration).
        detector_state = CASE WHEN evaluated_through >= {date} THEN '{{}}' ELSE detector_state END
    WHERE id = {patient_id} AND EXISTS (SELECT 1 FROM saved)
),
audit AS (
    INSERT INTO {_AUDIT_TABLE} (at, {", ".join(_column(AuditEvent, name) for name in audit_columns)}, detail)
    SELECT {now}, {", ".join(_param(AuditEvent, name, f"audit_{name}") for name in audit_columns)},
        jsonb_build_object('date', %(date_iso)s::text, 'new', saved.created)
    FROM saved
)
SELECT id, created_at, created{nudge} FROM saved
UNION ALL
-- Refused by the limit: no id, and the oldest counted check-in's time for Retry-After.
SELECT NULL, oldest, NULL{", NULL" if notify else ""} FROM allowed WHERE NOT ok
"""  # nosec B608


# The statement is PREPAREd once per database connection: parsing and planning six CTEs cost 0.26 ms
# of its 0.4 ms in PostgreSQL, and sending it 2 kB of SQL each time. (A connection pooler in
# transaction mode, which hands sessions around, would need its prepared-statement support.)
_PREPARED_NAMES = {False: "myelotrack_checkin_write", True: "myelotrack_checkin_write_notify"}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_prepared_on: dict[str, weakref.WeakSet] = {name: weakref.WeakSet() for name in _PREPARED_NAMES.values()}
_prepared_sql: dict[bool, tuple[str, str, tuple[str, ...]]] = {}


def _prepared(*, notify: bool) -> tuple[str, str, tuple[str, ...]]:
    """The statement's name, its PREPARE (with $n for each named parameter) and the parameter names in order."""
    if notify not in _prepared_sql:  # built on first use: db_type needs the connection's vendor
        names: list[str] = []

        def number(match: re.Match) -> str:
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        body = _PLACEHOLDER.sub(number, _one_statement_sql(notify=notify))
        name = _PREPARED_NAMES[notify]
        _prepared_sql[notify] = (name, f"PREPARE {name} AS {body}", tuple(names))
    return _prepared_sql[notify]


def use_generic_plans(sender, connection, **kwargs) -> None:
    """On each new PostgreSQL connection: run the PREPAREd write with its one generic plan, never re-planned.

    PostgreSQL plans a prepared statement afresh for its parameters ("custom")
    whenever its estimate for the generic plan is much higher. For the limit's
    count (``at > $since``, ``LIMIT $n``) the generic estimate is a third of
    the patient's audit rows, so it re-planned the six CTEs on every check-in:
    0.36 ms more of PostgreSQL's CPU, twice the write's own cost
    (docs/benchmarks.md). Every plan of the statement is a lookup by key, the
    same for any parameters. Only prepared statements and PL/pgSQL use the
    plan cache, and the app prepares only this one. Runs in autocommit (the
    signal comes before any transaction), so the setting lasts the session.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_generic_plan")


def checkin_write(checkin: CheckIn, *, actor, limit: tuple[int, int] | None = None) -> bool:
    """Store a validated, unsaved check-in (derived fields computed); returns created.

    Sets the instance's pk, created_at and updated_at as saved, so the caller
    can render it without reading it back. ``actor`` is the audit row's.
    ``limit`` (check-ins, seconds): past it, CheckInLimitReached and nothing
    written, unless the check-in holds a red flag.
    """
    if not writes_in_one_statement():
        return checkin_write_orm(checkin, actor=actor, limit=limit)
    # On PostgreSQL the statement itself sends the evaluation's nudge, unless publishing is configured.
    notify = nudges_by_notify(connection)
    if not checkin.red_flag:
        created = _write_in_one_statement(checkin, actor=actor, notify=notify, limit=limit)
    else:
        with transaction.atomic():
            created = _write_in_one_statement(checkin, actor=actor, notify=notify, limit=limit)
            open_red_flag_alert(checkin)
    if not notify:
        enqueue_after_commit(checkin.patient_id)
    return created


def writes_in_one_statement() -> bool:
    """PostgreSQL only: the statement uses its data-modifying CTEs, ON CONFLICT and PREPARE."""
    return connection.vendor == "postgresql"


@transaction.atomic
def checkin_write_orm(checkin: CheckIn, *, actor, limit: tuple[int, int] | None = None) -> bool:
    """The portable writer (SQLite, the local default): the same rows through the ORM in one transaction."""
    if limit is not None and not checkin.red_flag:
        count, seconds = limit
        now = timezone.now()
        counted = list(
            AuditEvent.objects.filter(
                patient_id=checkin.patient_id,
                what=_CHECKIN_AUDIT_WHAT,
                action=AuditEvent.Action.CHANGE,
                at__gt=now - timedelta(seconds=seconds),
            )
            .order_by("-at")
            .values_list("at", flat=True)[:count]
        )
        if len(counted) >= count:
            raise CheckInLimitReached(_retry_after(min(counted), now=now, seconds=seconds))
    existing = CheckIn.objects.select_for_update().filter(patient_id=checkin.patient_id, date=checkin.date).first()
    created = existing is None
    if not created:
        checkin.pk, checkin.created_at = existing.pk, existing.created_at
        checkin._state.adding = False
    checkin.save(force_insert=created, force_update=not created)
    if not created:
        CheckInRevision.objects.create(
            checkin=checkin, answers={name: getattr(existing, name) for name in ANSWER_FIELDS}
        )
    after_checkin_saved(checkin)
    audit_change(
        user=actor,
        patient_id=checkin.patient_id,
        what=_CHECKIN_AUDIT_WHAT,
        detail={"date": checkin.date.isoformat(), "new": created},
    )
    return created


def _write_in_one_statement(checkin: CheckIn, *, actor, notify: bool, limit: tuple[int, int] | None) -> bool:
    now = checkin.updated_at = timezone.now()
    count, seconds = limit if limit is not None else (None, 0)
    params = {name: getattr(checkin, name) for name in ANSWER_FIELDS}
    params.update(
        patient_id=checkin.patient_id,
        date=checkin.date,
        date_iso=checkin.date.isoformat(),
        now=now,
        total=checkin.total,
        red_flag=checkin.red_flag,
        entered_by=checkin.entered_by_id,
        numbness_locations=json.dumps(checkin.numbness_locations),
    )
    params.update(limit_count=count, limit_since=now - timedelta(seconds=seconds))
    audit = audit_row(
        actor=actor, action=AuditEvent.Action.CHANGE, what=_CHECKIN_AUDIT_WHAT, patient_id=checkin.patient_id
    )
    params.update({f"audit_{name}": audit[name] for name in ("actor_name", "action", "what", "patient_id", "path")})
    params.update(audit_actor=audit["actor_id"], audit_address=audit["address"])
    name, prepare, names = _prepared(notify=notify)
    execute = f"EXECUTE {name}({', '.join(['%s'] * len(names))})"
    values = [params[name] for name in names]
    with connection.cursor() as cursor:
        raw = connection.connection
        if raw not in _prepared_on[name]:
            cursor.execute(prepare)
            _prepared_on[name].add(raw)
        for _ in range(3):
            cursor.execute(execute, values)
            row = cursor.fetchone()
            if row is not None:
                break
        else:
            # Three lost races in a row (the day's row inserted, then gone, each time): answered as the
            # database being unavailable, a 503 "nothing was saved, try again" (core.middleware).
            raise OperationalError("The check-in's row kept changing under its write; nothing was saved.")
    if row[0] is None:  # refused by the limit: row[1] is the oldest check-in it counted
        raise CheckInLimitReached(_retry_after(row[1], now=now, seconds=seconds))
    checkin.pk, checkin.created_at, created = row[:3]
    checkin._state.adding = False
    checkin._state.db = connection.alias
    return created
