"""A check-in's evaluation queued by PostgreSQL, not by the web request: NOTIFY in the write, one listener in the workers.

Before, each check-in POST published ``evaluate_patient_task`` itself once
its transaction committed: 0.4-0.5 ms of Celery's message building and a
Redis round trip inside every request (docs/benchmarks.md, "Check-in
POSTs"), and with Redis unreachable, a connect attempt that the patient
waited for before the page answered. On PostgreSQL the check-in now says
``pg_notify('myelotrack_evaluate', patient_id)`` inside its own transaction
(in the one-statement write, tracker/checkin_write.py, it costs no extra
round trip). PostgreSQL delivers a notification only when that transaction
commits, and never for one rolled back: exactly what ``on_commit`` gave.

One thread in a Celery worker LISTENs and publishes the task. Every worker
starts one, and a session-level advisory lock lets only one of them listen
at a time (the others try again every few seconds and take over when it
stops), so a check-in is queued once however many workers run. Nothing is
lost when no listener is up, PostgreSQL drops notifications nobody listens
for, because the outbox is the record: the check-in's own statement
counts it into ``Patient.checkins_received``, ``evaluate_pending_task``
evaluates every patient whose count is ahead of their evaluations within a
minute, and each time a listener (re)starts listening it queues that task
at once, for whatever arrived while nobody listened.

SQLite (the local default) has no NOTIFY, and eager mode runs tasks in the
caller: both keep publishing after commit as before, and so does
``EVALUATION_NUDGE=broker`` (for a deployment whose connections go through a
pooler in transaction mode, where LISTEN cannot hold a session).
"""

from __future__ import annotations

import logging
import threading

from celery import bootsteps

logger = logging.getLogger(__name__)

CHANNEL = "myelotrack_evaluate"
APPLICATION_NAME = "myelotrack-evaluation-listener"
# pg_try_advisory_lock's key: any 64-bit number no other code of this database uses.
LOCK_KEY = 0x4D79_656C_6F45_7631  # "MyeloEv1"
# How long one wait for notifications lasts before the stop flag is looked at again.
WAIT_SECONDS = 1.0
# A listener that does not hold the lock tries again this often; a lost connection is retried as often.
RETRY_SECONDS = 5.0
# A silent network (no error, no notifications) is found by a round trip this often.
PING_SECONDS = 30.0


def nudges_by_notify(connection) -> bool:
    """Whether check-ins on this database connection queue their evaluation by NOTIFY (else by publishing)."""
    from celery import current_app
    from django.conf import settings

    return (
        connection.vendor == "postgresql"
        and settings.EVALUATION_NUDGE == "notify"
        and not current_app.conf.task_always_eager
    )


def notify_sql(patient_id_sql: str) -> str:
    """The SQL expression that sends a patient's nudge, for a statement that already has the patient's id."""
    return f"pg_notify('{CHANNEL}', ({patient_id_sql})::text)"


def publish_evaluations(patient_ids: list[int]) -> None:
    """Queue each patient's evaluation; a broker outage is logged (the outbox still holds them)."""
    from tracker.evaluation import enqueue_evaluation

    for patient_id in dict.fromkeys(patient_ids):
        enqueue_evaluation(patient_id)


def publish_pending() -> None:
    """Queue evaluate_pending_task: the check-ins committed while nobody listened."""
    from tracker.tasks import evaluate_pending_task

    try:
        evaluate_pending_task.delay()
    except Exception:  # kombu raises several types for a broker that is down
        logger.exception("Could not queue evaluate_pending_task; beat queues it within a minute")


class EvaluationListener:
    """LISTEN for check-ins' nudges and publish their evaluations, while holding the one listener's lock.

    ``run`` returns when ``stop`` is set (within WAIT_SECONDS). Any database
    error closes the connection and starts again after RETRY_SECONDS; it is
    logged, never raised, so the worker it runs in keeps working.
    """

    def __init__(self, connect_params: dict, *, on_nudges=publish_evaluations, on_listening=publish_pending):
        self.connect_params = connect_params
        self.on_nudges = on_nudges
        self.on_listening = on_listening
        self.listening = threading.Event()  # set while this listener holds the lock and listens

    def run(self, stop: threading.Event) -> None:
        import psycopg

        while not stop.is_set():
            try:
                with psycopg.connect(**self.connect_params, autocommit=True) as conn:
                    self._hold_lock_and_listen(conn, stop)
            except psycopg.Error as exc:
                logger.warning("Evaluation listener: %s; trying again in %.0f s", exc, RETRY_SECONDS)
            finally:
                self.listening.clear()
            stop.wait(RETRY_SECONDS)

    def _hold_lock_and_listen(self, conn, stop: threading.Event) -> None:
        import time

        while not conn.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()[0]:
            # Another worker's listener has it: wait on this connection, ready to take over.
            if stop.wait(RETRY_SECONDS):
                return
        conn.execute(f"LISTEN {CHANNEL}")
        self.listening.set()
        logger.info("Evaluation listener: listening on %s", CHANNEL)
        self.on_listening()
        pinged = time.monotonic()
        while not stop.is_set():
            ids = [int(n.payload) for n in conn.notifies(timeout=WAIT_SECONDS) if n.payload.isdigit()]
            if ids:
                self.on_nudges(ids)
            if time.monotonic() - pinged > PING_SECONDS:
                conn.execute("SELECT 1")
                pinged = time.monotonic()


def listener_connect_params() -> dict:
    """psycopg.connect's arguments for the default database, as Django itself would connect."""
    from django.db import connections

    params = dict(connections["default"].get_connection_params())
    # Django's own cursor class and its type adapters are for Django's connections; this one only LISTENs.
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    # Named, so that pg_stat_activity shows which session is the listener.
    params.setdefault("application_name", APPLICATION_NAME)
    return params


class EvaluationListenerStep(bootsteps.StartStopStep):
    """The listener, on a thread of each worker (the main process; a prefork pool's children never run it).

    Started after the pool, so the first children are forked before its
    connection exists; one forked later holds a copy of the socket but never
    uses it (psycopg does not close a connection from a process it was not
    opened in).
    """

    requires = ("celery.worker.components:Pool",)

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.thread: threading.Thread | None = None
        self.stop_event = threading.Event()
        self.listener: EvaluationListener | None = None

    def start(self, parent):
        from django.db import connections

        if not nudges_by_notify(connections["default"]):
            return
        self.listener = EvaluationListener(listener_connect_params())
        self.thread = threading.Thread(
            target=self.listener.run, args=(self.stop_event,), name="evaluation-listener", daemon=True
        )
        self.thread.start()

    def stop(self, parent):
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(WAIT_SECONDS + 2)
