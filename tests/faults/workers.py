"""Real Celery worker processes a fault test can kill and start again on the same queue.

The shared `celery_worker_process` fixture starts one worker for a test; a
fault test needs a second one after SIGKILLing the first, on the same queue
and database, so the process handling lives here.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, _database_url_for_tests


class CeleryWorker:
    """One `celery worker --pool=solo` process in its own process group, logging to its own file."""

    def __init__(self, log: Path, queue: str, extra_env: dict | None = None):
        self.log, self.queue, self.extra_env = log, queue, extra_env or {}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "CeleryWorker":
        env = dict(os.environ)
        env.update(
            DATABASE_URL=_database_url_for_tests(),
            CELERY_TASK_ALWAYS_EAGER="false",
            CELERY_TASK_DEFAULT_QUEUE=self.queue,
            PYTHONUNBUFFERED="1",
        )
        env.update({key: str(value) for key, value in self.extra_env.items()})
        self._handle = open(self.log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", self.queue]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT,
            env=env,
            stdout=self._handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while "ready" not in self.log.read_text() and time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.1)
        if "ready" not in self.log.read_text():
            self.stop()
            pytest.fail(f"Celery worker did not start:\n{self.log.read_text()[-3000:]}")
        return self

    def log_text(self) -> str:
        return self.log.read_text()

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown, no acknowledgement, as when a machine dies."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._handle.close()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._handle.close()


@contextmanager
def publishing_to_workers(broker_url: str | None = None):
    """Eager off and a queue of our own for this process's publisher (and another broker if given).

    Yields the queue name for CeleryWorker.
    """
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    old = (app.conf.task_always_eager, app.conf.task_default_queue, app.conf.broker_url)
    old_options = app.conf.broker_transport_options
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    if broker_url:
        app.conf.broker_url = broker_url
        app.conf.broker_transport_options = {"visibility_timeout": 3600}  # as settings.py has for Redis
    app._after_fork()  # drop pooled connections to the previous broker
    try:
        yield queue
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue, app.conf.broker_url = old
        app.conf.broker_transport_options = old_options
        app._after_fork()
