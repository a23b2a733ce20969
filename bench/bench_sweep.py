"""Nightly sweep speed on PostgreSQL, against one plain read of the same rows.

    .venv/bin/python bench/bench_sweep.py [--patients 10000] [--days 365] [--batch 200] [--rounds 3] [--reload]

Uses its own database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/myelotrack_bench_sweep; created and migrated if
missing). Loads a simulated cohort with COPY (skipped when already loaded, or
forced with --reload), then times:

  (a) one plain query reading every check-in row the sweep needs
      (patient_id, date, the four scores, red_flag) with fetchall;
  (b) the nightly sweep task run in-process as a first run: no detector
      state, so every patient's whole history is read and fed to the rules;
      b1 on an empty alert table (it records a year of episodes through
      alert_open), b2 again after wiping the detector state only (a rebuild:
      the episodes exist, nothing new is written but the states);
  (c) the steady state: the states saved, one new day of check-ins.

The machine is shared and noisy, so b1, b2 (and b3) run in alternating
rounds, each right after a plain read of its own; a round's ratio is the
sweep against the read just before it, and the figures printed last are the
medians over the rounds (times, reads and ratios each). Each b1 and b2 also
prints its CPU seconds, this process's and its PostgreSQL backend's (read
from /proc when the server is local): they move far less with the other
tenants' load than the wall times do.

Targets (issue 15): the first run within 5x the read, the rebuild within 3x.
Figures go in docs/detection-operations.md and docs/benchmarks.md.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import ensure_database, machine, process_cpu  # noqa: E402  (bench/ is the script's own folder)

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/myelotrack_bench_sweep")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("MYELOTRACK_VAR_DIR", str(ROOT / "var" / "bench_sweep"))
# The sweep's batches run in this process, as a worker would run them.
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
os.environ.setdefault("LOG_LEVEL", "WARNING")


def _every_day(checkins, start, days):
    """The simulator's scores with its missed days filled by the day before (and dropouts carried on)."""
    by_date = {r.date: r for r in checkins}
    last = checkins[0]
    for i in range(days):
        day = start + timedelta(days=i)
        r = by_date.get(day)
        if r is not None:
            last = r
            yield r
        else:
            yield type(last)(last.patient_id, day, last.fine_motor, last.gait, last.sensation, last.bladder, 0)


def load(patients: int, days: int, seed: int, gaps: bool) -> tuple[int, int]:
    """A simulated cohort ending yesterday: 10,000 patients in one team, COPY for the check-ins.

    By default every patient has a check-in every day (10,000 x 365 rows);
    with gaps=True the simulator's missed days and dropouts are kept.
    """
    from django.db import connection

    from detection.simulation import simulate_cohort
    from patients.models import CareTeam, Patient

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE tracker_checkin, tracker_checkinrevision, tracker_baseline, notifications_alert, "
            "patients_patient, patients_careteam RESTART IDENTITY CASCADE"
        )
    team = CareTeam.objects.create(name="Bench clinic")
    created = Patient.objects.bulk_create(
        [
            Patient(care_team=team, first_name=f"P{n}", last_name="Bench", date_of_birth=datetime(1955, 1, 1).date())
            for n in range(patients)
        ],
        batch_size=5000,
    )
    pks = [p.pk for p in created]
    today = datetime.now(UTC).date()
    start = today - timedelta(days=days)
    now = datetime.now(UTC)
    columns = (
        "patient_id, date, fine_motor, gait, sensation, bladder, total, rf_bladder_bowel, rf_saddle_numbness, "
        "rf_weakness, rf_fall_injury, rf_breathing, red_flag, numbness_locations, note, created_at, updated_at"
    )
    rows = 0
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cur, cur.copy(f"COPY tracker_checkin ({columns}) FROM STDIN") as copy:
        for pk, (checkins, _truth) in zip(pks, simulate_cohort(patients, days, seed, start=start), strict=True):
            for r in checkins if gaps else _every_day(checkins, start, days):
                rf = bool(r.red_flag)
                total = r.fine_motor + r.gait + r.sensation + r.bladder
                copy.write_row(
                    (pk, r.date, r.fine_motor, r.gait, r.sensation, r.bladder, total)
                    + (False, False, rf, False, False, rf, "[]", "", now, now)
                )
                rows += 1
    raw.commit()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return len(pks), rows


def read_once() -> float:
    return plain_read()[0]


def plain_read() -> tuple[float, int]:
    from django.db import connection

    with connection.cursor() as cur:
        t0 = time.perf_counter()
        cur.execute("SELECT patient_id, date, fine_motor, gait, sensation, bladder, red_flag FROM tracker_checkin")
        rows = cur.fetchall()
        elapsed = time.perf_counter() - t0
    return elapsed, len(rows)


# CPU seconds of the last sweep(): this process, and its PostgreSQL backend
# (None when the server's /proc is not this machine's). On a shared machine
# the wall time moves with the other tenants; these move much less.
last_cpu: dict[str, float | None] = {"python": 0.0, "postgres": None}


def backend_cpu() -> float | None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    found = process_cpu(pid)
    return None if found is None else found[1]


def sweep(batch: int) -> float:
    from tracker.tasks import nightly_sweep_task

    pg0, cpu0 = backend_cpu(), time.process_time()
    t0 = time.perf_counter()
    nightly_sweep_task(batch_size=batch)
    elapsed = time.perf_counter() - t0
    pg1 = backend_cpu()
    last_cpu["python"] = time.process_time() - cpu0
    last_cpu["postgres"] = None if pg0 is None or pg1 is None else pg1 - pg0
    return elapsed


def cpu_text() -> str:
    pg = last_cpu["postgres"]
    return f" (cpu {last_cpu['python']:.1f} s" + (f" + postgres {pg:.1f} s)" if pg is not None else ")")


def _run_batches(batches: list[list[int]]) -> int:
    from tracker.tasks import sweep_batch_task

    for ids in batches:
        sweep_batch_task(ids)
    return len(batches)


def sweep_parallel(batch: int, workers: int) -> float:
    """The same batches shared by several processes, as several Celery workers would share them."""
    import multiprocessing

    from django.db import connections

    from patients.models import Patient

    ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    batches = [ids[i : i + batch] for i in range(0, len(ids), batch)]
    shares = [batches[w::workers] for w in range(workers)]
    connections.close_all()  # each forked worker opens its own connection
    t0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_run_batches, shares)
    return time.perf_counter() - t0


def wipe_state(*, alerts: bool) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("UPDATE patients_patient SET detector_state = '{}'::json, evaluated_through = NULL")
        if alerts:
            cur.execute("TRUNCATE notifications_alert, tracker_baseline RESTART IDENTITY CASCADE")
        cur.execute("VACUUM ANALYZE patients_patient")


def add_one_day() -> int:
    """Today's check-in for every patient, as a day of real use would add."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO tracker_checkin (patient_id, date, fine_motor, gait, sensation, bladder, total,
                rf_bladder_bowel, rf_saddle_numbness, rf_weakness, rf_fall_injury, rf_breathing, red_flag,
                numbness_locations, note, created_at, updated_at)
            SELECT DISTINCT ON (patient_id) patient_id, CURRENT_DATE, fine_motor, gait, sensation, bladder, total,
                false, false, false, false, false, false, '[]'::jsonb, '', now(), now()
            FROM tracker_checkin ORDER BY patient_id, date DESC
            ON CONFLICT DO NOTHING
            """
        )
        return cur.rowcount


def counts() -> str:
    from notifications.models import Alert, Delivery
    from tracker.models import Baseline

    return (
        f"{Alert.objects.count()} alerts, {Baseline.objects.count()} baselines, {Delivery.objects.count()} deliveries"
    )


def clinicians(n: int) -> None:
    """Exactly n clinicians in the bench team, each with email on (so alerts of high severity get two deliveries)."""
    from patients.models import CareTeam, CareTeamMembership, User

    User.objects.filter(username__startswith="bench.sweep.nurse").delete()
    team = CareTeam.objects.get(name="Bench clinic")
    for i in range(n):
        user = User.objects.create_user(f"bench.sweep.nurse{i}", role=User.Role.CLINICIAN, email=f"n{i}@example.org")
        CareTeamMembership.objects.create(team=team, user=user, team_role="nurse")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--reload", action="store_true", help="load the cohort again even if present")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of b1, b2 (and b3)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes for (b3)")
    parser.add_argument(
        "--skip-b1", action="store_true", help="skip the first run that records a year of episodes, if recorded before"
    )
    parser.add_argument("--gaps", action="store_true", help="keep the simulator's missed days and dropouts")
    parser.add_argument(
        "--clinicians", type=int, default=0, help="clinicians in the team (b1 then writes their delivery rows too)"
    )
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from patients.models import Patient
    from tracker.models import CheckIn

    call_command("migrate", verbosity=0)
    print("machine:", machine())
    expected = None if args.gaps else args.patients * args.days
    n_stored = CheckIn.objects.filter(date__lt=datetime.now(UTC).date()).count()
    if args.reload or Patient.objects.count() != args.patients or (expected and n_stored != expected):
        t0 = time.perf_counter()
        n_patients, n_rows = load(args.patients, args.days, args.seed, args.gaps)
        print(f"loaded {n_patients} patients, {n_rows} check-ins in {time.perf_counter() - t0:.1f} s (simulate + COPY)")
    else:
        # A previous run may have added a "today": start from the simulated year again.
        CheckIn.objects.filter(date__gte=datetime.now(UTC).date()).delete()
        print("cohort already loaded")

    clinicians(args.clinicians)
    if args.clinicians:
        # Sending is the delivery workers' work, not the sweep's: with tasks
        # eager here it would run inside the timed sweep, so the bench only
        # counts what the sweep hands over after commit.
        import notifications.services

        notifications.services.enqueue_deliveries = lambda ids: len(ids)
    read_times = []
    for _ in range(3):
        elapsed, n_rows = plain_read()
        read_times.append(elapsed)
    read = statistics.median(read_times)
    print(f"(a) plain read of {n_rows:,} rows: median {read:.2f} s ({', '.join(f'{t:.2f}' for t in read_times)})")

    from django.db import connection

    from notifications.models import Alert

    # b2 needs the episodes b1 records: --skip-b1 only skips it when they exist.
    with_b1 = not args.skip_b1 or not Alert.objects.exists()
    runs: dict[str, list[tuple]] = {"b1": [], "b2": [], "b3": []}
    for n in range(1, args.rounds + 1):
        line = []
        if with_b1:
            wipe_state(alerts=True)
            before = read_once()
            b1 = sweep(args.batch)
            runs["b1"].append((b1, before, last_cpu["python"], last_cpu["postgres"]))
            line.append(f"b1 {b1:.2f} s / read {before:.2f} s = {b1 / before:.1f}x{cpu_text()}")
        wipe_state(alerts=False)
        before = read_once()
        b2 = sweep(args.batch)
        runs["b2"].append((b2, before, last_cpu["python"], last_cpu["postgres"]))
        line.append(f"b2 {b2:.2f} s / {before:.2f} s = {b2 / before:.1f}x{cpu_text()}")
        if args.workers > 1:
            wipe_state(alerts=False)
            before = read_once()
            b3 = sweep_parallel(args.batch, args.workers)
            runs["b3"].append((b3, before, None, None))
            line.append(f"b3 {b3:.2f} s / {before:.2f} s = {b3 / before:.1f}x")
        print(f"round {n} ({datetime.now(UTC):%H:%M} UTC, load {os.getloadavg()[0]:.1f}): " + "; ".join(line))
    what = {
        "b1": "first sweep, empty alert table",
        "b2": "first sweep, episodes already recorded (rebuild)",
        "b3": f"as b2 shared by {args.workers} worker processes",
    }
    for key, pairs in runs.items():
        if pairs:
            t = statistics.median(p[0] for p in pairs)
            r = statistics.median(p[1] for p in pairs)
            ratio = statistics.median(p[0] / p[1] for p in pairs)
            cpu = ""
            if pairs[0][2] is not None:
                cpu = f", cpu {statistics.median(p[2] for p in pairs):.1f} s"
                if all(p[3] is not None for p in pairs):
                    cpu += f" + postgres {statistics.median(p[3] for p in pairs):.1f} s"
            print(f"({key}) {what[key]}: median {t:.2f} s, read {r:.2f} s, median ratio {ratio:.1f}x the read{cpu}")
    print(f"after the rounds: {counts()}")

    added = add_one_day()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # as autovacuum would have by the next night
    c = sweep(args.batch)
    print(f"(c) steady state, {added:,} new check-ins: {c:.2f} s = {c / read:.2f}x the read; {counts()}")
    c0 = sweep(args.batch)
    print(f"(c0) steady state, nothing new: {c0:.2f} s = {c0 / read:.2f}x the read")
    again = min(plain_read()[0] for _ in range(3))
    print(f"(a') plain read again: {again:.2f} s; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
