"""Cohort figures with and without the objective motor tests.

Three arms on the same simulated patients (``detection.motor_simulation``):
the mJOA rules alone (``detection.replay.replay_patients``, the detector the
clinic runs today), the motor rule alone, and both together, which is what a
care team with the tests switched on sees.

The scoring definitions are ``detection.scoring``'s (sensitivity on or after
onset, false decline alerts per stable patient-year, median delay from the
day the latent total has fallen 2 points); ``score_alerts`` is that scoring
with the set of counted rules as a parameter, because ``scoring.score``
counts only the mJOA decline rules. A test keeps the two equal on the mJOA
rules, so the definitions cannot drift apart.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from detection.motor_rules import DEFAULT_MOTOR_CONFIG, MOTOR_DECLINE, OPENED, MotorConfig, MotorTry, assess_motor
from detection.motor_simulation import DEFAULT_START, simulate_motor_cohort
from detection.replay import replay_patients
from detection.rules import DECLINE_RULES, DayScore, RuleConfig
from detection.scoring import Score, Truth, score
from detection.simulation import day_scores

MJOA = "mJOA rules alone"
MOTOR = "motor rule alone"
BOTH = "mJOA + motor rule"
ARMS = (MJOA, MOTOR, BOTH)
ARM_RULES = {
    MJOA: frozenset(DECLINE_RULES),
    MOTOR: frozenset({MOTOR_DECLINE}),
    BOTH: frozenset(DECLINE_RULES) | {MOTOR_DECLINE},
}


def motor_alerts(patient_id: str, tries: list[MotorTry], config: MotorConfig = DEFAULT_MOTOR_CONFIG) -> list[dict]:
    """Alert-opened dicts like ``replay_patients``'s, one per motor episode that opens."""
    return [
        {
            "patient_id": patient_id,
            "date": e.date.isoformat(),
            "rule": e.rule,
            "severity": e.severity,
            "measure": e.evidence_data["measure"],
        }
        for e in assess_motor(tries, config).events
        if e.kind == OPENED
    ]


def score_alerts(
    alerts: Iterable[dict[str, Any]],
    truth: dict[str, Truth],
    checkins: dict[str, list[DayScore]],
    *,
    rules: frozenset[str],
    min_followup: int = 14,
) -> Score:
    """``detection.scoring.score`` counting the alerts of ``rules``."""
    return score(alerts, truth, checkins, min_followup=min_followup, rules=rules)


@dataclass
class MotorComparison:
    patients: int
    days: int
    seed: int
    noise: float
    scores: dict[str, Score]
    # Progressors caught by the combined arm whose first catch was a motor alert:
    # caught only by the motor rule, or earlier by it (with how many days earlier).
    only_motor: int = 0
    earlier_by_motor: list[int] = field(default_factory=list)
    motor_tries: int = 0
    could_not_do: int = 0
    false_by_measure: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "patients": self.patients,
            "days": self.days,
            "seed": self.seed,
            "noise": self.noise,
            "arms": {arm: self.scores[arm].as_dict() for arm in ARMS},
            "caught_only_by_motor": self.only_motor,
            "caught_earlier_by_motor": len(self.earlier_by_motor),
            "median_days_earlier_by_motor": (
                float(statistics.median(self.earlier_by_motor)) if self.earlier_by_motor else None
            ),
            "motor_tries": self.motor_tries,
            "could_not_do_tries": self.could_not_do,
            "motor_false_alerts_by_measure": dict(self.false_by_measure),
        }

    def table(self) -> str:
        head = f"{self.patients} patients x {self.days} days, seed {self.seed}, noise {self.noise:g}"
        lines = [
            head,
            f"{'':<20} {'sensitivity':>20} {'false / stable pt-yr':>21} {'median delay (d)':>17}",
        ]
        for arm in ARMS:
            s = self.scores[arm]
            sens = f"{s.sensitivity:.1%} ({s.detected}/{s.progressors})"
            lines.append(f"{arm:<20} {sens:>20} {s.false_per_patient_year:>21.3f} {s.median_delay:>17g}")
        earlier = (
            f", {len(self.earlier_by_motor)} caught earlier by it (median {statistics.median(self.earlier_by_motor):g} days)"
            if self.earlier_by_motor
            else ""
        )
        lines.append(f"motor tests: {self.only_motor} progressors caught only by the motor rule{earlier}")
        lines.append(f"motor tries {self.motor_tries}, of which 'could not do it' {self.could_not_do}")
        return "\n".join(lines)


def compare_motor_detection(
    patients: int,
    days: int,
    seed: int,
    noise: float = 1.0,
    *,
    rule_config: RuleConfig | None = None,
    motor_config: MotorConfig = DEFAULT_MOTOR_CONFIG,
    min_followup: int = 14,
    start: datetime.date = DEFAULT_START,
    **simulation_options,
) -> MotorComparison:
    """Simulate a cohort with motor tests and score the three arms against its truth."""
    checkins: dict[str, list[DayScore]] = {}
    truth: dict[str, Truth] = {}
    alerts: list[dict[str, Any]] = []
    n_tries = n_none = 0
    for p in simulate_motor_cohort(patients, days, seed, noise, start, **simulation_options):
        pid = p.truth.patient_id
        checkins[pid] = day_scores(p.rows)
        truth[pid] = Truth(bool(p.truth.progresses), p.truth.decline_date, p.truth.onset)
        alerts.extend(motor_alerts(pid, p.tries, motor_config))
        n_tries += len(p.tries)
        n_none += sum(1 for t in p.tries if t.value is None)
    alerts.extend(replay_patients(checkins, rule_config or RuleConfig()))
    scores = {
        arm: score_alerts(alerts, truth, checkins, rules=ARM_RULES[arm], min_followup=min_followup) for arm in ARMS
    }
    result = MotorComparison(patients, days, seed, noise, scores, motor_tries=n_tries, could_not_do=n_none)
    _credit_motor(result, alerts, truth, checkins, min_followup)
    return result


def _credit_motor(
    result: MotorComparison,
    alerts: list[dict[str, Any]],
    truth: dict[str, Truth],
    checkins: dict[str, list[DayScore]],
    min_followup: int,
) -> None:
    """What the motor rule added: progressors it caught first, and its false alerts by measure."""
    first: dict[tuple[str, bool], datetime.date] = {}
    false_by_measure: dict[str, int] = {}
    for a in alerts:
        t = truth[a["patient_id"]]
        is_motor = a["rule"] == MOTOR_DECLINE
        if not is_motor and a["rule"] not in DECLINE_RULES:
            continue
        d = datetime.date.fromisoformat(a["date"]) if isinstance(a["date"], str) else a["date"]
        if t.onset is None and not t.progresses:
            if is_motor:
                false_by_measure[a["measure"]] = false_by_measure.get(a["measure"], 0) + 1
            continue
        if not t.progresses or t.decline_date is None or d < (t.onset or t.decline_date):
            continue
        key = (a["patient_id"], is_motor)
        if key not in first or d < first[key]:
            first[key] = d
    for pid, t in truth.items():
        if not t.progresses or t.decline_date is None:
            continue
        days = checkins.get(pid) or []
        last = days[-1].date if days else t.decline_date
        if (last - t.decline_date).days < min_followup:
            continue
        m, j = first.get((pid, True)), first.get((pid, False))
        if m is None:
            continue
        if j is None:
            result.only_motor += 1
        elif m < j:
            result.earlier_by_motor.append((j - m).days)
    result.false_by_measure = dict(sorted(false_by_measure.items()))
