"""API server time on the dashboard's benchmark cohort (500 patients x a year of daily check-ins).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/myelotrack_bench_api \\
        .venv/bin/python bench/bench_api.py [--patients 500] [--days 365] [--runs 30]

Reuses bench_dashboard's cohort builder in its own database (created and
filled once, kept between runs). Times, through Django's test Client with a
token (the whole server side: middleware, authentication, throttling,
serializers, JSON rendering), the endpoints whose cost grows with data:
the risk-ordered patient list, one patient's year as FHIR, CSV and trends,
and a check-in POST with an Idempotency-Key, new and replayed.
Results go into docs/api.md.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dashboard import TEAM, populate, setup_django, summary, timed  # noqa: E402
from common import ensure_database, machine  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/myelotrack_bench_api"


def checkin_against_yardsticks(patient, patient_client, runs: int) -> None:
    """The API and HTML check-in POSTs, each against its bare yardstick, in alternating rounds.

    Every POST is an update of today's check-in with its revision (the
    common case: the patient's phone resends or corrects the day), as in issue 15.
    Then the parts measured on their own: token lookup, a DRF throttle, enqueue, the
    check-in's write, and the cheapest durable write this host allows (a one-row
    autocommitted INSERT, its fsync included): the floor under the write that no
    yardstick pays.
    """
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext

    from detection.scales import RED_FLAG_KEYS
    from patients.tokens import token_authenticate, token_issue
    from tracker.evaluation import enqueue_evaluation

    body = {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 3}
    form = {"fine_motor": "4", "gait": "6", "sensation": "2", "bladder": "3", **{k: "no" for k in RED_FLAG_KEYS}}
    browser = Client()
    browser.force_login(patient.user)

    def api_checkin():
        response = patient_client.post("/api/v1/checkins/", body, content_type="application/json")
        assert response.status_code in (200, 201), response.content

    def api_bare():
        assert patient_client.post("/bench/api/", body, content_type="application/json").status_code == 201

    def html_checkin():
        assert browser.post("/checkin/", form).status_code == 302

    def html_bare():
        assert browser.post("/bench/form/", {"score": "4", "note": ""}).status_code == 302

    fns = {
        "API check-in": api_checkin,
        "bare DRF token view": api_bare,
        "HTML check-in": html_checkin,
        "bare Django form POST": html_bare,
    }
    for fn in fns.values():
        for _ in range(3):
            fn()
    counts = {}
    for label, fn in fns.items():
        with CaptureQueriesContext(connection) as ctx:
            fn()
        counts[label] = len(ctx.captured_queries)
    results = {label: [] for label in fns}
    for _ in range(runs):
        for label, fn in fns.items():
            results[label] += timed(fn, 1)
    print(f"machine: {machine()}; load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("check-in POSTs (updates with a revision), alternating rounds:")
    med = {label: statistics.median(ms) for label, ms in results.items()}
    for label, ms in results.items():
        print(summary(f"{label} [{counts[label]} q]", ms))
    print(f"ratio API check-in / bare DRF view: {med['API check-in'] / med['bare DRF token view']:.2f}x (target 2x)")
    print(
        f"ratio HTML check-in / bare form POST: {med['HTML check-in'] / med['bare Django form POST']:.2f}x (target 2x)"
    )

    key = token_issue(user=patient.user).key
    token_authenticate(key)
    from core.throttles import ScopedWriteThrottle

    request = RequestFactory().post("/api/v1/token/")
    request.user = patient.user

    class View:
        throttle_scope = "login"  # the check-in has no DRF throttle now (its limit is counted in its write)

    throttle = ScopedWriteThrottle()

    def throttle_once():
        throttle.allow_request(request, View())

    from tracker.services import checkin_submit

    def write_only():
        checkin_submit(patient=patient, answers=body, entered_by=patient.user)

    def durable_row():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_durable_floor (v) VALUES (1)")

    # A real table (a temporary one's rows skip the WAL and so the fsync), dropped again below.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_durable_floor (id serial PRIMARY KEY, v int)")
    parts = {
        "token lookup": lambda: token_authenticate(key),
        "a DRF throttle (one Redis call; the log-in's, no longer the check-in's)": throttle_once,
        "enqueue (evaluate_patient_task.delay)": lambda: enqueue_evaluation(patient.pk),
        "checkin_submit (write + enqueue)": write_only,
        "one-row durable INSERT (floor)": durable_row,
    }
    print(f"cache: {cache.__class__.__name__}")
    part_times = {label: [] for label in parts}
    for fn in parts.values():
        fn()
    for _ in range(runs):
        for label, fn in parts.items():
            part_times[label] += timed(fn, 1)
    for label, ms in part_times.items():
        print(summary(label, ms))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_durable_floor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--checkin-only", action="store_true", help="only the check-in POSTs against their yardsticks")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    # The bench is not an attack: lift the check-in throttle; tasks go to the (unconsumed) broker.
    # A second's window: each write counts the last second's check-ins (about as many as the deployed
    # 30 an hour lets it count), and the alternating rounds never reach the limit.
    os.environ.setdefault("API_CHECKIN_RATE", "1000/s")
    ensure_database(url)
    setup_django(url)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from patients.models import CareTeam, Patient, User
    from patients.tokens import token_issue
    from tracker.models import CheckIn

    call_command("migrate", verbosity=0)
    team = CareTeam.objects.filter(name=TEAM).first()
    if team is None or Patient.objects.filter(care_team=team).count() != args.patients:
        if team is not None:
            Patient.objects.filter(care_team=team).delete()
            team.delete()
            User.objects.filter(username__in=["bench.nurse", "bench.patient"]).delete()
        t0 = time.perf_counter()
        rows = populate(args.patients, args.days)
        print(f"inserted {args.patients} patients, {rows} check-ins in {time.perf_counter() - t0:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    team = CareTeam.objects.get(name=TEAM)
    nurse = User.objects.get(username="bench.nurse")
    patient = Patient.objects.filter(care_team=team).order_by("pk").first()
    if patient.user is None:
        patient.user = User.objects.create(username="bench.patient", role=User.Role.PATIENT)
        patient.save(update_fields=["user"])
    n_year = CheckIn.objects.filter(patient=patient).count()

    nurse_client = Client(HTTP_AUTHORIZATION=f"Token {token_issue(user=nurse).key}")
    patient_client = Client(HTTP_AUTHORIZATION=f"Token {token_issue(user=patient.user).key}")
    base = f"/api/v1/patients/{patient.pk}"

    def get(path):
        def run():
            response = nurse_client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return run

    answers = {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 3}

    def post_new():
        key = uuid.uuid4().hex
        response = patient_client.post(
            "/api/v1/checkins/", answers, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert response.status_code in (200, 201), response.content
        post_new.last_key = key

    def post_replay():
        response = patient_client.post(
            "/api/v1/checkins/", answers, content_type="application/json", HTTP_IDEMPOTENCY_KEY=post_new.last_key
        )
        assert response["Idempotent-Replayed"] == "true"

    import yardsticks

    yardsticks.mount()
    checkin_against_yardsticks(patient, patient_client, args.runs)
    if args.checkin_only:
        return

    post_new()
    endpoints = {
        "GET /patients/ (page of 50)": get("/api/v1/patients/"),
        "GET /patients/{id}/": get(f"{base}/"),
        f"GET /patients/{{id}}/fhir/ ({n_year} days)": get(f"{base}/fhir/"),
        f"GET /patients/{{id}}/export.csv ({n_year})": get(f"{base}/export.csv"),
        f"GET /patients/{{id}}/trends/ ({n_year})": get(f"{base}/trends/"),
        "GET /alerts/": get("/api/v1/alerts/"),
        "POST /checkins/ (new key)": post_new,
        "POST /checkins/ (replayed key)": post_replay,
    }
    print(f"machine: {machine()}; load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"cohort: {args.patients} patients, {CheckIn.objects.filter(patient__care_team=team).count()} check-ins")
    for label, fn in endpoints.items():
        for _ in range(2):
            fn()
        with CaptureQueriesContext(connection) as ctx:
            fn()
        print(summary(f"{label} [{len(ctx.captured_queries)} q]", timed(fn, args.runs)))
    size = len(get(f"{base}/fhir/")().content)
    print(f"FHIR bundle for {n_year} check-ins: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
