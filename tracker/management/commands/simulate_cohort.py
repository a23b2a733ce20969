"""Write a synthetic cohort of daily check-ins and its truth as CSV."""

from django.core.management.base import BaseCommand, CommandError

from detection.simulation import default_truth_path, write_cohort


class Command(BaseCommand):
    help = "Simulate a cohort of patients' daily check-ins (CSV) and write who truly progresses (truth CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--days", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--out", required=True, help="check-ins CSV to write")
        parser.add_argument("--noise", type=float, default=1.0, help="day-to-day noise multiplier (2 = doubled)")
        parser.add_argument("--truth", help="truth CSV to write (default: next to --out, NAME.truth.csv)")

    def handle(self, *args, patients, days, seed, out, noise, truth, **options):
        if patients < 1 or days < 1:
            raise CommandError("--patients and --days must be at least 1")
        if noise < 0:
            raise CommandError("--noise must not be negative")
        truth = truth or default_truth_path(out)
        try:
            rows, progressors = write_cohort(out, truth, patients=patients, days=days, seed=seed, noise=noise)
        except OSError as exc:
            raise CommandError(f"cannot write: {exc}")
        self.stderr.write(
            f"{rows} check-ins for {patients} patients ({progressors} progress) -> {out}; truth -> {truth}"
        )
