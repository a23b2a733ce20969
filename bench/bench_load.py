"""Load test: gunicorn on 127.0.0.1, PostgreSQL and Redis; patients checking in while clinicians browse.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/myelotrack_load \\
        .venv/bin/python bench/bench_load.py [--seconds 60] [--patients 200] [--clinicians 20] [--worker] \\
        [--redis-url redis://127.0.0.1:6379/6]

The Redis database given (db 6 by default, never the app's REDIS_URL) is
emptied first: the queue and the throttle counts start from nothing.
Creates the database if it does not exist, migrates it, collects the static
files and seeds it afresh: two care teams, `--patients` patients (half each)
with `--history-days` of daily check-ins from clinic.demo's history model,
the last `--backfill` days left empty, then detection over the cohort so the
dashboard and the alert inbox have baselines and alerts; `--clinicians`
clinicians, half on each team. Every account shares one password hash.

Then gunicorn (config.wsgi, gthread) serves it with DEBUG off and
CELERY_TASK_ALWAYS_EAGER off, so each check-in enqueues its evaluation to
Redis. No Celery worker runs unless --worker: the queue only grows, which
costs the web processes nothing and leaves both CPUs to them.

The client is threads with http.client, one per simulated person, a new
connection per request (as sync workers would force anyway):
1. log-in phase: every patient asks for an API token (POST
   /api/v1/auth/token/) and every clinician logs in through the /login/ form
   (CSRF token from the page), `--login-concurrency` at a time. Timed,
   reported apart: it is PBKDF2 at Django's default cost, about 0.35 s of
   CPU per log-in here, and a token is kept until revoked, so it is rare.
2. `--seconds` of steady use. A patient, pausing `--think` seconds between
   requests: posts the next empty day's check-in (today first, then the
   back-fill days) with an Idempotency-Key (one per patient and day), reads
   their fortnight and /api/v1/me/, fetches the stylesheet. With every day
   filled, they resend the last check-in with its key: a replay (the first
   answer again, 201, with Idempotent-Replayed: true).
   A clinician: the dashboard and its auto-refresh fragment, a patient's chart
   (90 days and 1 year), the alert inbox, a visit report, the stylesheet.
3. In the database: each check-in answered 201 is stored exactly once, with
   the answers sent, no revision (nothing applied twice) and its key stored
   once; no check-in exists that the client was not told about.

The yardstick is the stylesheet, served by WhiteNoise inside the same
workers under the same load: the ratio of p95s says how much of a page's
time is the app rather than the (shared, noisy) machine's queueing.
Figures go into docs/benchmarks.md; --json PATH also writes them as JSON.
"""

import argparse
import gzip
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess  # nosec B404
import sys
import threading
import time
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    CLOCK_TICK,
    children_of,
    connect_plain,
    database_backends,
    ensure_database,
    machine,
    process_cpu,
    production_env_over_http,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/myelotrack_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/6"
TEAMS = ("Load Clinic A", "Load Clinic B")
PREFIX = "load."
# A bench-only account password, never a real one (bandit B105).
PASSWORD = "load-bench-password-2026"  # nosec B105
STYLESHEET = "/static/css/app.css"
VAR = ROOT / "var" / "bench"


# ----- the server's environment ----------------------------------------------


def server_env(args) -> dict:
    return production_env_over_http(
        database_url=args.database_url,
        redis_url=args.redis_url,
        secret_key="bench-load-only-not-secret",  # nosec B106
        var=VAR,
        STATIC_ROOT=str(VAR / "load-static"),
        DJANGO_SETTINGS_MODULE="config.settings",
        # Every simulated person comes from 127.0.0.1: the per-address log-in
        # throttle (10/min) would refuse the 11th patient. The per-account
        # one and the check-in throttle (30/hour per patient) stay as deployed.
        API_LOGIN_RATE="100000/min",
        # The bench's clinicians have no authenticator app: with two-factor required every care-team
        # page would be a redirect to its set-up (counted as errors), not the page.
        TWO_FACTOR_REQUIRED="false",
    )


def setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


# ----- the cohort ------------------------------------------------------------


@dataclass
class Person:
    username: str
    patient_id: int | None = None
    timezone: str = "Europe/London"
    free_days: list[date] = field(default_factory=list)  # newest first; popped as they are filled
    planned: list[date] = field(default_factory=list)  # the same, kept for the check afterwards


def seed(args) -> tuple[list[Person], list[Person]]:
    """Two teams, the patients with histories and the clinicians; returns (patients, clinicians)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from clinic.demo import PATIENTS as TEMPLATES
    from clinic.demo import enrolled_at, history, local_today
    from patients.models import CareTeam, CareTeamMembership, Patient, User
    from tracker.evaluation import evaluate_all_patients
    from tracker.models import CheckIn

    with transaction.atomic():
        Patient.objects.filter(care_team__name__in=TEAMS).delete()
        User.objects.filter(username__startswith=PREFIX).delete()
        CareTeam.objects.filter(name__in=TEAMS).delete()

    now = datetime.now(UTC)
    rng = random.Random(args.seed)
    password = make_password(PASSWORD)  # hashing 220 times would take longer than the run
    with transaction.atomic():
        teams = [CareTeam.objects.create(name=name) for name in TEAMS]
        users = [
            User(username=f"{PREFIX}p{i:03d}", first_name=f"Pat{i:03d}", last_name="Load", password=password)
            for i in range(args.patients)
        ] + [
            User(
                username=f"{PREFIX}c{i:02d}",
                first_name=f"Clin{i:02d}",
                last_name="Load",
                role=User.Role.CLINICIAN,
                password=password,
            )
            for i in range(args.clinicians)
        ]
        for user in users[: args.patients]:
            user.role = User.Role.PATIENT
        User.objects.bulk_create(users)
        by_name = {u.username: u for u in User.objects.filter(username__startswith=PREFIX)}
        CareTeamMembership.objects.bulk_create(
            CareTeamMembership(team=teams[i % 2], user=by_name[f"{PREFIX}c{i:02d}"], team_role="nurse")
            for i in range(args.clinicians)
        )
        checkins, people = [], []
        for i in range(args.patients):
            # The demo roster's courses (stable, slow, fast...) cut to a few weeks,
            # without red flags (one on a back-fill day would make its POST an update).
            template = TEMPLATES[i % len(TEMPLATES)]
            course = replace(
                template.course,
                history_days=args.history_days,
                stopped_ago=args.backfill,
                checked_in_today=False,
                red_flags=(),
                gaps=(),
            )
            spec = replace(template, username=f"{PREFIX}p{i:03d}", course=course)
            today = local_today(spec.timezone, now)
            patient = Patient.objects.create(
                user=by_name[spec.username],
                care_team=teams[i % 2],
                first_name=f"Pat{i:03d}",
                last_name=template.last_name,
                date_of_birth=date(spec.birth_year, 1 + i % 12, 1 + i % 28),
                timezone=spec.timezone,
                enrolled_at=enrolled_at(spec.timezone, today - timedelta(days=args.history_days - 1)),
            )
            for row in history(spec, today, rng):
                checkin = CheckIn(patient=patient, **row)
                checkin.compute_derived()
                checkins.append(checkin)
            people.append(Person(spec.username, patient.pk, spec.timezone))
        CheckIn.objects.bulk_create(checkins, batch_size=5000)
    taken = set(
        CheckIn.objects.filter(patient__care_team__in=teams, date__gte=now.date() - timedelta(days=args.backfill + 1))
        .values_list("patient_id", "date")
        .distinct()
    )
    for person in people:
        today = now.astimezone(zoneinfo.ZoneInfo(person.timezone)).date()
        days = [today - timedelta(days=k) for k in range(args.backfill)]
        person.free_days = [d for d in days if (person.patient_id, d) not in taken]
        person.planned = list(person.free_days)
    started = time.perf_counter()
    evaluate_all_patients()
    print(
        f"seeded {args.patients} patients ({len(checkins)} check-ins over {args.history_days} days, "
        f"last {args.backfill} left empty) and {args.clinicians} clinicians on 2 teams; "
        f"detection {time.perf_counter() - started:.1f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    clinicians = [Person(f"{PREFIX}c{i:02d}") for i in range(args.clinicians)]
    return people, clinicians


# ----- the client ------------------------------------------------------------


@dataclass
class Sample:
    label: str
    ms: float
    status: int  # 0: no answer (connection error, timeout)
    ok: bool
    phase: str
    error: str = ""
    at: float = field(default_factory=time.monotonic)  # when the answer came


class Recorder:
    def __init__(self):
        self.samples: list[Sample] = []
        self.phase = "login"
        self.created: dict[tuple[int, date], dict] = {}  # (patient, day) -> answers, for every 201
        self.unanswered: list[tuple[int, date]] = []  # check-ins whose answer never came
        self.lock = threading.Lock()

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class Client:
    """One simulated person: cookies, a token, and timed requests on fresh connections."""

    def __init__(self, port: int, recorder: Recorder, timeout: float):
        self.port, self.recorder, self.timeout = port, recorder, timeout
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def request(self, label, method, path, *, body=None, headers=None, expect=(200,), form=False):
        headers = {"Connection": "close", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if body is not None and not isinstance(body, bytes):
            if form:
                body, headers["Content-Type"] = urlencode(body).encode(), "application/x-www-form-urlencoded"
            else:
                body, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            ms = (time.perf_counter() - started) * 1000
            self.recorder.add(Sample(label, ms, 0, False, self.recorder.phase, f"{type(exc).__name__}: {exc}"))
            return None, b""
        finally:
            conn.close()
        ms = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        ok = response.status in expect
        error = "" if ok else f"{response.status} {data[:200]!r}"
        self.recorder.add(Sample(label, ms, response.status, ok, self.recorder.phase, error))
        return response, data


def answers_for(rng: random.Random, day: date) -> dict:
    return {
        "date": day.isoformat(),
        "fine_motor": rng.randint(2, 5),
        "gait": rng.randint(3, 7),
        "sensation": rng.randint(1, 3),
        "bladder": rng.randint(2, 3),
        "numbness": rng.randint(0, 6),
        "neck_pain": rng.randint(0, 6),
        "numbness_locations": rng.choice([[], ["hands"], ["arms", "hands"]]),
    }


def patient_login(client: Client, person: Person) -> bool:
    response, data = client.request(
        "POST /api/v1/auth/token/",
        "POST",
        "/api/v1/auth/token/",
        body={"username": person.username, "password": PASSWORD},
    )
    if response is None or response.status != 200:
        return False
    client.token = json.loads(data)["token"]
    return True


def clinician_login(client: Client, person: Person) -> bool:
    response, page = client.request("GET /login/", "GET", "/login/")
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page or b"")
    if response is None or not found:
        return False
    form = {"username": person.username, "password": PASSWORD, "csrfmiddlewaretoken": found.group(1).decode()}
    response, _ = client.request("POST /login/", "POST", "/login/", body=form, form=True, expect=(302,))
    return response is not None and response.status == 302 and "sessionid" in client.cookies


def patient_session(client: Client, person: Person, deadline: float, think, rng: random.Random) -> None:
    recorder = client.recorder
    last = None  # (key, answers) of the last check-in sent
    fortnight = (datetime.now(zoneinfo.ZoneInfo(person.timezone)).date() - timedelta(days=13)).isoformat()

    def post_checkin():
        nonlocal last
        replay = not person.free_days
        if not replay:
            day = person.free_days.pop(0)
            last = f"{person.username}-{day}", answers_for(rng, day)
        elif last is None:
            return
        key, answers = last
        # A replay gives back the first answer, status included (core.idempotency): 201 again.
        label = "POST checkin (replay)" if replay else "POST checkin (new)"
        response, _ = client.request(
            label, "POST", "/api/v1/checkins/", body=answers, headers={"Idempotency-Key": key}, expect=(201,)
        )
        day = date.fromisoformat(answers["date"])
        if response is None:
            with recorder.lock:
                recorder.unanswered.append((person.patient_id, day))
            return
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        if replayed != replay:
            recorder.add(Sample(f"{label}: Idempotent-Replayed {replayed}", 0, response.status, False, recorder.phase))
        elif response.status == 201 and not replay:
            with recorder.lock:
                recorder.created[(person.patient_id, day)] = answers

    steps = [
        post_checkin,
        lambda: client.request("GET static (yardstick)", "GET", STYLESHEET),
        lambda: client.request("GET /api/v1/checkins/", "GET", f"/api/v1/checkins/?from={fortnight}"),
        lambda: client.request("GET /api/v1/me/", "GET", "/api/v1/me/"),
    ]
    run_steps(steps, deadline, think, rng)


def clinician_session(client: Client, deadline: float, think, rng: random.Random) -> None:
    patient_ids: list[str] = []
    # As the browser's autorefresh.js does: gzip accepted, the fragment asked for with the last ETag.
    etag: list[str] = []

    def dashboard():
        response, page = client.request(
            "GET /team/patients/", "GET", "/team/patients/", headers={"Accept-Encoding": "gzip"}
        )
        if response is not None and response.getheader("Content-Encoding") == "gzip":
            page = gzip.decompress(page)
        patient_ids[:] = sorted(set(re.findall(rb'href="/team/patients/(\d+)/"', page or b""))) or patient_ids
        found = re.search(rb'data-etag="([^"]*)"', page or b"")
        etag[:] = [found.group(1).decode().replace("&quot;", '"')] if found else []

    def fragment():
        headers = {"Accept-Encoding": "gzip", "X-Requested-With": "fetch"}
        if etag:
            headers["If-None-Match"] = etag[0]
        response, _ = client.request(
            "GET dashboard fragment", "GET", "/team/patients/fragment/", headers=headers, expect=(200, 304)
        )
        if response is not None and response.status == 200 and response.getheader("ETag"):
            etag[:] = [response.getheader("ETag")]

    def pick() -> str:
        return rng.choice(patient_ids).decode() if patient_ids else "0"

    steps = [
        lambda: client.request("GET / (redirect)", "GET", "/", expect=(302,)),
        dashboard,
        lambda: client.request("GET static (yardstick)", "GET", STYLESHEET),
        lambda: client.request("GET chart 90d", "GET", f"/team/patients/{pick()}/"),
        lambda: client.request("GET /alerts/", "GET", "/alerts/"),
        fragment,
        lambda: client.request("GET chart 1y", "GET", f"/team/patients/{pick()}/?range=1y"),
        lambda: client.request("GET report", "GET", f"/team/patients/{pick()}/report/"),
    ]
    run_steps(steps, deadline, think, rng)


def warm_up(patient_clients: list[Client], clinician_clients: list[Client], rounds: int) -> None:
    """Read-only passes over every page type, so each worker's first-request costs stay out of the figures."""
    pages = ["/team/patients/", "/team/patients/fragment/", "/alerts/"]

    def clinician(client: Client) -> None:
        _, page = client.request("warm-up", "GET", "/team/patients/")
        some = re.search(rb'href="/team/patients/(\d+)/"', page or b"")
        pk = some.group(1).decode() if some else "0"
        for path in [*pages, f"/team/patients/{pk}/", f"/team/patients/{pk}/?range=1y", f"/team/patients/{pk}/report/"]:
            client.request("warm-up", "GET", path)

    def patient(client: Client) -> None:
        for path in ("/api/v1/me/", "/api/v1/checkins/", STYLESHEET):
            client.request("warm-up", "GET", path)

    for _ in range(rounds):
        threads = [threading.Thread(target=clinician, args=(c,)) for c in clinician_clients]
        threads += [threading.Thread(target=patient, args=(c,)) for c in patient_clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def run_steps(steps, deadline: float, think, rng: random.Random) -> None:
    # Start somewhere in the first pause, so 220 people do not move in step.
    time.sleep(rng.uniform(0, think[1]))
    i = 0
    while time.monotonic() < deadline:
        steps[i % len(steps)]()
        i += 1
        pause = rng.uniform(*think)
        if time.monotonic() + pause >= deadline:
            break
        time.sleep(pause)


# ----- processes -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(args, env: dict, port: int, log) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={args.workers}",
        "--worker-class=gthread",
        f"--threads={args.threads}",
        "--timeout=120",
        "--graceful-timeout=10",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)  # nosec B603
    until = time.monotonic() + 60
    while time.monotonic() < until:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log.name}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", STYLESHEET)
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 60 s")


def start_worker(env: dict, log) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=threads", "--concurrency=2"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)  # nosec B603


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class CpuMonitor(threading.Thread):
    """CPU seconds used by gunicorn, our PostgreSQL backends, this client and the whole machine.

    Sampled from /proc every second, so a backend that ends between two
    samples loses at most its last second; the machine's total tells how much
    went to everyone else on the shared box (other agents' tests).
    """

    def __init__(self, server_pid: int, database_url: str, worker_pid: int | None = None):
        super().__init__(daemon=True)
        self.server_pid, self.database_url, self.worker_pid = server_pid, database_url, worker_pid
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.done = threading.Event()
        self.machine_start = self.machine_end = (0.0, 0.0)
        self.started_once = False

    @staticmethod
    def _machine() -> tuple[float, float]:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = values[3] + values[4]
        return (sum(values[:8]) - idle) / CLOCK_TICK, sum(values[:8]) / CLOCK_TICK

    def _sample(self, conn) -> None:
        pids = {self.server_pid: "gunicorn", os.getpid(): "client"}
        if self.worker_pid:
            pids[self.worker_pid] = "celery"  # the threads pool: one process
        pids.update((pid, "gunicorn") for pid in children_of(self.server_pid))
        pids.update((pid, "postgres") for pid in database_backends(conn))
        for pid, kind in pids.items():
            found = process_cpu(pid)
            if found:
                self.first.setdefault(pid, 0.0 if self.started_once else found[1])
                self.last[pid] = (kind, found[1])

    def run(self) -> None:
        conn = connect_plain(self.database_url)
        self.machine_start = self._machine()
        self._sample(conn)  # what everyone had used before the phase is subtracted
        self.started_once = True
        while not self.done.wait(1.0):
            self._sample(conn)
        self._sample(conn)
        self.machine_end = self._machine()
        conn.close()

    def stop(self) -> dict:
        self.done.set()
        self.join()
        used = defaultdict(float)
        for pid, (kind, cpu) in self.last.items():
            used[kind] += cpu - self.first[pid]
        busy = self.machine_end[0] - self.machine_start[0]
        total = self.machine_end[1] - self.machine_start[1]
        return {
            **{f"{k}_cpu_s": round(v, 1) for k, v in used.items()},
            "machine_busy_cpu_s": round(busy, 1),
            "machine_cpu_s": round(total, 1),
            "others_cpu_s": round(busy - sum(used.values()), 1),
        }


# ----- the report ------------------------------------------------------------


def percentiles(ms: list[float]) -> dict:
    ms = sorted(ms)
    if len(ms) == 1:
        return {"p50": ms[0], "p95": ms[0], "p99": ms[0], "max": ms[0]}
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98], "max": ms[-1]}


def table(samples: list[Sample], seconds: float) -> tuple[list[dict], list[str]]:
    by_label = defaultdict(list)
    for s in samples:
        by_label[s.label].append(s)
    rows = []
    for label, group in sorted(by_label.items()):
        rows.append({"what": label, "n": len(group), "errors": sum(not s.ok for s in group)})
        rows[-1].update(percentiles([s.ms for s in group]))
    app = [s for s in samples if s.label != "GET static (yardstick)"]
    if app:
        rows.append({"what": "ALL but the yardstick", "n": len(app), "errors": sum(not s.ok for s in app)})
        rows[-1].update(percentiles([s.ms for s in app]))
    lines = [f"{'request':<30} {'n':>6} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"]
    for r in rows:
        lines.append(
            f"{r['what']:<30} {r['n']:>6} {r['errors']:>4} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} "
            f"{r['max']:>8.1f}"
        )
    lines.append(f"{len(samples)} requests in {seconds:.1f} s = {len(samples) / seconds:.1f} requests/s")
    return rows, lines


def over_time(samples: list[Sample], start: float, step: float = 10.0) -> list[str]:
    """p50 and p95 per stretch of the phase: a burst at the start shows apart from the steady state."""
    lines = [f"{'seconds':<10} {'req/s':>6} {'p50 ms':>8} {'p95 ms':>8} {'new check-in p50':>17} {'static p95':>11}"]
    end = max(s.at for s in samples)
    t = start
    while t < end:
        part = [s for s in samples if t <= s.at < t + step]
        app = [s.ms for s in part if s.label != "GET static (yardstick)"]
        new = [s.ms for s in part if s.label == "POST checkin (new)"]
        static = [s.ms for s in part if s.label == "GET static (yardstick)"]
        if app:
            a = percentiles(app)
            lines.append(
                f"{t - start:>3.0f}-{t - start + step:<6.0f} {len(part) / step:>6.1f} {a['p50']:>8.1f} {a['p95']:>8.1f} "
                f"{percentiles(new)['p50'] if new else float('nan'):>17.1f} "
                f"{percentiles(static)['p95'] if static else float('nan'):>11.1f}"
            )
        t += step
    return lines


def cpu_line(cpu: dict) -> str:
    return (
        f"CPU seconds: gunicorn {cpu.get('gunicorn_cpu_s', 0)}, PostgreSQL backends {cpu.get('postgres_cpu_s', 0)}, "
        f"Celery worker {cpu.get('celery_cpu_s', 0)}, this client {cpu.get('client_cpu_s', 0)}, everything else on the machine {cpu['others_cpu_s']}; "
        f"busy {cpu['machine_busy_cpu_s']} of {cpu['machine_cpu_s']}"
    )


def pending_evaluations() -> int:
    """Load patients with a check-in that no evaluation has read yet (the outbox, Patient.checkins_*)."""
    from django.db.models import F

    from patients.models import Patient

    return Patient.objects.filter(care_team__name__in=TEAMS, checkins_received__gt=F("checkins_evaluated")).count()


def verify(recorder: Recorder, patients: list[Person]) -> dict:
    """Every 201 is in the database exactly once, as sent; nothing is there that the client was not told of."""
    from core.models import ApiIdempotencyKey
    from tracker.models import CheckIn, CheckInRevision

    answer_fields = ("fine_motor", "gait", "sensation", "bladder", "numbness", "neck_pain", "numbness_locations")
    planned = {(p.patient_id, d) for p in patients for d in p.planned}
    stored = defaultdict(list)
    rows = CheckIn.objects.filter(
        patient_id__in=[p.patient_id for p in patients], date__gte=min(d for _, d in planned)
    ).values("id", "patient_id", "date", *answer_fields)
    for row in rows:
        if (row["patient_id"], row["date"]) in planned:
            stored[(row["patient_id"], row["date"])].append(row)
    lost = [k for k in recorder.created if len(stored.get(k, [])) == 0]
    doubled = [k for k in recorder.created if len(stored.get(k, [])) > 1]
    differs = [
        k
        for k, sent in recorder.created.items()
        if len(stored.get(k, [])) == 1 and any(stored[k][0][f] != sent[f] for f in answer_fields)
    ]
    # A row on a back-fill day that no 201 announced (and no lost answer explains) was stored behind our back.
    unknown = set(stored) - set(recorder.created) - set(recorder.unanswered)
    ids = [rows[0]["id"] for k, rows in stored.items() if k in recorder.created]
    revised = CheckInRevision.objects.filter(checkin_id__in=ids).count()
    keys = ApiIdempotencyKey.objects.filter(user__username__startswith=PREFIX, response_status=201).count()
    return {
        "created_201": len(recorder.created),
        "lost": len(lost),
        "stored_twice": len(doubled),
        "stored_with_other_answers": len(differs),
        "revisions_of_created": revised,
        "idempotency_keys_201": keys,
        "stored_but_not_answered_201": len(unknown),
        "no_answer_received": len(recorder.unanswered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--clinicians", type=int, default=20)
    parser.add_argument("--history-days", type=int, default=28)
    parser.add_argument("--backfill", type=int, default=3, help="empty days before today a patient may fill")
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 6.0), metavar=("MIN", "MAX"))
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--login-concurrency", type=int, default=8, help="log-ins in flight at once")
    parser.add_argument("--timeout", type=float, default=120, help="client timeout per request, seconds")
    parser.add_argument("--worker", action="store_true", help="also run a Celery worker (threads pool, 2)")
    # Not the app's REDIS_URL: the bench empties this database (FLUSHDB), so it must be one of its own.
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="a Redis database for the bench alone")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    args.database_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not 1 <= args.backfill <= 30:
        parser.error("--backfill must be 1 to 30 (the check-in back-fill window)")

    VAR.mkdir(parents=True, exist_ok=True)
    env = server_env(args)
    ensure_database(args.database_url)
    setup_django(env)
    import redis
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    patients, clinicians = seed(args)
    # Our own Redis database: start from an empty queue and no throttle counts.
    broker = redis.Redis.from_url(args.redis_url)
    broker.flushdb()

    log = open(VAR / "bench_load.log", "w")  # noqa: SIM115 - open for the processes' lifetime
    port = free_port()
    server = start_gunicorn(args, env, port, log)
    worker = start_worker(env, log) if args.worker else None
    load_before = os.getloadavg()
    recorder = Recorder()
    try:
        clients = {p.username: Client(port, recorder, args.timeout) for p in patients + clinicians}
        logged_in = set()

        # A token lives until it is revoked, so a real cohort logs in over weeks, not in one
        # second: at most --login-concurrency log-ins at a time measure what one costs and
        # how many the box does per second, without a queue of 220 waiting on PBKDF2.
        gate = threading.BoundedSemaphore(args.login_concurrency)

        def login(person, fn):
            with gate:
                if fn(clients[person.username], person):
                    logged_in.add(person.username)

        threads = [threading.Thread(target=login, args=(p, patient_login)) for p in patients]
        threads += [threading.Thread(target=login, args=(c, clinician_login)) for c in clinicians]
        monitor = CpuMonitor(server.pid, args.database_url, worker.pid if worker else None)
        monitor.start()
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        login_seconds = time.perf_counter() - started
        login_cpu = monitor.stop()
        login_samples = list(recorder.samples)

        recorder.phase = "warm-up"
        warm = args.workers * args.threads
        warm_up(
            [clients[p.username] for p in patients if p.username in logged_in][:warm],
            [clients[c.username] for c in clinicians if c.username in logged_in][:warm],
            rounds=2,
        )
        recorder.phase = "steady"
        monitor = CpuMonitor(server.pid, args.database_url, worker.pid if worker else None)
        monitor.start()
        deadline = time.monotonic() + args.seconds
        rng = random.Random(args.seed)
        threads = [
            threading.Thread(
                target=patient_session,
                args=(clients[p.username], p, deadline, args.think, random.Random(rng.random())),
            )
            for p in patients
            if p.username in logged_in
        ]
        threads += [
            threading.Thread(
                target=clinician_session, args=(clients[c.username], deadline, args.think, random.Random(rng.random()))
            )
            for c in clinicians
            if c.username in logged_in
        ]
        started, steady_start = time.perf_counter(), time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        steady_seconds = time.perf_counter() - started
        cpu = monitor.stop()
    finally:
        stop(server)
        queued = broker.llen("myelotrack")
        drained_after = None
        if worker is not None:
            # The worker has the queue to finish; the outbox counters say when it has.
            waited = time.monotonic()
            while pending_evaluations() and time.monotonic() - waited < 120:
                time.sleep(0.5)
            drained_after = time.monotonic() - waited
        stop(worker)
        log.close()
    pending = pending_evaluations()
    load_after = os.getloadavg()
    steady = [s for s in recorder.samples if s.phase == "steady"]
    checks = verify(recorder, patients)
    server_errors = [s for s in recorder.samples if s.status >= 500]
    tracebacks = (VAR / "bench_load.log").read_text().count("Traceback")

    print(f"machine: {machine()}")
    print(
        f"load average before {' / '.join(f'{x:.2f}' for x in load_before)}, after {' / '.join(f'{x:.2f}' for x in load_after)}"
    )
    print(
        f"gunicorn: {args.workers} gthread workers x {args.threads} threads on 127.0.0.1:{port}; "
        f"Celery worker: {'yes' if worker else 'none (tasks wait in Redis)'}; think {args.think[0]:g}-{args.think[1]:g} s"
    )
    print(
        f"\nlog-in phase: {len(logged_in)} of {len(clients)} logged in, {args.login_concurrency} at a time, "
        f"in {login_seconds:.1f} s = {len(logged_in) / login_seconds:.1f} log-ins/s"
    )
    login_rows, lines = table(login_samples, login_seconds)
    print("\n".join(lines))
    print(cpu_line(login_cpu))
    print(f"\nsteady phase: {len(threads)} people for {steady_seconds:.1f} s")
    rows, lines = table(steady, steady_seconds)
    print("\n".join(lines))
    static = next((r for r in rows if r["what"] == "GET static (yardstick)"), None)
    overall = next((r for r in rows if r["what"] == "ALL but the yardstick"), None)
    ratio = overall["p95"] / static["p95"] if static and overall and static["p95"] else float("nan")
    print("\n".join(over_time(steady, steady_start)))
    print(cpu_line(cpu))
    if steady:
        per_request = 1000 * (cpu.get("gunicorn_cpu_s", 0) + cpu.get("postgres_cpu_s", 0)) / len(steady)
        print(f"server CPU per request (gunicorn + PostgreSQL, all types): {per_request:.1f} ms")
    print(f"yardstick: p95 of the app's requests / p95 of the stylesheet = {ratio:.1f}")
    errors = [s for s in recorder.samples if not s.ok]
    print(f"\nerrors: {len(errors)} (5xx: {len(server_errors)}; tracebacks in {log.name}: {tracebacks})")
    for s in errors[:10]:
        print(f"  {s.phase} {s.label}: {s.error or s.status}")
    print(f"check-ins: {json.dumps(checks)}; tasks waiting in Redis when the load stopped: {queued}")
    drained = f", the worker drained the queue {drained_after:.1f} s after the load" if worker else ""
    print(f"patients with check-ins not yet evaluated: {pending}{drained}")
    zero_lost = checks["lost"] == checks["stored_twice"] == checks["stored_with_other_answers"] == 0
    zero_lost = (
        zero_lost and checks["revisions_of_created"] == 0 and checks["idempotency_keys_201"] == checks["created_201"]
    )
    print(
        f"verdict: {'zero errors' if not errors else 'ERRORS'}, {'zero lost check-ins' if zero_lost else 'CHECK-INS LOST OR DOUBLED'}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "load_before": load_before,
                    "load_after": load_after,
                    "args": {k: str(v) for k, v in vars(args).items() if k != "json"},
                    "login": {"seconds": login_seconds, "rows": login_rows, "cpu": login_cpu},
                    "steady": {"seconds": steady_seconds, "rows": rows, "yardstick_p95_ratio": ratio, "cpu": cpu},
                    "errors": len(errors),
                    "checkins": checks,
                    "tasks_queued": queued,
                    "pending_evaluations": pending,
                    "worker_drained_after_s": drained_after,
                },
                indent=2,
            )
        )
    if errors or not zero_lost:
        sys.exit(1)


if __name__ == "__main__":
    main()
