"""Real Chromium at 360x740: the account, sign-in and caregiver pages pass axe-core (WCAG 2.x A and AA),
and a patient who closes the browser is still signed in when they open it again."""

import pytest

from patients.models import Caregiver, User
from tests.conftest import GOOD_ANSWERS, PASSWORD, add_history, log_in_browser
from tests.test_browser_patient_pages import check
from tracker.services import checkin_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_account_sign_in_and_caregiver_pages_have_no_wcag_a_or_aa_violation(browser_page, live_server, patient):
    page, base = browser_page, live_server.url
    found: dict[str, list[str]] = {}
    for path in ("/login/", "/password-reset/", "/password-reset/sent/", "/password-reset/MQ/bad/"):
        page.goto(base + path)
        check(page, path, found)

    add_history(patient, days=10)
    log_in_browser(page, live_server, patient.user)
    for path in ("/account/", "/account/password/", "/account/two-factor/"):
        page.goto(base + path)
        check(page, path, found)
    page.goto(base + "/account/")
    page.click("text=Invite someone to help me")
    page.wait_for_selector("#invitation-code")
    check(page, "caregiver invitation", found)

    helper = User.objects.create_user("tom.helper", password=PASSWORD, role=User.Role.CAREGIVER, first_name="Tom")
    Caregiver.objects.create(user=helper, patient=patient)
    page.context.clear_cookies()
    log_in_browser(page, live_server, helper)
    checkin, _ = checkin_submit(patient=patient, answers=GOOD_ANSWERS, entered_by=helper)
    for path in ("/checkin/", "/today/", f"/checkin/{checkin.date.isoformat()}/done/", "/account/"):
        page.goto(base + path)
        check(page, f"caregiver {path}", found)
    assert not found, found


def test_a_patient_who_closes_the_browser_is_still_signed_in_when_they_open_it(browser_page, live_server, patient):
    page, base = browser_page, live_server.url
    page.goto(base + "/login/")
    page.fill("#id_username", patient.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    # The browser is closed: only what it keeps on disk (cookies with an expiry) survives.
    kept = page.context.storage_state()
    session = next(c for c in kept["cookies"] if c["name"] == "sessionid")
    assert session["expires"] > 0  # a persistent cookie, not one that dies with the browser
    browser = page.context.browser
    reopened = browser.new_context(storage_state=kept, viewport={"width": 360, "height": 740})
    try:
        again = reopened.new_page()
        again.goto(base + "/today/")
        assert again.url.endswith("/today/") and "Hello Ada" in again.inner_text("main")
    finally:
        reopened.close()
