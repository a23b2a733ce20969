"""Load the demo care teams, accounts and 6-12 months of daily histories.

The demo password is public (README.md), so this refuses to run when DEBUG
is off unless --force says the operator really means it.
"""

import importlib
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic.demo import (
    DEFAULT_SEED,
    DEMO_PASSWORD,
    demo_clinician_actions,
    demo_exists,
    demo_reset,
    demo_seed,
)


class Command(BaseCommand):
    help = "Create the demo care teams, clinicians and 33 patients with daily histories (password myelotrack-demo)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the demo data already exists.")
        parser.add_argument("--reset", action="store_true", help="Delete the demo teams and accounts first.")
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed of the histories.")
        parser.add_argument("--days", type=int, default=None, help="Keep only the last N days of each history.")
        parser.add_argument("--no-evaluate", action="store_true", help="Skip progression detection afterwards.")

    def handle(self, *args, if_empty, reset, force, seed, days, no_evaluate, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: refusing to create accounts with the public demo password. "
                "Use --force if this really is a demo site."
            )
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        if demo_exists():
            if if_empty:
                self.stdout.write("Demo data already present; nothing to do.")
                return
            if not reset:
                raise CommandError("Demo data already exists. Use --reset to recreate it or --if-empty to skip.")
            demo_reset()
        started = time.perf_counter()
        counts = demo_seed(seed=seed, max_days=days)
        seeded = time.perf_counter() - started
        self.stdout.write(
            f"Seeded {counts['patients']} patients, {counts['checkins']} check-ins and {counts['events']} events "
            f"in {seeded:.1f} s."
        )
        if not no_evaluate:
            self._evaluate()
        self.stdout.write(self.style.SUCCESS(f"Demo ready. Every demo account's password is {DEMO_PASSWORD}."))

    def _evaluate(self):
        # Detection lives in tracker.evaluation; run it when it offers a whole-cohort entry point.
        evaluate_all = getattr(importlib.import_module("tracker.evaluation"), "evaluate_all_patients", None)
        if evaluate_all is None:
            return
        started = time.perf_counter()
        evaluate_all()
        touched = demo_clinician_actions()
        self.stdout.write(
            f"Evaluated baselines and alerts in {time.perf_counter() - started:.1f} s; "
            f"the demo clinicians have already handled {touched} of the alerts."
        )
