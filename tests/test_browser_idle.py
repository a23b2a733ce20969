"""Real Chromium with a controlled clock: the care team's idle warning appears, and "Stay signed in" works."""

import pytest

from tests.conftest import log_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_idle_warning_comes_two_minutes_before_sign_out_and_stay_signed_in_keeps_the_session(
    browser_page, live_server, clinician, settings
):
    settings.CLINICIAN_IDLE_MINUTES = 30
    page = browser_page
    page.clock.install()
    log_in_browser(page, live_server, clinician)
    page.goto(f"{live_server.url}/team/patients/")
    assert page.locator(".idle-warning").count() == 0

    page.clock.run_for("27:50")
    assert page.locator(".idle-warning").count() == 0
    page.clock.run_for("00:20")
    warning = page.locator(".idle-warning")
    assert warning.is_visible() and "signed out in 2 minutes" in warning.inner_text()

    with page.expect_response(lambda response: "/account/keep-alive/" in response.url) as answer:
        page.get_by_role("button", name="Stay signed in").click()
    assert answer.value.status == 204
    page.wait_for_selector(".idle-warning", state="detached")
    # Still signed in: the next page is the dashboard, not the log-in form.
    page.goto(f"{live_server.url}/team/patients/")
    assert page.url.endswith("/team/patients/")


def test_patients_get_no_idle_warning(browser_page, live_server, patient):
    page = browser_page
    page.clock.install()
    log_in_browser(page, live_server, patient.user)
    page.goto(f"{live_server.url}/checkin/")
    page.clock.run_for("45:00")
    assert page.locator(".idle-warning").count() == 0
    assert page.evaluate("document.body.hasAttribute('data-idle-seconds')") is False
