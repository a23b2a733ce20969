"""The patient's "My days" page over HTTP: the emergency advice while a red flag is open,
scores out of their maximum, no days before enrolment, and a server-drawn SVG trend
instead of a chart library."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Alert
from tests.conftest import add_history
from tests.tracker.test_checkin_views import form_data
from tracker.models import Baseline, CheckIn
from tracker.patient_chart import patient_trend

pytestmark = pytest.mark.django_db


def my_days(client) -> str:
    response = client.get(reverse("today"))
    assert response.status_code == 200
    return response.content.decode()


def main_of(html: str) -> str:
    return html.split('<main id="main" class="page">', 1)[1].split("</main>", 1)[0]


def enrolled_days_ago(patient, days: int) -> None:
    patient.enrolled_at = timezone.now() - timedelta(days=days)
    patient.save(update_fields=["enrolled_at"])


def set_baseline(patient, total: float) -> Baseline:
    return Baseline.objects.create(
        patient=patient,
        method="automatic",
        effective_from=patient.local_today() - timedelta(days=60),
        fine_motor=4,
        gait=6,
        sensation=2,
        bladder=total - 12,
        total=total,
    )


def red_flag_alert(patient, status="open") -> Alert:
    return Alert.objects.create(
        patient=patient,
        rule="red_flag",
        severity="urgent",
        status=status,
        date=patient.local_today() - timedelta(days=1),
        evidence="Red flag: sudden weakness",
    )


# ---- a red-flag episode ----------------------------------------------------------


def test_after_a_red_flag_check_in_my_days_leads_with_the_emergency_advice_and_numbers(
    patient_client, patient, settings
):
    settings.EMERGENCY_NUMBER = "999 / 112"
    patient_client.post(reverse("checkin"), form_data(rf_weakness="yes"))
    main = main_of(my_days(patient_client))
    first_heading = re.search(r"<h1[^>]*>(.*?)</h1>", main).group(1)
    assert first_heading == "Get emergency care now"
    # The advice comes before the greeting and before any score or wording about progress.
    assert main.index("Get emergency care now") < main.index("Hello Ada") < main.index("How you are doing")
    assert 'href="tel:999"' in main and 'href="tel:112"' in main
    assert 'href="tel:+442079460101"' in main  # the care team's own phone
    assert "You checked in today" not in main  # no green reassurance
    assert "Your answers for today are saved." in main


def test_an_unresolved_red_flag_alert_from_yesterday_keeps_the_advice_first(patient_client, patient):
    red_flag_alert(patient, status="acknowledged")
    main = main_of(my_days(patient_client))
    assert main.lstrip().startswith('<section class="urgent" id="seek-care"')


def test_once_the_team_resolves_the_red_flag_my_days_greets_again(patient_client, patient):
    red_flag_alert(patient, status="resolved")
    main = main_of(my_days(patient_client))
    assert "Get emergency care now" not in main
    assert "<h1>Hello Ada</h1>" in main


def test_the_clinic_number_falls_back_to_the_site_setting(patient_client, patient, settings):
    settings.CLINIC_PHONE = "+44 20 7946 0999"
    patient.care_team.phone = ""
    patient.care_team.save(update_fields=["phone"])
    red_flag_alert(patient)
    assert 'href="tel:+442079460999"' in my_days(patient_client)


def test_how_you_are_doing_never_says_better_in_the_week_of_a_red_flag(patient_client, patient):
    set_baseline(patient, 12.0)
    # Scores well above the baseline: without the red flag the words say "Better than when you started."
    add_history(patient, days=20)
    assert "Better than when you started." in my_days(patient_client)
    CheckIn.objects.filter(patient=patient, date=patient.local_today() - timedelta(days=3)).update(
        rf_weakness=True, red_flag=True
    )
    main = main_of(my_days(patient_client))
    assert "better" not in main.lower()  # anywhere on the page, not just in the words about progress
    assert "urgent symptom this week" in main


def test_during_an_open_red_flag_only_the_emergency_advice_mentions_better(patient_client, patient):
    set_baseline(patient, 12.0)
    add_history(patient, days=20)
    red_flag_alert(patient)
    main = main_of(my_days(patient_client))
    advice, rest = main.split("</section>", 1)
    assert "Do not wait to see if it gets better." in advice
    assert "better" not in rest.lower()


def test_a_red_flag_older_than_a_week_no_longer_holds_back_the_comparison(patient_client, patient):
    set_baseline(patient, 12.0)
    add_history(patient, days=20)
    CheckIn.objects.filter(patient=patient, date=patient.local_today() - timedelta(days=8)).update(
        rf_weakness=True, red_flag=True
    )
    assert "Better than when you started." in my_days(patient_client)


# ---- scores and days ------------------------------------------------------------


def test_each_score_reads_out_of_its_maximum(patient_client, patient):
    add_history(patient, {0: (4, 6, 2, 3)}, start=patient.local_today())
    html = my_days(patient_client)
    assert "Hands 4 of 5 · Walking 6 of 7 · Feeling in hands 2 of 3 · Bladder 3 of 3" in html


def test_a_patient_enrolled_today_sees_no_missed_days_before_enrolment(patient_client, patient):
    main = main_of(my_days(patient_client))
    assert main.count('<li class="day') == 1  # today only
    assert "Your last" not in main


def test_a_patient_enrolled_five_days_ago_sees_six_days_with_the_missed_ones(patient_client, patient):
    enrolled_days_ago(patient, 5)
    add_history(patient, {0: (4, 6, 2, 3)}, start=patient.local_today() - timedelta(days=2))
    main = main_of(my_days(patient_client))
    assert main.count('<li class="day') == 6
    assert main.count("No check-in") == 5
    assert "Your last 6 days" in main


def test_a_diary_day_from_before_enrolment_still_shows(patient_client, patient):
    add_history(patient, {0: (4, 6, 2, 3)}, start=patient.local_today() - timedelta(days=3))
    main = main_of(my_days(patient_client))
    assert main.count('<li class="day') == 4 and main.count("No check-in") == 3


# ---- the server-drawn trend ------------------------------------------------------


def test_my_days_and_the_check_in_load_no_chart_library(patient_client, patient):
    set_baseline(patient, 15.0)
    add_history(patient, days=60)
    for name in ("today", "checkin"):
        html = patient_client.get(reverse(name)).content.decode()
        assert "plotly" not in html.lower(), name
        assert "charts.js" not in html, name
    assert "<svg" in my_days(patient_client)


def test_the_trend_is_drawn_as_svg_with_a_baseline_and_a_text_alternative(patient_client, patient):
    set_baseline(patient, 15.0)
    scores = {i: (4, 6, 2, 2) for i in range(10)} | {i: (4, 5, 2, 1) for i in range(10, 30)}  # 14, then 12
    add_history(patient, scores, start=patient.local_today() - timedelta(days=29))
    html = my_days(patient_client)
    svg = html.split('<svg class="trend-svg"', 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and 'aria-labelledby="trend-title trend-desc"' in svg
    assert "Your total went from 14 to 12 of 18 over 30 days." in svg  # the <desc>
    assert "Your starting level is 15." in svg
    assert "Your total went from 14 to 12 of 18 over 30 days." in html.split("</svg>", 1)[1]  # visible caption
    assert svg.count("<circle") == 30
    assert 'class="trend-baseline"' in svg and 'class="trend-line"' in svg
    assert " style=" not in svg  # the policy refuses style attributes; presentation attributes only


def test_a_starting_level_that_is_a_mean_reads_as_about_a_whole_score(patient_client, patient):
    # An automatic baseline is the mean of the first check-ins: 43 / 3 = 14.333...
    set_baseline(patient, 43 / 3)
    add_history(patient, {i: (4, 6, 2, 3) for i in range(20)}, start=patient.local_today() - timedelta(days=19))
    html = my_days(patient_client)
    svg = html.split('<svg class="trend-svg"', 1)[1].split("</svg>", 1)[0]
    assert "Your starting level is about 14." in svg  # the <desc>
    assert "Your starting level (about 14)" in html  # the key under the drawing
    assert re.search(r'font-weight="700" fill="#17663a">14</text>', svg)  # its own label on the axis
    assert "14.3" not in html
    assert "Your usual total is about 14 of 18" in html


def test_the_trend_is_scaled_to_the_patients_own_range_not_0_to_18(patient_client, patient):
    set_baseline(patient, 15.0)
    add_history(patient, {i: (4, 6, 2, 3) if i % 2 else (4, 5, 2, 3) for i in range(14)})  # 14 and 15
    svg = my_days(patient_client).split("<svg", 1)[1].split("</svg>", 1)[0]
    labels = re.findall(r'text-anchor="end" font-size="14" fill="#1b1f24">(\d+)</text>', svg)
    low, high = int(labels[-1]), int(labels[0])
    assert low > 0 and high <= 18 and 4 <= high - low <= 6, labels


def test_the_scale_covers_every_value_and_the_baseline_and_stays_within_0_to_18():
    def data(totals, baseline):
        days = [f"2026-01-{i + 1:02d}" for i in range(len(totals))]
        return {
            "dates": days,
            "start": days[0],
            "end": days[-1],
            "series": {"total": totals},
            "smoothed": {"total": totals},
            "baselines": [{"from": days[0], "to": days[-1], "total": baseline}],
            "red_flag_days": [],
        }

    for totals, baseline in (([17, 18, 18], 18.0), ([0, 1, 0], 2.0), ([9, 15], 12.5), ([12], 12.0)):
        trend = patient_trend(data(totals, baseline))
        assert 0 <= trend["low"] <= min(totals + [baseline]) and max(totals + [baseline]) <= trend["high"] <= 18
        assert trend["high"] - trend["low"] >= 4
        ys = [d["y"] for d in trend["dots"]]
        assert all(trend["plot"]["top"] <= y <= trend["plot"]["bottom"] for y in ys)


def test_a_patient_without_check_ins_gets_words_and_no_drawing(patient_client):
    html = my_days(patient_client)
    assert "Your chart fills in as you check in." in html
    assert "<svg" not in main_of(html)


def test_the_words_under_the_drawing_name_a_dip_between_two_equal_ends(patient_client, patient):
    scores = {i: (4, 6, 2, 3) for i in range(30)} | {i: (3, 4, 1, 2) for i in range(10, 18)}  # 15, 10 for 8 days, 15
    add_history(patient, scores, start=patient.local_today() - timedelta(days=29))
    html = my_days(patient_client)
    day = patient.local_today() - timedelta(days=29 - 13)
    assert f"Your total stayed at 15 of 18 over 30 days. It was lowest, 10, on {day.day} {day:%b}." in html
