"""Score the rules on a cohort: sensitivity, false decline alerts, delay; or the operating curve (--sweep)."""

import json as json_module  # handle() takes the --json flag under the name json

from django.core.management.base import BaseCommand, CommandError

from detection.naive import naive_replay
from detection.posterior import reliability, reliability_table
from detection.replay import ReplayInputError, read_checkins, replay_patients
from detection.scoring import (
    GROUPINGS,
    Truth,
    calibration_pairs,
    group_table,
    read_truth,
    score,
    score_by,
    sweep,
    sweep_table,
)
from detection.simulation import LEGACY, REALISTIC, day_scores, default_truth_path, simulate_cohort
from tracker.operating_curve import curve_figure_html
from tracker.rule_settings import get_rule_config, load_overrides


class Command(BaseCommand):
    help = (
        "Score the progression rules against a cohort's truth: give COHORT.csv and TRUTH.csv, "
        "or simulate one on the fly with --patients/--days/--seed/--noise. With --sweep, score every "
        "setting of the sensitivity dial and print the operating curve (and write it with --figure)."
    )

    def add_arguments(self, parser):
        parser.add_argument("cohort", nargs="?", help="check-ins CSV (as written by simulate_cohort)")
        parser.add_argument("truth", nargs="?", help="truth CSV (default: COHORT.truth.csv)")
        parser.add_argument("--patients", type=int)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--noise", type=float, default=1.0)
        parser.add_argument(
            "--legacy-simulator", action="store_true", help="simulate with the first simulator (no realism features)"
        )
        parser.add_argument("--rules", help="JSON file of rule settings overriding MYELOTRACK_RULES")
        parser.add_argument(
            "--min-followup",
            type=int,
            default=14,
            help="leave out progressors with fewer days of data after their decline date (default 14)",
        )
        parser.add_argument("--detector", choices=("myelotrack", "naive"), default="myelotrack")
        parser.add_argument("--by", choices=sorted(GROUPINGS), action="append", help="also give figures by group")
        parser.add_argument("--sweep", action="store_true", help="score each setting of the sensitivity dial")
        parser.add_argument("--levels", help="comma-separated dial settings for --sweep (default 0.6-2.0)")
        parser.add_argument("--figure", help="with --sweep: write the operating curve as a plotly HTML file")
        parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
        parser.add_argument(
            "--calibration",
            action="store_true",
            help="reliability table of the decline alerts' stated probability of a real decline "
            "(simulated: over --seeds, the validation seeds 3-6 by default)",
        )
        parser.add_argument(
            "--seeds", help="with --calibration and --patients: comma-separated seeds (default 3,4,5,6)"
        )

    def handle(self, *args, cohort, truth, patients, days, seed, noise, rules, min_followup, json: bool, **options):
        try:
            config = get_rule_config(load_overrides(rules))
        except ValueError as exc:
            raise CommandError(f"--rules: {exc}")
        if options["figure"] and not options["sweep"]:
            raise CommandError("--figure needs --sweep")
        levels = self._levels(options["levels"]) if options["levels"] else None
        if cohort and patients:
            raise CommandError("give either a cohort CSV or --patients, not both")
        if options["seeds"] and not options["calibration"]:
            raise CommandError("--seeds needs --calibration")
        if options["calibration"]:
            if options["sweep"] or options["by"] or options["detector"] != "myelotrack":
                raise CommandError("--calibration does not go with --sweep, --by or --detector naive")
            self._calibration(cohort, truth, patients, days, options["seeds"], noise, config, json, options)
            return
        if cohort:
            checkins, truth_rows = self._read(cohort, truth)
        elif patients:
            if patients < 1 or days < 1:
                raise CommandError("--patients and --days must be at least 1")
            checkins, truth_rows = self._simulate(patients, days, seed, noise, options["legacy_simulator"])
        else:
            raise CommandError("give a cohort CSV (and its truth CSV) or --patients N to simulate one")
        if options["sweep"]:
            self._sweep(checkins, truth_rows, config, levels, min_followup, options["figure"], json)
            return
        if options["detector"] == "naive":
            alerts = list(naive_replay(checkins))
        else:
            alerts = list(replay_patients(checkins, config))
        result = score(alerts, truth_rows, checkins, min_followup=min_followup)
        groups = {
            by: score_by(alerts, truth_rows, checkins, GROUPINGS[by], min_followup=min_followup)
            for by in options["by"] or ()
        }
        if json:
            out = result.as_dict()
            if groups:
                out["by"] = {by: {name: s.as_dict() for name, s in g.items()} for by, g in groups.items()}
            self.stdout.write(json_module.dumps(out))
            return
        self.stdout.write(result.summary())
        for by, g in groups.items():
            self.stdout.write("")
            self.stdout.write(group_table(g, by))

    def _simulate(self, patients, days, seed, noise, legacy):
        realism = LEGACY if legacy else REALISTIC
        checkins, truth_rows = {}, {}
        for rows, t in simulate_cohort(patients, days, seed, noise, realism=realism):
            checkins[t.patient_id] = day_scores(rows)
            truth_rows[t.patient_id] = Truth(
                bool(t.progresses), t.decline_date, t.onset, t.kind, t.noise_factor, t.adherence
            )
        return checkins, truth_rows

    def _calibration(self, cohort, truth, patients, days, seeds_text, noise, config, json, options):
        """Of the alerts called about p likely to be real, how many were: per bin of p, with the Brier score."""
        pairs = []
        if cohort:
            checkins, truth_rows = self._read(cohort, truth)
            pairs += calibration_pairs(checkins, truth_rows, config)
            seeds = []
        elif patients:
            if patients < 1 or days < 1:
                raise CommandError("--patients and --days must be at least 1")
            try:
                seeds = [int(x) for x in (seeds_text or "3,4,5,6").split(",") if x.strip()]
            except ValueError:
                raise CommandError(f"--seeds must be whole numbers separated by commas, not {seeds_text!r}")
            if not seeds:
                raise CommandError("--seeds needs at least one seed")
            for seed in seeds:
                checkins, truth_rows = self._simulate(patients, days, seed, noise, options["legacy_simulator"])
                pairs += calibration_pairs(checkins, truth_rows, config)
        else:
            raise CommandError("give a cohort CSV (and its truth CSV) or --patients N to simulate one")
        rows, brier, count = reliability(pairs)
        if json:
            self.stdout.write(
                json_module.dumps(
                    {
                        "seeds": seeds,
                        "noise": noise,
                        "alerts": count,
                        "brier": round(brier, 4),
                        "bins": [
                            {
                                "low": r.low,
                                "high": min(r.high, 1.0),
                                "alerts": r.alerts,
                                "stated": round(r.stated, 4) if r.alerts else None,
                                "observed": round(r.observed, 4) if r.alerts else None,
                            }
                            for r in rows
                        ],
                    }
                )
            )
            return
        self.stdout.write(reliability_table(rows, brier, count))

    def _sweep(self, checkins, truth_rows, config, levels, min_followup, figure, json):
        points = sweep(
            checkins, truth_rows, config, **({"levels": levels} if levels else {}), min_followup=min_followup
        )
        naive = score(naive_replay(checkins), truth_rows, checkins, min_followup=min_followup)
        if json:
            self.stdout.write(
                json_module.dumps(
                    {
                        "points": [{"level": p.level, "name": p.name, **p.score.as_dict()} for p in points],
                        "naive": naive.as_dict(),
                    }
                )
            )
        else:
            self.stdout.write(sweep_table(points, naive))
        if figure:
            try:
                with open(figure, "w", encoding="utf-8") as f:
                    f.write(curve_figure_html(points, naive))
            except OSError as exc:
                raise CommandError(f"cannot write {figure}: {exc.strerror}")
            self.stderr.write(f"operating curve -> {figure}")

    def _levels(self, text: str) -> list[float]:
        try:
            levels = [float(x) for x in text.split(",") if x.strip()]
        except ValueError:
            raise CommandError(f"--levels must be numbers separated by commas, not {text!r}")
        if not levels or not all(0.2 <= x <= 5 for x in levels):
            raise CommandError("--levels must be between 0.2 and 5")
        return levels

    def _read(self, cohort: str, truth: str | None):
        truth = truth or default_truth_path(cohort)
        try:
            with open(cohort, newline="", encoding="utf-8") as f:
                checkins = read_checkins(f)
        except ReplayInputError as exc:
            raise CommandError(f"{cohort}: {exc}")
        except OSError as exc:
            raise CommandError(f"cannot read {cohort}: {exc.strerror}")
        try:
            with open(truth, newline="", encoding="utf-8-sig") as f:
                truth_rows = read_truth(f)
        except ValueError as exc:
            raise CommandError(f"{truth}: {exc}")
        except OSError as exc:
            raise CommandError(f"cannot read {truth}: {exc.strerror}")
        return checkins, truth_rows
