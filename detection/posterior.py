"""How likely a decline alert is a real decline of at least 2 points (issue 13).

Pure Python, no Django, no numpy: ``decline_probability(rule, evidence_data)``
runs once per decline alert opened (``PatientDetector._open``), so the live
evaluation, the nightly sweep and the replay give the same number from the
same evidence, and which alerts fire does not change.

**What "real" means.** An alert on a simulated patient is real when the
patient's latent (true) total falls at least 2 points below where it started
within the simulated follow-up (the truth has a ``decline_date``) and the alert
is dated on or after the onset of that decline: the same test as a catch in
``detection.scoring`` (sensitivity). Alerts on stable patients, improvers,
declines that had not reached 2 points by the end (``late``) and alerts before a
progressor's onset are not real.

**The model.** One logistic regression per decline rule on four numbers every
such alert already carries in its ``evidence_data``:

* ``shortfall``: how far below baseline the window is, in points (for
  ``domain_decline``, the worst domain's shortfall in units of its threshold,
  times 2, so that "at the threshold" is 2 as for the total);
* ``log_sd``: the natural log of the patient's own day-to-day SD of the total
  (a noisy patient's 2-point shortfall is weaker evidence);
* ``log_n``: the natural log of the number of check-ins in the window;
* ``share_down``: the share of the window's check-ins that are themselves past
  the threshold (a real decline keeps every day down; a flare or a few bad
  days pull the median down with a few).

Alerts fire when the evidence crosses a threshold, so the numbers at firing
sit close together and the model separates real from not-real only modestly;
most of what it says is the base rate per rule, moved by the patient's noise
and the window. The coefficients were fitted by ``tools/fit_posterior.py`` on
the TUNING seeds (1 and 2) of the realistic simulator at noise 1 and 2 (1,000
patients x 365 days each); docs/detection.md ("How likely is it real?") has
the reliability table on the validation seeds (3-6), from
``manage.py score_detection --calibration``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from detection.scales import MCID_TOTAL

# The key an opened decline alert's evidence_data carries the probability under (0-1, 3 decimals).
PROBABILITY_KEY = "probability_real"
# ...and [down, of]: of the patient's check-ins since the baseline, bar the last
# EARLIER_SKIP (the dip this alert is about), how many were at least the MCID below it.
EARLIER_DOWN_KEY = "earlier_down"
EARLIER_SKIP = 14

# Domain thresholds as the default rules have them (RuleConfig): the domain
# shortfall is measured in units of these. A care team's own thresholds move
# when the alert fires, not the scale the model was fitted on.
_DOMAIN_THRESHOLDS = {"fine_motor": 2.0, "gait": 2.0, "sensation": 1.0, "bladder": 1.0}

FEATURES = ("shortfall", "log_sd", "log_n", "share_down", "log_earlier_down")

# Fitted by: .venv/bin/python tools/fit_posterior.py  (seeds 1,2; noise 1,2; 1000 patients x 365 days;
# ridge 1.0 on the slopes, the shortfall's slope held at 0 or above). (intercept, shortfall, log_sd, log_n,
# share_down, log_earlier_down) per rule; the logit is the intercept plus the sum of slope x feature.
COEFFICIENTS: dict[str, tuple[float, ...]] = {
    "sustained_decline": (-12.6233, 1.9322, -0.7681, 1.8655, 1.7913, -1.6061),
    # domain_decline's shortfalls all sit at the threshold; its fitted slope was negative, so held at 0.
    "domain_decline": (-3.8434, 0.0000, -0.8193, 2.1566, 0.4705, 0.2602),
    # rapid_decline's window is 3 check-ins (the early test) or 4, each down: no slope for share_down.
    "rapid_decline": (-6.3878, 0.3346, 0.3557, 3.3129, 0.0000, -0.3846),
    "drift": (-10.4978, 0.9237, -1.0348, 1.5450, 1.7564, -2.5681),
}

# Reliability bins of score_detection --calibration: [low, high) of the stated probability.
BINS: tuple[tuple[float, float], ...] = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 0.95), (0.95, 1.0001))


def features(rule: str, data: Mapping[str, Any]) -> tuple[float, float, float, float, float] | None:
    """(shortfall, log_sd, log_n, share_down, log_earlier_down) from an alert's evidence_data; None if it lacks them."""
    try:
        sd = float(data["day_to_day_sd"])
        if rule == "domain_decline":
            worst = max(data["domains"], key=lambda k: (data["baseline"][k] - data["median"][k]) / _threshold(k))
            thr = _threshold(worst)
            values: Sequence[float] = data["values"][worst]
            base = float(data["baseline"][worst])
            shortfall = (base - float(data["median"][worst])) / thr * MCID_TOTAL
        else:
            values = data["recent_values"] if rule == "drift" else data["values"]
            base = float(data["baseline"])
            thr = float(MCID_TOTAL)
            shortfall = base - sum(values) / len(values)
        n = len(values)
        share = sum(1 for v in values if base - v >= thr) / n
        down, of = (int(v) for v in data[EARLIER_DOWN_KEY])
        # Shrunk towards 1 in 4 so that a patient with few earlier check-ins
        # is neither "never dips" nor "always dips".
        earlier = math.log((down + 1) / (of + 4))
        return shortfall, math.log(sd), math.log(n), share, earlier
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None


def _threshold(domain: str) -> float:
    return _DOMAIN_THRESHOLDS[domain]


def decline_probability(rule: str, data: Mapping[str, Any]) -> float | None:
    """P(real decline of >= 2 points) for a decline alert, 0-1 to 3 decimals; None for other rules.

    Red flags and missed check-ins are not statistical signals and get none;
    nor does an alert whose evidence lacks the numbers (an older alert).
    """
    coef = COEFFICIENTS.get(rule)
    if coef is None:
        return None
    x = features(rule, data)
    if x is None:
        return None
    z = coef[0] + sum(c * v for c, v in zip(coef[1:], x, strict=True))
    # Clipped so that exp() cannot overflow on absurd evidence.
    z = -30.0 if z < -30.0 else 30.0 if z > 30.0 else z
    return round(1.0 / (1.0 + math.exp(-z)), 3)


def with_probability(rule: str, data: dict[str, Any]) -> dict[str, Any]:
    """The evidence_data of an alert being opened, with its probability added when it has one."""
    p = decline_probability(rule, data)
    if p is None:
        return data
    return {**data, PROBABILITY_KEY: p}


# ----- in words, for the care team -----


def likelihood_words(p: float) -> str:
    """A busy nurse's reading of the probability: words first, then the number.

    The number is rounded to 5% and kept within 5-95%: it comes from a
    simulator, and "100%" would claim more than that can know.
    """
    pct = min(95, max(5, int(5 * round(p * 20))))
    if p >= 0.85:
        words = "Very likely a real decline"
    elif p >= 0.7:
        words = "Likely a real decline"
    elif p >= 0.5:
        words = "Possibly a real decline"
    else:
        words = "Uncertain: may be noise, not a decline"
    return f"{words} (about {pct}%)"


# ----- calibration (score_detection --calibration) -----


def is_real(alert_date, decline_date, onset) -> bool:
    """The definition above: the truth has a >= 2-point decline and the alert is on or after its onset."""
    if decline_date is None:
        return False
    return alert_date >= (onset or decline_date)


@dataclass
class ReliabilityRow:
    low: float
    high: float
    alerts: int
    stated: float  # mean stated probability
    observed: float  # share real

    @property
    def label(self) -> str:
        if self.low <= 0:
            return f"under {self.high:.0%}"
        if self.high > 1:
            return f"{self.low:.0%} or more"
        return f"{self.low:.0%}-{self.high:.0%}"


def reliability(pairs: Iterable[tuple[float, bool]], bins=BINS) -> tuple[list[ReliabilityRow], float, int]:
    """Rows of (alerts, mean stated, share real) per bin of stated probability, the Brier score and the count."""
    pairs = list(pairs)
    rows = []
    for low, high in bins:
        inside = [(p, real) for p, real in pairs if low <= p < high]
        if inside:
            stated = sum(p for p, _ in inside) / len(inside)
            observed = sum(1 for _, real in inside if real) / len(inside)
        else:
            stated = observed = float("nan")
        rows.append(ReliabilityRow(low, high, len(inside), stated, observed))
    brier = sum((p - (1.0 if real else 0.0)) ** 2 for p, real in pairs) / len(pairs) if pairs else float("nan")
    return rows, brier, len(pairs)


def reliability_table(rows: list[ReliabilityRow], brier: float, count: int) -> str:
    lines = [
        "| stated probability | alerts | stated (mean) | observed real |",
        "|---|---|---|---|",
    ]
    for r in rows:
        if r.alerts:
            lines.append(f"| {r.label} | {r.alerts} | {r.stated:.1%} | {r.observed:.1%} |")
        else:
            lines.append(f"| {r.label} | 0 | - | - |")
    lines.append(f"| all | {count} | Brier score {brier:.3f} | |")
    return "\n".join(lines)
