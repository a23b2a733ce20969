"""The check-in POSTs against their yardsticks over real HTTP, as issue 15 measured them: gunicorn, wrk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/myelotrack_bench_wrk \\
        .venv/bin/python bench/bench_checkin_wrk.py [--rounds 3] [--seconds 10] \\
        [--redis-url redis://127.0.0.1:6379/11]

Issue 15: 2 vCPUs, PostgreSQL, Redis, gunicorn with 2 sync workers, wrk with
8 connections rotating 33 patients' tokens, three alternating rounds,
medians. This does the same. It seeds `--patients` patients (a few days of
check-ins each) in its own database, gives each an API token and a signed-in
session (with the CSRF token the check-in page hands out), and posts today's
check-in once per patient so that every timed POST is an update with its
revision. gunicorn (config.wsgi, sync workers, DEBUG off, Redis for the
throttle and the broker, no Celery worker: the queue only grows) serves the
app with the yardsticks of bench/yardsticks.py in front of it. wrk then runs,
in alternating rounds:

1. the bare DRF view with our token authentication that parses the JSON (/bench/api/);
2. `POST /api/v1/checkins/` (expects 200: an update);
3. the bare Django form POST, signed in, CSRF checked (/bench/form/);
4. `POST /checkin/`, the patient's form (expects 302 to the confirmation).

Each connection rotates through all the patients. A Lua `response` hook
counts every status: a 429 (the throttle), a 201 (a check-in created rather
than updated) or a 403 (CSRF) would make the figure something other than
successful updates, so the run fails on any unexpected status. Afterwards
the database must hold one new revision per check-in POST answered (plus
those still in flight when wrk stopped counting, at most one per connection
and run), and Redis one queued evaluation per check-in saved: on PostgreSQL
the check-in's own statement sends a NOTIFY and the workers' listener
publishes the task (tracker/evaluation_listener.py), so the bench runs that
listener on a thread of its own process, as a worker would beside the web
server (its backend's CPU is counted with the server's).

The check-in limit (API_CHECKIN_RATE, 30/hour per patient as deployed,
counted by the database in the check-in's write from the patient's audit
rows) is 30 a second for this server: the bench measures the check-in, not
the limit's refusal, and each write still counts up to 30 recent rows, as
at the deployed rate (a patient here saves 10-15 a second).
The Redis database given is emptied before and after (the default is db 11:
never the app's).
"""

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess  # nosec B404
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(BENCH))

from common import (  # noqa: E402
    children_of,
    connect_plain,
    database_backends,
    ensure_database,
    machine,
    process_cpu,
    production_env_over_http,
)

from detection.scales import RED_FLAG_KEYS  # noqa: E402
from tracker.evaluation_listener import WAIT_SECONDS  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/myelotrack_bench_wrk"
DEFAULT_REDIS = "redis://127.0.0.1:6379/11"
TEAM = "Wrk Bench Clinic"
PREFIX = "wrk."
VAR = ROOT / "var" / "bench" / "wrk"
WRK = "/usr/bin/wrk"

# Issue 15's answers; the red flags are the form's required yes/no questions (the API defaults them to no).
API_BODY = {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 3}
BARE_FORM = {"score": "4", "note": ""}


@dataclass(frozen=True)
class Measure:
    label: str
    path: str
    expect: int  # the only status a timed request may get
    kind: str  # "api" (token, JSON) or "html" (session cookie, CSRF, form)


BARE_API = Measure("bare DRF token view", "/bench/api/", 201, "api")
API_CHECKIN = Measure("API check-in POST", "/api/v1/checkins/", 200, "api")
BARE_FORM_POST = Measure("bare Django form POST", "/bench/form/", 302, "html")
HTML_CHECKIN = Measure("HTML check-in POST", "/checkin/", 302, "html")
ORDER = (BARE_API, API_CHECKIN, BARE_FORM_POST, HTML_CHECKIN)
PAIRS = ((API_CHECKIN, BARE_API), (HTML_CHECKIN, BARE_FORM_POST))


@dataclass(frozen=True)
class Credentials:
    token: str
    sessionid: str
    csrftoken: str  # the cookie
    csrf_form: str  # the masked token from the page, as a browser posts it


# ----- the server's environment and the cohort ----------------------------------


def server_env(args) -> dict:
    return production_env_over_http(
        database_url=args.database_url,
        redis_url=args.redis_url,
        # The bench process signs the sessions the server reads: one key for both.
        secret_key="bench-wrk-only-not-secret",  # nosec B106
        var=VAR,
        TWO_FACTOR_REQUIRED="false",
        API_CHECKIN_RATE="30/s",
        # Django's 60 s would close and reopen each worker's connection about twice a run: the
        # ended backend's CPU would go uncounted (ServerCpu). One reconnect a minute costs nothing measurable.
        DATABASE_CONN_MAX_AGE="3600",
        STATIC_ROOT=str(VAR / "static"),
    )


def seed(patients: int, days: int) -> list:
    """A team of ``patients`` patients (UTC), each with check-ins on the ``days`` days before today; returns the users."""
    from django.db import transaction

    from patients.models import CareTeam, Patient, User
    from tracker.models import CheckIn

    with transaction.atomic():
        Patient.objects.filter(care_team__name=TEAM).delete()
        User.objects.filter(username__startswith=PREFIX).delete()
        CareTeam.objects.filter(name=TEAM).delete()
    today = datetime.now(UTC).date()
    with transaction.atomic():
        team = CareTeam.objects.create(name=TEAM)
        users = User.objects.bulk_create(
            User(username=f"{PREFIX}p{i:02d}", first_name=f"Pat{i:02d}", last_name="Wrk", role=User.Role.PATIENT)
            for i in range(patients)
        )
        checkins = []
        for i, user in enumerate(users):
            patient = Patient.objects.create(
                user=user,
                care_team=team,
                first_name=f"Pat{i:02d}",
                last_name="Wrk",
                date_of_birth=datetime(1960 + i % 20, 1 + i % 12, 1 + i % 28).date(),
                timezone="UTC",
                enrolled_at=datetime.now(UTC) - timedelta(days=days + 1),
            )
            for k in range(1, days + 1):
                checkin = CheckIn(patient=patient, date=today - timedelta(days=k), **API_BODY)
                checkin.compute_derived()
                checkins.append(checkin)
        CheckIn.objects.bulk_create(checkins)
    return users


def revisions() -> int:
    from tracker.models import CheckInRevision

    return CheckInRevision.objects.filter(checkin__patient__care_team__name=TEAM).count()


# ----- HTTP by hand (setting up, not timed) ---------------------------------------


def http_request(port: int, method: str, path: str, *, headers: dict, body: bytes | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def sign_in(users: list, port: int) -> list[Credentials]:
    """A token and a session per patient; the CSRF token from a real GET of the check-in page."""
    from django.test import Client

    from patients.tokens import token_issue

    found = []
    for user in users:
        browser = Client()
        browser.force_login(user)  # a real session row; the server reads it with the same key
        sessionid = browser.cookies["sessionid"].value
        response, page = http_request(port, "GET", "/checkin/", headers={"Cookie": f"sessionid={sessionid}"})
        if response.status != 200:
            raise SystemExit(f"GET /checkin/ for {user.username}: {response.status}")
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        masked = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if "csrftoken" not in cookies or masked is None:
            raise SystemExit(f"no CSRF token on the check-in page for {user.username}")
        found.append(
            Credentials(token_issue(user=user).key, sessionid, cookies["csrftoken"].value, masked.group(1).decode())
        )
    return found


def prime(credentials: list[Credentials], port: int) -> None:
    """Today's check-in once per patient, so that every timed POST is an update with its revision."""
    for c in credentials:
        response, data = http_request(port, "POST", API_CHECKIN.path, **request_parts(API_CHECKIN, c))
        if response.status != 201:
            raise SystemExit(f"first check-in: {response.status} {data[:200]!r}")


# ----- wrk and its Lua scripts ----------------------------------------------------


def request_parts(measure: Measure, c: Credentials) -> dict:
    """The headers and body of one patient's request of this kind, as a client would send them."""
    if measure.kind == "api":
        body = json.dumps(API_BODY).encode()
        headers = {"Authorization": f"Token {c.token}", "Content-Type": "application/json"}
    else:
        if measure is HTML_CHECKIN:
            fields = {k: str(v) for k, v in API_BODY.items()} | {k: "no" for k in RED_FLAG_KEYS}
        else:
            fields = dict(BARE_FORM)
        body = urlencode({**fields, "csrfmiddlewaretoken": c.csrf_form}).encode()
        headers = {
            "Cookie": f"sessionid={c.sessionid}; csrftoken={c.csrftoken}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
    return {"headers": headers, "body": body}


def lua_string(value: str) -> str:
    # JSON's escapes for ASCII (\", \\, \n) are Lua's too; tokens, cookies and bodies here are ASCII.
    if not value.isascii():
        raise ValueError("the Lua scripts carry ASCII only")
    return json.dumps(value)


def lua_script(measure: Measure, credentials: list[Credentials]) -> str:
    """A wrk script: each connection's requests rotate through every patient; every status is counted."""
    rows = []
    for c in credentials:
        parts = request_parts(measure, c)
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in parts["headers"].items())
        rows.append(f"  {{headers = {{{headers}}}, body = {lua_string(parts['body'].decode())}}},")
    rotation = "\n".join(rows)
    return f"""-- {measure.label}: POST {measure.path}, {len(credentials)} patients in rotation (bench/bench_checkin_wrk.py)
local rotation = {{
{rotation}
}}
local threads = {{}}

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  prepared = {{}}
  for i, r in ipairs(rotation) do
    prepared[i] = wrk.format("POST", {lua_string(measure.path)}, r.headers, r.body)
  end
  -- The threads start at different patients.
  n = offset * math.floor(#prepared / 2)
  statuses = {{}}
end

function request()
  n = n + 1
  return prepared[(n % #prepared) + 1]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {{}}
  for _, t in ipairs(threads) do
    for code, count in pairs(t:get("statuses")) do
      merged[code] = (merged[code] or 0) + count
    end
  end
  local codes, bad = {{}}, 0
  for code, count in pairs(merged) do
    table.insert(codes, code .. ":" .. count)
    if code < 200 or code >= 400 then bad = bad + count end
  end
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d non_2xx_3xx=%d "
      .. "connect=%d read=%d write=%d timeout=%d wrk_status_errors=%d statuses=%s\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    bad, e.connect, e.read, e.write, e.timeout, e.status, table.concat(codes, ",")))
end
"""


def parse_result(stdout: str) -> dict:
    line = next((line for line in stdout.splitlines() if line.startswith("WRK_RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{stdout}")
    fields = dict(item.split("=", 1) for item in line.split()[1:])
    result = {k: int(v) for k, v in fields.items() if k != "statuses"}
    result["statuses"] = {
        int(code): int(count) for code, count in (s.split(":") for s in fields["statuses"].split(",") if s)
    }
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def run_wrk(script: Path, port: int, seconds: float, connections: int, threads: int, cpu: "ServerCpu") -> dict:
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script)]
    before = cpu.read()
    done = subprocess.run([*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True)  # nosec B603
    result = parse_result(done.stdout)
    used, ended, database = cpu.used(before, cpu.read())
    result["server_cpu_ms"] = 1000 * used / max(result["requests"], 1)
    result["database_cpu_ms"] = 1000 * database / max(result["requests"], 1)
    result["processes_ended"] = ended
    return result


class ServerCpu:
    """CPU seconds of the gunicorn workers and of the PostgreSQL backends serving them, read from /proc.

    Other tenants' work on the shared host moves req/s; the server's own CPU per
    request moves much less, so it is reported beside the issue's measure.
    """

    def __init__(self, server_pid: int, database_url: str):
        self.server_pid = server_pid
        self.conn = connect_plain(database_url)

    def read(self) -> dict[int, tuple[float, bool]]:
        """Each process's CPU seconds, and whether it is a PostgreSQL backend."""
        web = [self.server_pid, *children_of(self.server_pid)]
        pids = [(pid, False) for pid in web] + [(pid, True) for pid in database_backends(self.conn)]
        return {pid: (found[1], backend) for pid, backend in pids if (found := process_cpu(pid))}

    @staticmethod
    def used(before: dict, after: dict) -> tuple[float, int, float]:
        """CPU seconds between two readings, how many processes ended in between (their last part
        unseen), and the PostgreSQL backends' part of those seconds."""
        spent = {pid: cpu - before.get(pid, (0.0, backend))[0] for pid, (cpu, backend) in after.items()}
        database = sum(spent[pid] for pid, (_, backend) in after.items() if backend)
        return sum(spent.values()), len(set(before) - set(after)), database


# ----- processes ------------------------------------------------------------------


class Listener:
    """The workers' evaluation listener, on a thread here, counting the nudges it got and the tasks it queued.

    Started before any check-in, so it sees them all; the catch-up it would
    queue on starting (evaluate_pending_task) is left out to keep the count
    exact. It queues one evaluation per patient per batch of nudges (what
    arrives within a second), as in the workers.
    """

    def __init__(self):
        import threading

        from tracker.evaluation_listener import EvaluationListener, listener_connect_params, publish_evaluations

        self.nudges = 0
        self.published = 0

        def on_nudges(ids):
            self.nudges += len(ids)
            self.published += len(set(ids))
            publish_evaluations(ids)

        self.listener = EvaluationListener(listener_connect_params(), on_nudges=on_nudges, on_listening=lambda: None)
        self.stop = threading.Event()
        threading.Thread(target=self.listener.run, args=(self.stop,), daemon=True).start()
        if not self.listener.listening.wait(30):
            raise SystemExit("the evaluation listener did not start within 30 s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, log) -> subprocess.Popen:
    server_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "yardstick_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
    }
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", f"--bind=127.0.0.1:{port}"]
    command += [f"--workers={workers}", "--worker-class=sync", "--timeout=60", "--no-control-socket"]
    server = subprocess.Popen(command, cwd=ROOT, env=server_env, stdout=log, stderr=log)  # nosec B603
    until = time.monotonic() + 60
    while time.monotonic() < until:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log.name}")
        try:
            if http_request(port, "GET", "/login/", headers={})[0].status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()  # nosec B603 B607


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# ----- the report -----------------------------------------------------------------


def unexpected(result: dict, measure: Measure) -> dict:
    return {code: n for code, n in result["statuses"].items() if code != measure.expect}


def problems(result: dict, measure: Measure) -> dict:
    """Statuses other than the one expected, and socket errors (wrk's connect, read, write, timeout)."""
    found = unexpected(result, measure)
    sockets = {k: result[k] for k in ("connect", "read", "write", "timeout") if result[k]}
    return {**found, **sockets}


def report(rounds: list[dict]) -> tuple[list[str], dict]:
    head = (
        f"{'round':<6} {'request':<24} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms/req':>10} {'of it PG':>8}"
        "  statuses"
    )
    lines = [head]
    for i, by_label in enumerate(rounds, 1):
        for m in ORDER:
            r = by_label[m.label]
            codes = ",".join(f"{c}:{n}" for c, n in sorted(r["statuses"].items()))
            lines.append(
                f"{i:<6} {m.label:<24} {r['rps']:>8.1f} {r['p50_us'] / 1000:>8.2f} {r['p95_us'] / 1000:>8.2f} "
                f"{r['server_cpu_ms']:>10.2f} {r['database_cpu_ms']:>8.2f}  {codes}"
            )
    medians = {
        m.label: {
            "rps": statistics.median(r[m.label]["rps"] for r in rounds),
            "p50_ms": statistics.median(r[m.label]["p50_us"] for r in rounds) / 1000,
            "p95_ms": statistics.median(r[m.label]["p95_us"] for r in rounds) / 1000,
            "server_cpu_ms": statistics.median(r[m.label]["server_cpu_ms"] for r in rounds),
            "database_cpu_ms": statistics.median(r[m.label]["database_cpu_ms"] for r in rounds),
        }
        for m in ORDER
    }
    lines.append("medians:")
    for m in ORDER:
        v = medians[m.label]
        lines.append(
            f"{'':<6} {m.label:<24} {v['rps']:>8.1f} {v['p50_ms']:>8.2f} {v['p95_ms']:>8.2f} {v['server_cpu_ms']:>10.2f}"
            f" {v['database_cpu_ms']:>8.2f}"
        )
    ratios = {}
    for measure, bare in PAIRS:
        per_round = [r[bare.label]["rps"] / r[measure.label]["rps"] for r in rounds]
        cpu_per_round = [r[measure.label]["server_cpu_ms"] / r[bare.label]["server_cpu_ms"] for r in rounds]
        ratios[measure.label] = {
            "per_round": per_round,
            "median": statistics.median(per_round),
            "of_medians": medians[bare.label]["rps"] / medians[measure.label]["rps"],
            "cpu_per_round": cpu_per_round,
            "cpu_median": statistics.median(cpu_per_round),
        }
        v = ratios[measure.label]
        lines.append(
            f"{measure.label} against the {bare.label}: req/s ratio (bare / measure) by round "
            f"{' / '.join(f'{x:.2f}' for x in per_round)}, median {v['median']:.2f}x, of the medians "
            f"{v['of_medians']:.2f}x (target 2x); server CPU per request (measure / bare) by round "
            f"{' / '.join(f'{x:.2f}' for x in cpu_per_round)}, median {v['cpu_median']:.2f}x"
        )
    return lines, {"medians": medians, "ratios": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10, help="per wrk run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of each request before the first round")
    parser.add_argument("--patients", type=int, default=33)
    parser.add_argument("--days", type=int, default=5, help="check-ins already there before today")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    # Not the app's REDIS_URL: the bench empties this database (FLUSHDB), so it must be one of its own.
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="a Redis database for the bench alone")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    args.database_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not Path(WRK).exists():
        raise SystemExit(f"{WRK} is needed (apt-get install wrk)")

    VAR.mkdir(parents=True, exist_ok=True)
    env = server_env(args)
    ensure_database(args.database_url)
    os.environ.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    users = seed(args.patients, args.days)
    broker = redis.Redis.from_url(args.redis_url)
    broker.flushdb()
    listener = Listener()

    log_path = VAR / "gunicorn.log"
    port = free_port()
    with open(log_path, "w") as log:
        server = start_gunicorn(env, port, args.workers, log)
        try:
            credentials = sign_in(users, port)
            prime(credentials, port)
            scripts = {}
            for m in ORDER:
                scripts[m.label] = VAR / f"{m.path.strip('/').replace('/', '_')}.lua"
                scripts[m.label].write_text(lua_script(m, credentials))
            cpu = ServerCpu(server.pid, args.database_url)
            revisions_before = revisions()
            load_before, started = uptime(), utc_now()
            answered = 0  # check-in POSTs answered as expected, warm-up included: each must have left a revision
            bad = []
            for m in ORDER:
                r = run_wrk(scripts[m.label], port, args.warmup, args.connections, args.threads, cpu)
                answered += r["statuses"].get(m.expect, 0) if m in (API_CHECKIN, HTML_CHECKIN) else 0
                bad += [("warm-up", m.label, problems(r, m))] if problems(r, m) else []
            rounds = []
            for i in range(args.rounds):
                by_label = {}
                for m in ORDER:
                    r = run_wrk(scripts[m.label], port, args.seconds, args.connections, args.threads, cpu)
                    by_label[m.label] = r
                    answered += r["statuses"].get(m.expect, 0) if m in (API_CHECKIN, HTML_CHECKIN) else 0
                    bad += [(f"round {i + 1}", m.label, problems(r, m))] if problems(r, m) else []
                rounds.append(by_label)
            load_after, ended = uptime(), utc_now()
        finally:
            stop(server)
    revisions_added = revisions() - revisions_before
    # One nudge per check-in saved (the first ones included), and every evaluation the listener
    # queued is in Redis (no worker takes them). The last nudges arrive a moment after their commits.
    expected = revisions_added + len(users)
    deadline = time.monotonic() + 10
    while listener.nudges < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(WAIT_SECONDS + 0.5)  # a batch being published
    listener.stop.set()
    queued = broker.llen("myelotrack")
    broker.flushdb()
    tracebacks = log_path.read_text().count("Traceback")

    lines, figures = report(rounds)
    print(f"machine: {machine()}")
    print(f"from {started} to {ended}")
    print(f"uptime before: {load_before}")
    print(f"uptime after:  {load_after}")
    print(
        f"gunicorn config.wsgi, {args.workers} sync workers on 127.0.0.1:{port}, DEBUG off, Redis {args.redis_url}; "
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds:g}s, {args.patients} patients in rotation, "
        f"{args.rounds} alternating rounds after {args.warmup:g} s of warm-up each"
    )
    print("\n".join(lines))
    # wrk stops counting at its deadline: the POSTs then in flight (at most one per connection
    # and run) are saved by the server but never counted as answered.
    in_flight = args.connections * 2 * (1 + args.rounds)
    revisions_ok = answered <= revisions_added <= answered + in_flight
    queue_ok = listener.nudges == expected and queued == listener.published
    print(
        f"check-ins: {answered} POSTs answered as updates, {revisions_added} revisions added "
        f"({'one each, plus at most one in flight per connection and run' if revisions_ok else 'MISMATCH'}); "
        f"nudges: {listener.nudges}, evaluations queued in Redis: {queued} of {listener.published} published "
        f"({'one nudge per check-in saved, one evaluation per patient and batch' if queue_ok else 'MISMATCH'})"
    )
    print(f"unexpected statuses or socket errors: {bad or 'none'}; tracebacks in {log_path}: {tracebacks}")
    ended = sum(r[m.label]["processes_ended"] for r in rounds for m in ORDER)
    print(f"server processes that ended during a timed run (their CPU partly uncounted): {ended}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "started": started,
                    "ended": ended,
                    "uptime_before": load_before,
                    "uptime_after": load_after,
                    "rounds": rounds,
                    **figures,
                    "answered": answered,
                    "revisions_added": revisions_added,
                    "nudges": listener.nudges,
                    "evaluations_queued": queued,
                    "unexpected": bad,
                },
                indent=2,
                default=str,
            )
        )
    if bad or not revisions_ok or not queue_ok or tracebacks:
        sys.exit(1)


if __name__ == "__main__":
    main()
