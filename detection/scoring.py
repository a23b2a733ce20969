"""Score replayed alerts against a cohort's truth.

* sensitivity: share of progressors with a decline alert (sustained_decline,
  domain_decline, rapid_decline or drift) dated on or after the onset of
  their true decline, up to the end of their data. An alert before the onset
  came from noise, not from the decline, so it does not count as a catch.
  Progressors whose data end fewer than ``min_followup`` days after their
  decline date are left out (nobody can confirm a decline on its last day);
  the report says how many.
* false decline alerts per stable patient-year: decline alerts on patients
  with no true decline (red-flag and missed check-in alerts aside), divided
  by those patients' years of follow-up (first to last check-in).
* delay: median days from the truth's decline date (true decline reaches 2
  points) to the first decline alert; negative when a drift was caught early.
"""

from __future__ import annotations

import csv
import datetime
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from detection.naive import NAIVE_RULE
from detection.posterior import PROBABILITY_KEY, is_real
from detection.rules import DECLINE_RULES, OPENED, DayScore, PatientDetector

# Alerts that say "getting worse": the detector's decline rules and the naive reference rule.
SCORED_RULES = DECLINE_RULES | {NAIVE_RULE}


@dataclass
class Truth:
    progresses: bool
    decline_date: datetime.date | None
    onset: datetime.date | None
    # Optional, for figures by group: the simulator writes them, a clinic's
    # own truth file need not.
    kind: str = ""
    noise_factor: float | None = None
    adherence: float | None = None


@dataclass
class Score:
    progressors: int
    detected: int
    excluded_short_followup: int
    stable_patients: int
    stable_years: float
    false_alerts: int
    delays: list[int]
    false_by_rule: Counter = field(default_factory=Counter)
    first_rule: Counter = field(default_factory=Counter)
    early_alerts_progressors: int = 0

    @property
    def sensitivity(self) -> float:
        return self.detected / self.progressors if self.progressors else float("nan")

    @property
    def false_per_patient_year(self) -> float:
        return self.false_alerts / self.stable_years if self.stable_years else float("nan")

    @property
    def median_delay(self) -> float:
        return float(statistics.median(self.delays)) if self.delays else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "sensitivity": round(self.sensitivity, 4),
            "progressors": self.progressors,
            "detected": self.detected,
            "excluded_short_followup": self.excluded_short_followup,
            "false_alerts_per_stable_patient_year": round(self.false_per_patient_year, 4),
            "false_alerts": self.false_alerts,
            "stable_patients": self.stable_patients,
            "stable_patient_years": round(self.stable_years, 2),
            "median_delay_days": self.median_delay,
            "false_alerts_by_rule": dict(self.false_by_rule),
            "first_catch_by_rule": dict(self.first_rule),
        }

    def summary(self) -> str:
        return (
            f"sensitivity {self.sensitivity:.1%} ({self.detected}/{self.progressors} progressors"
            f"{f', {self.excluded_short_followup} left out: under the follow-up' if self.excluded_short_followup else ''})\n"
            f"false decline alerts per stable patient-year {self.false_per_patient_year:.3f} "
            f"({self.false_alerts} alerts over {self.stable_years:.1f} years, {self.stable_patients} patients)\n"
            f"median delay {self.median_delay:g} days (from true decline of 2 points to first decline alert)"
        )


def read_truth(stream: IO[str]) -> dict[str, Truth]:
    reader = csv.DictReader(stream)
    needed = {"patient_id", "progresses", "decline_date"}
    if not reader.fieldnames or not needed <= set(reader.fieldnames):
        raise ValueError(f"truth file needs columns {', '.join(sorted(needed))}")
    out = {}
    for row in reader:
        try:
            out[row["patient_id"]] = Truth(
                progresses=_flag(row["progresses"]),
                decline_date=_date(row.get("decline_date")),
                onset=_date(row.get("onset")),
                kind=(row.get("kind") or "").strip(),
                noise_factor=_float(row.get("noise_factor")),
                adherence=_float(row.get("adherence")),
            )
        except ValueError as exc:
            raise ValueError(f"truth line {reader.line_num}: {exc}") from None
    return out


_YES = frozenset({"1", "true", "yes", "y", "t"})
_NO = frozenset({"0", "false", "no", "n", "f", ""})


def _flag(text: str | None) -> bool:
    """1/0, true/false or yes/no in any case: a truth file written by another tool.

    Anything else is an error: read as "no", a "True" would have turned every
    progressor into a stable patient and every alert into a false one.
    """
    value = (text or "").strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(f"progresses must be 1 or 0 (or true/false, yes/no), not {text!r}")


def _date(text: str | None) -> datetime.date | None:
    text = (text or "").strip()
    return datetime.date.fromisoformat(text) if text else None


def _float(text: str | None) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


def noise_band(t: Truth) -> str:
    """Terciles of the simulator's log-uniform consistency factor (0.58-1.73)."""
    if t.noise_factor is None:
        return "unknown"
    return "steady (<0.83)" if t.noise_factor < 0.83 else "noisy (>1.2)" if t.noise_factor > 1.2 else "middle"


def adherence_band(t: Truth) -> str:
    if t.adherence is None:
        return "unknown"
    return "under 65%" if t.adherence < 0.65 else "65-80%" if t.adherence < 0.80 else "80% or more"


def shape(t: Truth) -> str:
    return t.kind or ("progresses" if t.progresses else "stable")


GROUPINGS = {"shape": shape, "noise": noise_band, "adherence": adherence_band}


def score_by(
    alerts: Iterable[dict[str, Any]],
    truth: dict[str, Truth],
    checkins: dict[str, list[DayScore]],
    group_of,
    *,
    min_followup: int = 14,
) -> dict[str, Score]:
    """One Score per group of patients (``group_of(truth) -> name``), e.g. by shape or noise band."""
    alerts = list(alerts)
    groups: dict[str, dict[str, Truth]] = {}
    for pid, t in truth.items():
        groups.setdefault(group_of(t), {})[pid] = t
    out = {}
    for name in sorted(groups):
        members = groups[name]
        out[name] = score(
            (a for a in alerts if a["patient_id"] in members), members, checkins, min_followup=min_followup
        )
    return out


def score(
    alerts: Iterable[dict[str, Any]],
    truth: dict[str, Truth],
    checkins: dict[str, list[DayScore]],
    *,
    min_followup: int = 14,
    rules: frozenset[str] | None = None,
) -> Score:
    """Sensitivity, false alerts and delay of the alerts of ``rules`` (the decline rules by default)."""
    counted = SCORED_RULES if rules is None else rules
    by_patient: dict[str, list[tuple[datetime.date, str]]] = {}
    for a in alerts:
        if a["rule"] in counted:
            d = a["date"]
            if isinstance(d, str):
                d = datetime.date.fromisoformat(d)
            by_patient.setdefault(a["patient_id"], []).append((d, a["rule"]))
    s = Score(0, 0, 0, 0, 0.0, 0, [])
    for pid, t in truth.items():
        days = checkins.get(pid) or []
        alerts_p = sorted(by_patient.get(pid, []))
        if t.progresses and t.decline_date is not None:
            last = days[-1].date if days else t.decline_date
            if (last - t.decline_date).days < min_followup:
                s.excluded_short_followup += 1
                continue
            s.progressors += 1
            start = t.onset or t.decline_date
            caught = [(d, r) for d, r in alerts_p if d >= start]
            s.early_alerts_progressors += len(alerts_p) - len(caught)
            if caught:
                s.detected += 1
                s.delays.append((caught[0][0] - t.decline_date).days)
                s.first_rule[caught[0][1]] += 1
        elif t.onset is None and not t.progresses:
            s.stable_patients += 1
            if days:
                s.stable_years += ((days[-1].date - days[0].date).days + 1) / 365.25
            s.false_alerts += len(alerts_p)
            for _, r in alerts_p:
                s.false_by_rule[r] += 1
    return s


# The settings of the sensitivity dial that score_detection --sweep runs by default.
SWEEP_LEVELS = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 2.0)


@dataclass
class SweepPoint:
    level: float
    name: str  # the operating point's name, or "" between them
    score: Score


def sweep(
    checkins: dict[str, list[DayScore]],
    truth: dict[str, Truth],
    config,
    levels=SWEEP_LEVELS,
    *,
    min_followup: int = 14,
) -> list[SweepPoint]:
    """Score the cohort at each setting of the sensitivity dial (``rules.evidence_settings``) on top of ``config``."""
    from detection.replay import replay_patients
    from detection.rules import OPERATING_POINT_LEVELS, evidence_settings

    names = {level: name for name, level in OPERATING_POINT_LEVELS.items()}
    levels = sorted(set(levels) | set(names))
    out = []
    for level in levels:
        cfg = config.merged(evidence_settings(level))
        s = score(replay_patients(checkins, cfg), truth, checkins, min_followup=min_followup)
        out.append(SweepPoint(level, names.get(level, ""), s))
    return out


def sweep_table(points: list[SweepPoint], naive: Score | None = None) -> str:
    """The operating curve as a Markdown table (what --sweep prints and docs/detection.md shows)."""
    lines = [
        "| setting | sensitivity | false / patient-year | median delay (days) |",
        "|---|---|---|---|",
    ]
    for p in points:
        label = f"{p.level:g}" + (f" ({p.name})" if p.name else "")
        lines.append(f"| {label} | {_row(p.score)}")
    if naive is not None:
        lines.append(f"| naive rule | {_row(naive)}")
    return "\n".join(lines)


def _row(s: Score) -> str:
    return f"{s.sensitivity:.1%} ({s.detected}/{s.progressors}) | {s.false_per_patient_year:.3f} | {s.median_delay:g} |"


def group_table(groups: dict[str, Score], title: str) -> str:
    lines = [
        f"| {title} | sensitivity | false / patient-year | median delay (days) |",
        "|---|---|---|---|",
    ]
    for name, s in groups.items():
        sens = f"{s.sensitivity:.1%} ({s.detected}/{s.progressors})" if s.progressors else "-"
        false = f"{s.false_per_patient_year:.3f}" if s.stable_years else "-"
        delay = f"{s.median_delay:g}" if s.delays else "-"
        lines.append(f"| {name} | {sens} | {false} | {delay} |")
    return "\n".join(lines)


def decline_openings(checkins: dict[str, list[DayScore]], config=None):
    """(patient_id, Event) for every decline alert the detector opens over each patient's history."""
    for pid, days in checkins.items():
        det = PatientDetector(config)
        for day in days:
            for ev in det.feed(day):
                if ev.kind == OPENED and ev.rule in DECLINE_RULES:
                    yield pid, ev


def calibration_pairs(checkins: dict[str, list[DayScore]], truth: dict[str, Truth], config=None):
    """(stated probability, real) per decline alert opened; real as ``detection.posterior.is_real`` says."""
    for pid, ev in decline_openings(checkins, config):
        t = truth.get(pid)
        p = ev.evidence_data.get(PROBABILITY_KEY)
        if t is None or p is None:
            continue
        yield p, is_real(ev.date, t.decline_date, t.onset)
