"""Shared personas and real-service fixtures.

Personas: team A with a nurse and two patients, team B with a nurse and one
patient, and an admin. Every page that shows patient data is tested with the
"other team gets 404" persona.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from patients.models import CareTeam, CareTeamMembership, Patient, User

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"


def require(condition: bool, reason: str):
    """Skip when a real service is missing on a laptop; on CI (CI=true) fail instead."""
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


def make_user(username: str, role: str, **extra) -> User:
    user = User(username=username, role=role, first_name=extra.pop("first_name", username.title()), **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_patient(team: CareTeam, username: str | None, first: str, last: str, **extra) -> Patient:
    user = make_user(username, User.Role.PATIENT, first_name=first, last_name=last) if username else None
    defaults = {"date_of_birth": date(1958, 3, 14), "timezone": "Europe/London", "diagnosis_date": date(2025, 1, 10)}
    defaults.update(extra)
    return Patient.objects.create(user=user, care_team=team, first_name=first, last_name=last, **defaults)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2 costs about 0.3 s per persona; no test here is about hashing strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team_a(db):
    return CareTeam.objects.create(name="Spine Clinic A", phone="+44 20 7946 0101")


@pytest.fixture
def team_b(db):
    return CareTeam.objects.create(name="Spine Clinic B", phone="+44 20 7946 0202")


@pytest.fixture
def clinician(team_a):
    user = make_user("nurse.a", User.Role.CLINICIAN, email="nurse.a@example.org")
    CareTeamMembership.objects.create(team=team_a, user=user, team_role="nurse")
    return user


@pytest.fixture
def other_clinician(team_b):
    user = make_user("nurse.b", User.Role.CLINICIAN, email="nurse.b@example.org")
    CareTeamMembership.objects.create(team=team_b, user=user, team_role="nurse")
    return user


@pytest.fixture
def admin_user(db):
    return make_user("admin", User.Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def patient(team_a):
    return make_patient(team_a, "patient.a1", "Ada", "Lovelace")


@pytest.fixture
def other_patient(team_a):
    return make_patient(team_a, "patient.a2", "Brian", "Cox")


@pytest.fixture
def team_b_patient(team_b):
    return make_patient(team_b, "patient.b1", "Cora", "Dale")


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def patient_client(client, patient):
    return login(client, patient.user)


@pytest.fixture
def clinician_client(client, clinician):
    return login(client, clinician)


GOOD_ANSWERS = {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 3}


def assert_same_columns(got, want, *, skip: tuple[str, ...] = ()) -> None:
    """Two instances of one model hold the same value in every column (but those skipped), named when not."""
    for field in type(want)._meta.concrete_fields:
        if field.name not in skip:
            assert getattr(got, field.attname) == getattr(want, field.attname), field.name


def add_history(patient, totals_by_day: dict[int, tuple[int, int, int, int]] | None = None, days: int = 0, start=None):
    """Bulk-create check-ins: days of GOOD_ANSWERS from start, or explicit scores by day offset."""
    from tracker.models import CheckIn

    start = start or (patient.local_today() - timedelta(days=days))
    rows = []
    items = totals_by_day.items() if totals_by_day else ((i, tuple(GOOD_ANSWERS.values())) for i in range(days))
    for offset, (fm, g, s, b) in items:
        c = CheckIn(patient=patient, date=start + timedelta(days=offset), fine_motor=fm, gait=g, sensation=s, bladder=b)
        c.compute_derived()
        rows.append(c)
    return CheckIn.objects.bulk_create(rows)


# ---- real Celery worker --------------------------------------------------


def _database_url_for_tests() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_extra_env():
    """Extra environment for the worker process; override this fixture in a test module
    (for example EMAIL_FILE_PATH for the filebased email backend, or REDIS_URL)."""
    return {}


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path, celery_worker_extra_env):
    """A real `celery worker` process on its own queue, sharing the test database.

    Uses Redis when REDIS_URL is set, otherwise the filesystem broker. The
    test process publishes for real (eager mode off) to the same queue.
    Variables from `celery_worker_extra_env` are added to the worker's environment last.
    """
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_database_url_for_tests(),
        CELERY_TASK_ALWAYS_EAGER="false",
        CELERY_TASK_DEFAULT_QUEUE=queue,
        PYTHONUNBUFFERED="1",
    )
    if connection.settings_dict["ENGINE"].endswith("sqlite3"):
        # Without REDIS_URL the broker is the filesystem under the var dir; both sides share it.
        env["MYELOTRACK_VAR_DIR"] = str(settings.VAR_DIR)
    env.update({key: str(value) for key, value in celery_worker_extra_env.items()})
    log = tmp_path / "worker.log"
    handle = open(log, "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    old = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    deadline = time.monotonic() + 30
    while "ready" not in log.read_text() and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    if "ready" not in log.read_text():
        proc.kill()
        pytest.fail(f"Celery worker did not start:\n{log.read_text()[-3000:]}")
    try:
        yield proc
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = old
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        handle.close()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.2):
    """Poll until predicate() is truthy; return its value or fail with the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")


# ---- email a worker process writes ------------------------------------------


@pytest.fixture
def mail_dir(tmp_path):
    """Where a worker process's file-based email goes (its EMAIL_FILE_PATH), for the test to read."""
    path = tmp_path / "mail"
    path.mkdir()
    return path


def emails_in(mail_dir):
    messages = []
    for f in sorted(mail_dir.glob("*.log")):
        # The file backend separates messages with a line of 79 dashes.
        for chunk in f.read_bytes().split(b"-" * 79):
            if chunk.strip():
                messages.append(message_from_bytes(chunk.strip()))
    return messages


# ---- real Chromium -------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    require(path is not None, "Chromium is not installed (apt-get install chromium)")
    return path


def log_in_browser(page, live_server, user):
    """Give the browser a logged-in session cookie (the log-in form has its own test)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def chromium_page(chromium_path: str, **context_options):
    """A Playwright page in Debian's Chromium; ``context_options`` go to new_context
    (viewport, has_touch, bypass_csp...)."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(**context_options)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


@pytest.fixture
def browser_page(chromium_path, live_server):
    """A Playwright page in Debian's Chromium at a 360x740 phone viewport."""
    with chromium_page(chromium_path, viewport={"width": 360, "height": 740}, device_scale_factor=1) as page:
        yield page


@pytest.fixture
def throwaway_redis_cache(settings):
    """This process's cache on a redis-server of its own, which the test may stop."""
    from django.core.cache import cache

    from tests.notifications.stand_ins import ThrowawayRedis

    require(ThrowawayRedis.available(), "redis-server is not installed")
    server = ThrowawayRedis()
    server.start()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": server.url}}
    cache.set("probe", 1)
    assert cache.get("probe") == 1  # the cache really is on that server
    yield server
    server.stop()
