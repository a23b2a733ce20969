"""PostgreSQL stopped outright while the app runs: a clear 503, never a 500, and red-flag advice still given.

The app runs as a real gunicorn process against a PostgreSQL cluster of this
test's own (tests/faults/postgres.py), which the test stops with an immediate
shutdown, as when the database host goes away. With the database gone the
first query of a request is the session or token lookup, before the check-in
view has read the answers, so the 503 reads the red-flag answers from the
posted body itself. The shared server on 5432 is never touched.
"""

import os
import re
import subprocess
import sys
import time

import pytest
import requests

from core.middleware import UNAVAILABLE_DETAIL
from tests.conftest import GOOD_ANSWERS, PASSWORD, ROOT, require
from tests.faults.postgres import ThrowawayPostgres
from tests.notifications.stand_ins import free_port

RED_FLAGS = ("rf_bladder_bowel", "rf_saddle_numbness", "rf_weakness", "rf_fall_injury", "rf_breathing")

SEED = f"""
from datetime import date
from patients.models import CareTeam, CareTeamMembership, Patient, User
from patients.tokens import token_issue
team = CareTeam.objects.create(name="Spine Clinic F", phone="+44 20 7946 0101")
nurse = User.objects.create_user("nurse.f", password={PASSWORD!r}, role=User.Role.CLINICIAN, email="nurse.f@example.org")
CareTeamMembership.objects.create(user=nurse, team=team)
user = User.objects.create_user("ada.f", password={PASSWORD!r}, role=User.Role.PATIENT, first_name="Ada")
Patient.objects.create(user=user, care_team=team, first_name="Ada", last_name="F",
    date_of_birth=date(1958, 3, 14), timezone="Europe/London", diagnosis_date=date(2025, 1, 10))
print("TOKEN=" + token_issue(user=user).key)
"""

COUNT = """
from tracker.models import CheckIn
from notifications.models import Alert
print("COUNTS", CheckIn.objects.count(), Alert.objects.filter(rule="red_flag").count())
"""


def form_answers(red_flag: str | None = None) -> dict:
    answers = {key: str(value) for key, value in GOOD_ANSWERS.items()}
    answers.update({key: "yes" if key == red_flag else "no" for key in RED_FLAGS})
    return answers


@pytest.fixture
def app_on_own_cluster(tmp_path):
    require(ThrowawayPostgres.available(), "PostgreSQL's initdb/pg_ctl are not installed")
    cluster = ThrowawayPostgres().create()
    env = dict(os.environ, DATABASE_URL=cluster.url, CELERY_TASK_ALWAYS_EAGER="true", PYTHONUNBUFFERED="1")

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "--no-input", "-v", "0")
    token = re.search(r"TOKEN=(\S+)", manage("shell", "-c", SEED)).group(1)
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/login/", timeout=10).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    try:
        yield cluster, base, token, manage
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        cluster.destroy()


def logged_in_patient(base: str) -> requests.Session:
    browser = requests.Session()
    browser.get(f"{base}/login/", timeout=10)
    response = browser.post(
        f"{base}/login/",
        data={"username": "ada.f", "password": PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": f"{base}/login/"},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    assert browser.get(f"{base}/checkin/", timeout=10).status_code == 200
    return browser


def post_checkin(browser: requests.Session, base: str, answers: dict) -> requests.Response:
    return browser.post(
        f"{base}/checkin/",
        data={**answers, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": f"{base}/checkin/"},
        timeout=30,
        allow_redirects=False,
    )


def test_with_postgresql_stopped_a_red_flag_check_in_gets_emergency_advice_and_nothing_is_lost_once_it_is_back(
    app_on_own_cluster,
):
    cluster, base, token, manage = app_on_own_cluster
    browser = logged_in_patient(base)
    api = {"Authorization": f"Token {token}"}

    cluster.stop()

    # The web form: the session lookup is the first query to fail, before the view reads the answers.
    page = post_checkin(browser, base, form_answers(red_flag="rf_weakness"))
    assert page.status_code == 503, page.text[:500]
    assert page.headers["Retry-After"] == "60"
    assert "Get emergency care now" in page.text
    assert "your care team has not been alerted" in page.text
    assert UNAVAILABLE_DETAIL in page.text

    # Without a red flag: the everyday safety line, not the emergency page.
    calm = post_checkin(browser, base, form_answers())
    assert calm.status_code == 503
    assert "Get emergency care now" not in calm.text
    assert "get emergency care at once" in calm.text

    # The API: the token lookup fails first; the JSON still carries the advice.
    reply = requests.post(
        f"{base}/api/v1/checkins/", json={**GOOD_ANSWERS, "rf_bladder_bowel": True}, headers=api, timeout=30
    )
    assert reply.status_code == 503, reply.text[:500]
    assert reply.json()["detail"] == UNAVAILABLE_DETAIL
    assert "NOT been alerted" in reply.json()["emergency"]

    # Any other page: a 503, not a 500; health says the database is down.
    assert requests.get(f"{base}/today/", cookies=browser.cookies, timeout=30).status_code == 503
    health = requests.get(f"{base}/health/", timeout=30)
    assert health.status_code == 503 and health.json()["status"] == "down"

    cluster.start()

    # Back: the very first post is saved.
    saved = post_checkin(browser, base, form_answers(red_flag="rf_weakness"))
    assert saved.status_code == 302, saved.text[:500]
    again = requests.post(
        f"{base}/api/v1/checkins/", json={**GOOD_ANSWERS, "rf_bladder_bowel": True}, headers=api, timeout=30
    )
    assert again.status_code in (200, 201), again.text[:500]
    assert "COUNTS 1 1" in manage("shell", "-c", COUNT)  # one check-in for today (updated), one red-flag alert

    # A restart between two requests (a fail-over, an upgrade) costs nobody a 503:
    # the worker's kept connection is checked before it is reused.
    cluster.stop()
    cluster.start()
    assert browser.get(f"{base}/today/", timeout=30).status_code == 200
