"""The synthetic cohort follows the natural history it claims to."""

import statistics

from detection.simulation import simulate_cohort


def _cohort(n=400, days=365, seed=7, noise=1.0):
    return list(simulate_cohort(n, days, seed, noise))


def test_the_same_seed_gives_the_same_cohort_and_another_seed_another():
    a = _cohort(20, 60, seed=1)
    assert a == _cohort(20, 60, seed=1)
    assert a != _cohort(20, 60, seed=2)


def test_scores_stay_on_the_mjoa_scales_and_start_mild_to_severe():
    cohort = _cohort(200, 120)
    for rows, truth in cohort:
        for r in rows:
            assert 0 <= r.fine_motor <= 5 and 0 <= r.gait <= 7 and 0 <= r.sensation <= 3 and 0 <= r.bladder <= 3
            assert r.red_flag in (0, 1)
        assert 8 <= truth.start_total <= 17.5
    assert {t.severity for _, t in cohort} == {"mild", "moderate", "severe"}


def test_about_one_in_eight_patients_progresses_within_a_year():
    # Stable at 1 year: 91% of mild, 83% of moderate or severe (Spine J 2023).
    truths = [t for _, t in _cohort(1000, 365, seed=3)]
    share = sum(t.progresses for t in truths) / len(truths)
    assert 0.08 <= share <= 0.17
    for t in truths:
        if t.progresses:
            assert t.onset <= t.decline_date
    assert {t.kind for t in truths if t.progresses} == {"drift", "step", "staircase"}


def test_patients_miss_days_and_some_report_red_flags():
    cohort = _cohort(200, 365)
    checkins = sum(len(rows) for rows, _ in cohort)
    assert 0.6 * 200 * 365 < checkins < 0.95 * 200 * 365
    assert any(r.red_flag for rows, _ in cohort for r in rows)


def _day_to_day_sd(cohort):
    sds = []
    for rows, truth in cohort:
        if truth.kind == "stable" and len(rows) > 30:
            totals = [r.fine_motor + r.gait + r.sensation + r.bladder for r in rows]
            sds.append(statistics.pstdev(totals))
    return statistics.median(sds)


def test_doubling_the_noise_widens_the_day_to_day_spread_towards_the_published_sd():
    sd1 = _day_to_day_sd(_cohort(150, 180, noise=1.0))
    sd2 = _day_to_day_sd(_cohort(150, 180, noise=2.0))
    assert 0.7 < sd1 < 1.2
    assert 1.3 < sd2 < 2.0  # SD 1.5 between self-report and clinician (Rhee 2018)


def test_a_progressors_reports_fall_by_about_two_points_after_the_decline_date():
    drops = []
    for rows, truth in _cohort(600, 365, seed=5):
        if truth.progresses:
            before = [r for r in rows if r.date < truth.onset]
            after = [r for r in rows if r.date >= truth.decline_date]
            if len(before) > 7 and len(after) > 7:
                level = statistics.median(r.fine_motor + r.gait + r.sensation + r.bladder for r in before)
                drops.append(level - statistics.median(r.fine_motor + r.gait + r.sensation + r.bladder for r in after))
    assert statistics.median(drops) >= 1.5


# ----- realism features (issue 13): each switchable, each visible in the data -----

import dataclasses  # noqa: E402

from detection.simulation import LEGACY, REALISTIC  # noqa: E402


def _realistic(n=300, days=365, seed=7, noise=1.0, **switches):
    realism = dataclasses.replace(REALISTIC, **switches)
    return list(simulate_cohort(n, days, seed, noise, realism=realism))


def _totals(rows):
    return [r.fine_motor + r.gait + r.sensation + r.bladder for r in rows]


def test_the_legacy_simulator_is_the_realistic_one_with_every_feature_off():
    assert LEGACY == dataclasses.replace(REALISTIC, **{f.name: False for f in dataclasses.fields(REALISTIC)})
    assert _cohort(30, 90) != list(simulate_cohort(30, 90, 7, realism=LEGACY))


def test_noise_levels_spread_over_a_factor_of_about_three_only_with_noise_spread():
    wide = [t.noise_factor for _, t in _realistic(400)]
    narrow = [t.noise_factor for _, t in _realistic(400, noise_spread=False)]
    assert max(wide) / min(wide) > 2.7 and 0.57 <= min(wide) and max(wide) <= 1.74
    spread = statistics.quantiles(wide, n=10)
    assert spread[-1] / spread[0] > 2.0  # 90th over 10th percentile: log-uniform, not a narrow bell
    assert statistics.quantiles(narrow, n=10)[-1] / statistics.quantiles(narrow, n=10)[0] < 2.3


def _changed_rows(with_feature, without):
    """Pairs of (with, without) check-ins that differ; the cohorts differ only by the one feature."""
    out = []
    for (rows_a, _), (rows_b, _) in zip(with_feature, without, strict=True):
        assert [r.date for r in rows_a] == [r.date for r in rows_b]
        out.extend((a, b) for a, b in zip(rows_a, rows_b, strict=True) if a != b)
    return out, sum(len(r) for r, _ in with_feature)


def test_heavy_tails_put_one_domain_of_a_few_percent_of_answers_one_or_two_points_off():
    changed, total = _changed_rows(
        _realistic(200, heavy_tails=True, flares=False), _realistic(200, heavy_tails=False, flares=False)
    )
    assert 0.01 < len(changed) / total < 0.05
    for a, b in changed:
        diffs = [abs(x - y) for x, y in zip(_domains(a), _domains(b), strict=True)]
        assert sorted(diffs)[:3] == [0, 0, 0] and 1 <= max(diffs) <= 2
    assert any(max(abs(x - y) for x, y in zip(_domains(a), _domains(b), strict=True)) == 2 for a, b in changed)


def _domains(r):
    return (r.fine_motor, r.gait, r.sensation, r.bladder)


def test_flares_are_spells_of_several_days_that_only_lower_the_scores_and_recover():
    changed, _ = _changed_rows(
        _realistic(200, heavy_tails=False, flares=True), _realistic(200, heavy_tails=False, flares=False)
    )
    assert changed
    for a, b in changed:
        assert all(x <= y for x, y in zip(_domains(a), _domains(b), strict=True))  # never better
    # Grouped in spells of at most 8 days: after a flare the answers are the same again.
    by_patient = {}
    for a, _ in changed:
        by_patient.setdefault(a.patient_id, []).append(a.date)
    spans = []
    for dates in by_patient.values():
        first = prev = dates[0]
        for d in dates[1:] + [None]:
            if d is None or (d - prev).days > 8:
                spans.append((prev - first).days + 1)
                first = d
            prev = d
    assert sum(span <= 8 for span in spans) >= 0.9 * len(spans)  # two flares may overlap now and then
    assert statistics.median(spans) >= 2  # several days, not one
    assert 0.4 < len(by_patient) / 200 < 0.9  # about one flare a year (Poisson): most patients have one


def test_some_stable_patients_improve_and_they_count_as_not_progressing():
    cohort = _realistic(600)
    improvers = [(r, t) for r, t in cohort if t.kind == "improver"]
    assert 0.02 * 600 < len(improvers) < 0.13 * 600
    assert not any(t.kind == "improver" for _, t in _realistic(300, improvers=False))
    ups = []
    for rows, t in improvers:
        assert not t.progresses and t.onset is None
        if len(rows) > 60:
            totals = _totals(rows)
            ups.append(statistics.median(totals[-20:]) - statistics.median(totals[:20]))
    assert statistics.median(ups) > 0


def test_adherence_starts_at_about_55_percent_with_long_gaps():
    low = [t.adherence for _, t in _realistic(400)]
    old = [t.adherence for _, t in _realistic(400, low_adherence=False)]
    assert min(low) < min(old) and statistics.mean(low) < statistics.mean(old)
    longest = 0
    for rows, _ in _realistic(400):
        longest = max([longest] + [(b.date - a.date).days for a, b in zip(rows, rows[1:], strict=False)])
    assert longest > 20  # a gap of weeks somewhere


def test_staircases_fall_in_steps_weeks_apart_and_only_with_the_switch():
    cohort = _realistic(800, seed=3)
    assert any(t.kind == "staircase" for _, t in cohort)
    assert not any(t.kind == "staircase" for _, t in _realistic(800, seed=3, staircases=False))


def test_step_drops_are_two_and_a_half_to_four_and_a_half_points():
    import random as _random

    from detection.simulation import _progression

    sizes = []
    for i in range(3000):
        rng = _random.Random(i)
        course = _progression(rng, _random.Random(-i), REALISTIC, "moderate", 13.0, 365)
        if course.kind == "step" and course.onset_day is not None and course.onset_day < 300:
            sizes.append(course.decline[course.onset_day + 5])
    assert sizes and min(sizes) >= 2.5 - 1e-9 and max(sizes) <= 4.5 + 0.2  # plus a little drift after


def test_the_legacy_simulator_reproduces_the_first_simulators_cohorts_exactly():
    import hashlib

    h = hashlib.sha256()
    for rows, t in simulate_cohort(40, 200, 7, realism=LEGACY):
        for r in rows:
            h.update(",".join(r.as_csv()).encode())
        h.update(",".join(t.as_csv()[:7]).encode())  # the first simulator's truth columns
    # Fingerprint of the first simulator's cohort (detection/simulation.py before issue 13), same call.
    assert h.hexdigest() == "4bc40d3b5d5dd23a93b1c652853ee0788e038587e7a5a5493a876ed54874c6fd"
