"""seed_demo speed: the demo roster with every patient at 365 days, through the real seeder.

    .venv/bin/python bench/bench_seed_demo.py [--repeat 3] [--days 365]

Uses DATABASE_URL when set (for example PostgreSQL), else a throwaway SQLite
file under var/bench/. Each run deletes the demo data and seeds it again:
33 accounts, 33 patients (30 of them in Spine Clinic A) x `--days` days of
check-ins, events, one re-baseline, with the real PBKDF2 password hash. Then
it times the whole `manage.py seed_demo --reset --force` command once more,
which also runs detection over the cohort when tracker.evaluation offers
evaluate_all_patients. Target: a few seconds, not minutes.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()

    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MYELOTRACK_VAR_DIR", str(var))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{var / 'bench_seed_demo.sqlite3'}")
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from clinic.demo import demo_reset, demo_seed

    call_command("migrate", verbosity=0)
    best, counts = float("inf"), {}
    for _ in range(args.repeat):
        demo_reset()
        started = time.perf_counter()
        counts = demo_seed(history_days=args.days)
        best = min(best, time.perf_counter() - started)
    started = time.perf_counter()
    call_command("seed_demo", "--reset", "--force", verbosity=0, stdout=open(os.devnull, "w"))
    command = time.perf_counter() - started

    print(
        f"database: {connection.vendor}; python {platform.python_version()}; {platform.machine()}, {os.cpu_count()} CPUs"
    )
    print(
        f"demo_seed, {counts['patients']} patients x {args.days} days = {counts['checkins']} check-ins "
        f"(+{counts['users']} accounts, {counts['events']} events): best of {args.repeat} {best:.2f} s "
        f"({counts['checkins'] / best:,.0f} check-ins/s)"
    )
    print(f"manage.py seed_demo --reset --force (demo roster, 6-12 months, with detection if present): {command:.2f} s")


if __name__ == "__main__":
    main()
