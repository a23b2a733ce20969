"""Dashboard server time for a care team of 500 patients with a year of check-ins each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/myelotrack_bench \\
        .venv/bin/python bench/bench_dashboard.py [--patients 500] [--days 365] [--runs 30] [--reset]

Creates the database if it does not exist, migrates it, bulk-inserts the
cohort once (kept between runs; --reset rebuilds it), then times GET
/team/patients/ through Django's test Client (the whole server side: session,
middleware, selector, template) and reports the median and 90th percentile
and the number of SQL queries. Target: median < 200 ms.
"""

import argparse
import gzip
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent))

from common import ensure_database, machine  # noqa: E402  (bench/ is the script's own folder)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/myelotrack_bench"
TEAM = "Bench spine clinic"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("DEBUG", "false")
    # Timed through the test Client without collectstatic: no hashed-name manifest to read.
    os.environ.setdefault("STATIC_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
    # The test Client speaks plain HTTP, and the bench signs the nurse in without an authenticator app.
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("TWO_FACTOR_REQUIRED", "false")
    os.environ.setdefault("MYELOTRACK_VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def populate(n_patients: int, days: int, seed: int = 1):
    """One team, one nurse, n patients with `days` of daily check-ins, baselines, alerts and events."""
    from notifications.models import SEVERITY_RANK, Alert
    from patients.models import CareTeam, CareTeamMembership, Patient, PatientEvent, User
    from tracker.models import Baseline, CheckIn

    rng = random.Random(seed)
    team = CareTeam.objects.create(name=TEAM)
    nurse = User.objects.create(username="bench.nurse", role=User.Role.CLINICIAN)
    CareTeamMembership.objects.create(team=team, user=nurse, team_role="nurse")
    today = date.today()
    first = today - timedelta(days=days - 1)
    patients = Patient.objects.bulk_create(
        Patient(
            care_team=team,
            first_name=f"Pat{i:03d}",
            last_name=rng.choice(["Smith", "Jones", "Patel", "Nowak", "Okafor", "Garcia", "Kim", "Dubois"]),
            date_of_birth=date(1945 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28)),
        )
        for i in range(n_patients)
    )
    checkins, baselines, alerts, events = [], [], [], []
    for p in patients:
        level = [rng.choice([3, 4, 5]), rng.choice([4, 5, 6]), rng.choice([1, 2, 3]), rng.choice([2, 3])]
        decline_from = rng.randrange(days) if rng.random() < 0.3 else days
        adherence = rng.uniform(0.7, 1.0)
        for d in range(days):
            if rng.random() > adherence:
                continue
            drop = 1 if d >= decline_from else 0
            scores = [max(0, v - drop - (1 if rng.random() < 0.1 else 0)) for v in level]
            c = CheckIn(
                patient=p,
                date=first + timedelta(days=d),
                fine_motor=scores[0],
                gait=scores[1],
                sensation=scores[2],
                bladder=scores[3],
                rf_weakness=rng.random() < 0.002,
            )
            c.compute_derived()
            checkins.append(c)
        parts = dict(zip(("fine_motor", "gait", "sensation", "bladder"), map(float, level), strict=True))
        baselines.append(
            Baseline(
                patient=p, method="automatic", effective_from=first + timedelta(days=14), total=sum(level), **parts
            )
        )
        if rng.random() < 0.2:
            baselines.append(
                Baseline(
                    patient=p,
                    method="rebaseline",
                    effective_from=first + timedelta(days=200),
                    total=sum(level),
                    **parts,
                )
            )
        if rng.random() < 0.15:
            severity = rng.choice(["urgent", "high", "moderate"])
            alerts.append(
                Alert(
                    patient=p,
                    rule="sustained_decline",
                    severity=severity,
                    severity_rank=SEVERITY_RANK[severity],
                    date=today - timedelta(days=rng.randrange(20)),
                    evidence="Total 12 vs baseline 15 (-3) over the last 5 check-ins",
                )
            )
        alerts.append(
            Alert(
                patient=p,
                rule="drift",
                severity="moderate",
                severity_rank=2,
                status="resolved",
                outcome="false_alarm",
                date=first + timedelta(days=rng.randrange(days)),
                evidence="old episode",
            )
        )
        events.append(PatientEvent(patient=p, kind="visit", date=today - timedelta(days=rng.randrange(90))))
    CheckIn.objects.bulk_create(checkins, batch_size=5000)
    Baseline.objects.bulk_create(baselines)
    Alert.objects.bulk_create(alerts)
    PatientEvent.objects.bulk_create(events)
    return len(checkins)


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(label: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    return f"{label:<34} median {statistics.median(ms):6.1f} ms   p90 {p90:6.1f} ms   min {ms[0]:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reset", action="store_true", help="drop the cohort and insert it again")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from clinic.selectors import dashboard_rows
    from patients.models import CareTeam, Patient, User
    from tracker.models import CheckIn

    call_command("migrate", verbosity=0)
    team = CareTeam.objects.filter(name=TEAM).first()
    if team and (args.reset or Patient.objects.filter(care_team=team).count() != args.patients):
        Patient.objects.filter(care_team=team).delete()
        team.delete()
        User.objects.filter(username="bench.nurse").delete()
        team = None
    if team is None:
        t0 = time.perf_counter()
        rows = populate(args.patients, args.days)
        print(f"inserted {args.patients} patients, {rows} check-ins in {time.perf_counter() - t0:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE") if connection.vendor == "postgresql" else None
    team = CareTeam.objects.get(name=TEAM)
    nurse = User.objects.get(username="bench.nurse")
    n_checkins = CheckIn.objects.filter(patient__care_team=team).count()

    import yardsticks

    yardsticks.mount()
    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    client.force_login(nurse)
    # The fragment's ETag of the unchanged list, for the 304 refresh.
    etag = client.get("/team/patients/fragment/")["ETag"]

    def bare():
        assert client.get("/bench/bare/").status_code == 200

    def page():
        response = client.get("/team/patients/")
        assert response.status_code == 200, response.status_code
        return response

    def fragment():
        response = client.get("/team/patients/fragment/")
        assert response.status_code == 200
        return response

    def not_modified():
        assert client.get("/team/patients/fragment/", HTTP_IF_NONE_MATCH=etag).status_code == 304

    def show_all():
        response = client.get("/team/patients/", {"shown": args.patients})
        assert response.status_code == 200
        return response

    def selector():
        assert len(dashboard_rows(user=nurse)) == args.patients

    for _ in range(3):  # warm connections, templates and caches
        page(), fragment(), not_modified(), bare()
    counts = {}
    for label, fn in (("page", page), ("fragment", fragment), ("304", not_modified), ("bare", bare)):
        with CaptureQueriesContext(connection) as ctx:
            fn()
        counts[label] = len(ctx.captured_queries)

    print(f"machine: {machine()}; load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"cohort: {args.patients} patients, {n_checkins} check-ins ({args.days} days)")
    print("queries: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    first, refresh, everyone = page(), fragment(), show_all()
    for label, response in (("first page", first), ("refresh (changed)", refresh), ("all rows", everyone)):
        raw = len(gzip.decompress(response.content)) if response.get("Content-Encoding") == "gzip" else None
        print(
            f"bytes {label}: {len(response.content):,} sent ({response.get('Content-Encoding', 'identity')}), "
            f"{raw or len(response.content):,} uncompressed"
        )
    print("bytes refresh (unchanged): 0 body (304)")
    # Alternating rounds so the machine's load falls on every measure alike.
    results = {name: [] for name in ("bare", "page", "fragment", "304", "all rows")}
    fns = {"bare": bare, "page": page, "fragment": fragment, "304": not_modified, "all rows": show_all}
    for _ in range(args.runs):
        for name, fn in fns.items():
            results[name] += timed(fn, 1)
    bare_ms = statistics.median(results["bare"])
    for name, ms in results.items():
        print(summary(f"{name} (n={args.runs})", ms) + f"   ratio {statistics.median(ms) / bare_ms:5.1f}x bare")
    print(summary(f"dashboard_rows() alone (n={args.runs})", timed(selector, args.runs)))
    ratio = statistics.median(results["page"]) / bare_ms
    print(
        f"target: first page within 20x of the bare logged-in view: {'met' if ratio <= 20 else 'NOT met'} ({ratio:.1f}x)"
    )
    print(f"target: first page <= 40 kB sent: {'met' if len(first.content) <= 40_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
