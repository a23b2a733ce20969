"""Fit detection/posterior.py's coefficients on the tuning seeds of the realistic simulator.

    .venv/bin/python tools/fit_posterior.py [--patients 1000] [--days 365] [--seeds 1,2] [--noise 1,2]

Replays every simulated patient with the detector, takes each decline alert
opened, computes ``detection.posterior.features`` from its evidence_data and
labels it with ``detection.posterior.is_real``; then fits one logistic
regression per rule (Newton's method, a ridge of 1.0 on the slopes, none on
the intercept; the shortfall's slope held at 0 or above) and prints the COEFFICIENTS block to paste into
detection/posterior.py. Only the tuning seeds: the validation seeds (3-6) are
for ``manage.py score_detection --calibration``. numpy is used here only; the
runtime function is plain Python.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detection.posterior import FEATURES, features, is_real  # noqa: E402
from detection.scoring import decline_openings  # noqa: E402
from detection.simulation import day_scores, simulate_cohort  # noqa: E402

RULES = ("sustained_decline", "domain_decline", "rapid_decline", "drift")


def collect(
    patients: int, days: int, seeds: list[int], noises: list[float]
) -> dict[str, list[tuple[list[float], bool]]]:
    out: dict[str, list[tuple[list[float], bool]]] = {r: [] for r in RULES}
    for noise in noises:
        for seed in seeds:
            checkins, truth = {}, {}
            for rows, t in simulate_cohort(patients, days, seed, noise):
                checkins[t.patient_id] = day_scores(rows)
                truth[t.patient_id] = t
            for pid, ev in decline_openings(checkins):
                x = features(ev.rule, ev.evidence_data)
                if x is not None:
                    t = truth[pid]
                    out[ev.rule].append((list(x), is_real(ev.date, t.decline_date, t.onset)))
    return out


def fit(x: np.ndarray, y: np.ndarray, ridge: float = 1.0) -> np.ndarray:
    """Logistic regression by Newton's method; the ridge keeps a constant feature's slope at 0."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    penalty = ridge * np.eye(len(w))
    penalty[0, 0] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-design @ w))
        hess = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        grad = design.T @ (y - p) - penalty @ w
        step = np.linalg.solve(hess, grad)
        w += step
        if np.abs(step).max() < 1e-10:
            break
    return w


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--noise", default="1,2")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    noises = [float(s) for s in args.noise.split(",")]
    data = collect(args.patients, args.days, seeds, noises)
    print(f"# {', '.join(FEATURES)}; seeds {args.seeds}, noise {args.noise}", file=sys.stderr)
    print("COEFFICIENTS: dict[str, tuple[float, ...]] = {")
    for rule in RULES:
        x = np.array([f for f, _ in data[rule]], dtype=float)
        y = np.array([1.0 if real else 0.0 for _, real in data[rule]])
        w = fit(x, y)
        if w[1] < 0:
            # More shortfall is never less evidence: a negative slope is noise
            # (domain alerts' shortfalls all sit at the threshold), so fix it at 0.
            rest = fit(x[:, 1:], y)
            w = np.concatenate([rest[:1], [0.0], rest[1:]])
        print(f"    {rule!r}: ({', '.join(f'{v:.4f}' for v in w)}),".replace("'", '"'))
        print(f"#  {rule}: {len(y)} alerts, {y.mean():.1%} real", file=sys.stderr)
    print("}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
