"""A check-in's evaluation is queued through PostgreSQL (NOTIFY in its own transaction, one LISTENer in the workers).

Against the real database: a committed check-in nudges once, a rolled-back one
never, two listeners share one lock, a lost connection is taken up again, and a
real worker evaluates a check-in that the web process could not have published.
"""

import threading
import time
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from patients.tokens import token_issue
from tests.conftest import add_history, wait_for
from tracker import evaluation_listener
from tracker.evaluation import enqueue_after_commit
from tracker.evaluation_listener import CHANNEL, EvaluationListener, listener_connect_params, nudges_by_notify
from tracker.models import CheckIn
from tracker.services import checkin_submit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="NOTIFY/LISTEN is PostgreSQL's; SQLite publishes"),
]

ANSWERS = {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 3}
NO_FLAGS = {
    key: "no" for key in ("rf_bladder_bowel", "rf_saddle_numbness", "rf_weakness", "rf_fall_injury", "rf_breathing")
}


@pytest.fixture
def not_eager(settings):
    """Tasks go to a broker (as in production), so check-ins nudge by NOTIFY."""
    from config.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = False
    settings.EVALUATION_NUDGE = "notify"
    yield
    app.conf.task_always_eager = old


@pytest.fixture
def listening():
    """A plain LISTEN session on the test database; returns a function giving the payloads that arrived."""
    conn = psycopg.connect(**listener_connect_params(), autocommit=True)
    conn.execute(f"LISTEN {CHANNEL}")

    def received(wait: float = 1.0) -> list[str]:
        return [n.payload for n in conn.notifies(timeout=wait)]

    yield received
    conn.close()


def test_a_committed_checkin_nudges_its_patient_once_and_publishes_nothing(not_eager, listening, patient, monkeypatch):
    published = []
    monkeypatch.setattr("tracker.evaluation.enqueue_evaluation", published.append)
    assert nudges_by_notify(connection)

    checkin, created = checkin_submit(patient=patient, answers=ANSWERS)

    assert created and CheckIn.objects.filter(pk=checkin.pk).exists()
    assert listening() == [str(patient.pk)]
    assert published == []  # the request never touched the broker


def test_a_red_flag_checkin_nudges_once_with_its_alert_committed(not_eager, listening, patient):
    checkin_submit(patient=patient, answers={**ANSWERS, "rf_weakness": True})

    assert listening() == [str(patient.pk)]
    assert patient.alerts.filter(rule="red_flag").count() == 1


def test_a_checkin_rolled_back_sends_no_nudge(not_eager, listening, patient):
    with pytest.raises(RuntimeError), transaction.atomic():
        checkin_submit(patient=patient, answers=ANSWERS)
        enqueue_after_commit(patient.pk)
        raise RuntimeError("the surrounding work failed")

    assert listening() == []
    assert not CheckIn.objects.filter(patient=patient).exists()


def test_a_nudge_from_a_longer_transaction_arrives_only_at_its_commit(not_eager, listening, patient):
    with transaction.atomic():
        enqueue_after_commit(patient.pk)
        assert listening(wait=0.3) == []
    assert listening() == [str(patient.pk)]


def test_checkins_over_the_web_page_and_the_api_nudge_their_patient(not_eager, listening, patient, client):
    client.force_login(patient.user)
    assert client.post(reverse("checkin"), {**{k: str(v) for k, v in ANSWERS.items()}, **NO_FLAGS}).status_code == 302
    assert listening() == [str(patient.pk)]

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=patient.user).key}")
    yesterday = (patient.local_today() - timedelta(days=1)).isoformat()
    response = api.post(reverse("api-checkins"), {**ANSWERS, "date": yesterday}, format="json")
    assert response.status_code == 201, response.content
    assert listening() == [str(patient.pk)]


def test_with_broker_nudges_configured_the_request_publishes_after_commit(
    not_eager, settings, listening, patient, monkeypatch
):
    settings.EVALUATION_NUDGE = "broker"
    published = []
    monkeypatch.setattr("tracker.evaluation.enqueue_evaluation", published.append)

    checkin_submit(patient=patient, answers=ANSWERS)

    assert published == [patient.pk]
    assert listening(wait=0.3) == []


# ---- the listener ----------------------------------------------------------------


class Run:
    """One EvaluationListener on its own thread, recording what it was given."""

    started: list["Run"] = []

    def __init__(self, name: str):
        self.nudges: list[int] = []
        self.listened = 0
        params = {**listener_connect_params(), "application_name": name}
        self.listener = EvaluationListener(params, on_nudges=self.nudges.extend, on_listening=self._on_listening)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.listener.run, args=(self.stop,), daemon=True)

    def _on_listening(self):
        self.listened += 1

    def start(self):
        Run.started.append(self)
        self.thread.start()
        return self

    def end(self):
        self.stop.set()
        self.thread.join(5)
        assert not self.thread.is_alive()


def notify(*payloads):
    with connection.cursor() as cursor:
        for payload in payloads:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(evaluation_listener, "RETRY_SECONDS", 0.1)
    monkeypatch.setattr(evaluation_listener, "WAIT_SECONDS", 0.1)
    yield
    # A failed test's listeners stop too, and give the lock back for the next test.
    for run in Run.started:
        run.stop.set()
    for run in Run.started:
        run.thread.join(5)
    Run.started.clear()


def test_of_two_listeners_one_listens_and_the_other_takes_over_when_it_stops(quick):
    name = f"listener-{uuid.uuid4().hex[:6]}"
    first = Run(name + "-1").start()
    assert first.listener.listening.wait(5)
    second = Run(name + "-2").start()
    time.sleep(0.5)  # several of its lock attempts
    assert not second.listener.listening.is_set()

    notify("7", "8", "not-a-patient")
    wait_for(lambda: first.nudges == [7, 8], timeout=5)
    assert second.nudges == []
    assert first.listened == 1

    first.end()
    assert second.listener.listening.wait(5)
    # Taking over, it queues the catch-up for what arrived while nobody listened.
    wait_for(lambda: second.listened == 1, timeout=5)
    notify("9")
    wait_for(lambda: second.nudges == [9], timeout=5)
    second.end()
    assert first.nudges == [7, 8]


def test_a_listener_whose_session_is_killed_reconnects_and_catches_up(quick):
    name = f"listener-{uuid.uuid4().hex[:6]}"
    run = Run(name).start()
    assert run.listener.listening.wait(5)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", [name])
        assert cursor.fetchone()[0]

    wait_for(lambda: run.listened == 2, timeout=10)
    notify("11")
    wait_for(lambda: run.nudges == [11], timeout=5)
    run.end()


def test_a_listener_that_cannot_reach_the_database_keeps_trying_without_raising(quick, caplog):
    params = {**listener_connect_params(), "port": 9, "connect_timeout": 1}
    listener = EvaluationListener(params, on_nudges=list, on_listening=list)
    stop = threading.Event()
    thread = threading.Thread(target=listener.run, args=(stop,), daemon=True)
    thread.start()
    wait_for(lambda: caplog.text.count("Evaluation listener:") >= 2, timeout=10)
    stop.set()
    thread.join(5)
    assert not thread.is_alive() and not listener.listening.is_set()


# ---- with a real worker -----------------------------------------------------------


@pytest.fixture
def celery_worker_extra_env():
    return {"EVALUATION_NUDGE": "notify"}


@pytest.mark.worker
def test_a_worker_evaluates_a_checkin_the_web_process_could_not_have_published(
    celery_worker_process, patient, client, tmp_path
):
    from config.celery import app

    add_history(patient, days=20)
    log = tmp_path / "worker.log"
    wait_for(lambda: "Evaluation listener: listening" in log.read_text(), timeout=20)
    # The web process's broker is unreachable (nothing listens on port 9): only the worker's listener can queue.
    saved = (app.conf.broker_url, app._pool, app.amqp._producer_pool)
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    app._pool = None
    app.amqp._producer_pool = None
    try:
        client.force_login(patient.user)
        response = client.post(reverse("checkin"), {**{k: str(v) for k, v in ANSWERS.items()}, **NO_FLAGS})
    finally:
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved
    assert response.status_code == 302

    def evaluated():
        patient.refresh_from_db()
        return patient.evaluated_through == patient.local_today()

    wait_for(evaluated, timeout=30)
    assert "tracker.tasks.evaluate_patient_task" in log.read_text()
