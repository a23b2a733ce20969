"""Real Chromium: the dashboard's 30-second refresh with ETags (304 when nothing changed), gzip, "Show more"."""

from datetime import timedelta
from pathlib import Path

import pytest

from notifications.models import Alert
from patients.models import Patient
from tests.conftest import add_history, log_in_browser, make_patient
from tracker.models import Baseline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/work/shots/speed")


def _ward(team, n: int) -> list[Patient]:
    patients = [make_patient(team, None, f"Pat{i:02d}", f"Ward{i:02d}") for i in range(n)]
    for i, p in enumerate(patients):
        add_history(p, days=20, start=p.local_today() - timedelta(days=19 + i % 5))
        Baseline.objects.create(
            patient=p,
            method="automatic",
            effective_from=p.local_today() - timedelta(days=60),
            total=15,
            fine_motor=4,
            gait=6,
            sensation=2,
            bladder=3,
        )
    return patients


def test_the_refresh_keeps_the_list_on_304_and_shows_a_change_at_the_top(
    browser_page, live_server, clinician, team_a, settings
):
    settings.DASHBOARD_REFRESH_SECONDS = 1
    patients = _ward(team_a, 35)
    page = browser_page
    answers = []
    page.on(
        "response",
        lambda r: (
            answers.append((r.status, r.headers.get("content-encoding")))
            if "/team/patients/fragment/" in r.url
            else None
        ),
    )
    log_in_browser(page, live_server, clinician)
    first = page.goto(f"{live_server.url}/team/patients/")
    assert first.headers.get("content-encoding") == "gzip"
    assert page.locator(".dash-row").count() == 30
    assert "Show 5 more" in page.text_content(".dash-more")
    page.evaluate("window.__marker = 'same page'")

    page.wait_for_function("document.querySelectorAll('.dash-row').length === 30")
    page.wait_for_timeout(3500)
    # Nothing changed: every refresh so far was a 304 with no body, and the 30 rows are still there.
    assert answers and all(status == 304 for status, _ in answers), answers
    assert page.locator(".dash-row").count() == 30

    Alert.objects.create(
        patient=patients[-1],
        rule="rapid_decline",
        severity="urgent",
        date=patients[-1].local_today(),
        evidence="Fell 4 points in 3 days",
    )
    page.wait_for_selector("text=Fell 4 points in 3 days", timeout=10000)
    assert page.evaluate("window.__marker") == "same page"  # refreshed in place, not reloaded
    assert page.text_content(".dash-row .name") == "Pat34 Ward34"  # the urgent alert went to the top
    assert (200, "gzip") in answers
    # After the change, the next refreshes are 304s again on the new ETag.
    seen = len(answers)
    page.wait_for_timeout(2500)
    assert answers[seen:] and all(status == 304 for status, _ in answers[seen:]), answers[seen:]

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard-360.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "dashboard-360-top.png"))
    page.locator(".dash-more").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "dashboard-360-show-more.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "dashboard-1280.png"), full_page=True)
    page.click("text=Show 5 more")
    page.wait_for_function("document.querySelectorAll('.dash-row').length === 35")
    assert page.locator(".dash-more").count() == 0
