"""Real Chromium with a virtual authenticator (CDP WebAuthn): add a passkey, then log in with it, no typing."""

import pytest

from patients.models import Passkey
from tests.conftest import GOOD_ANSWERS, log_in_browser
from tracker.services import checkin_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def authenticator(browser_page):
    """A platform authenticator with user verification, as a phone's fingerprint reader is."""
    cdp = browser_page.context.new_cdp_session(browser_page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    found = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    yield cdp, found["authenticatorId"]


def test_a_patient_adds_a_passkey_and_logs_in_with_it_without_typing(browser_page, live_server, patient, authenticator):
    page = browser_page
    base = live_server.url  # http://localhost:port: a secure context, and "localhost" is a valid relying party
    log_in_browser(page, live_server, patient.user)
    page.goto(f"{base}/account/")
    page.click("[data-passkey-add]")
    page.wait_for_selector("text=Passkey added", timeout=15000)
    key = Passkey.objects.get(user=patient.user)
    assert key.name.startswith("Passkey on")

    # The service worker the signed-in pages registered fetches the check-in page as it installs; its
    # answer, still in flight, would set its CSRF cookie after the clearing, under the log-in form's.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.click("#passkey-log-in")
    page.wait_for_url(lambda url: "/login/" not in url)
    assert "Hello Ada" in page.inner_text("main") or page.url.endswith("/today/")
    key.refresh_from_db()
    assert key.last_used_at is not None and key.sign_count >= 1


def test_the_passkey_is_offered_after_a_check_in_and_gone_once_added(browser_page, live_server, patient, authenticator):
    page = browser_page
    base = live_server.url
    log_in_browser(page, live_server, patient.user)
    checkin, _ = checkin_submit(patient=patient, answers=GOOD_ANSWERS)
    page.goto(f"{base}/checkin/{checkin.date.isoformat()}/done/")
    offer = page.locator("[data-passkey-offer]")
    assert offer.is_visible()
    offer.locator("[data-passkey-add]").click()
    page.wait_for_url(f"{base}/today/")
    page.goto(f"{base}/checkin/{checkin.date.isoformat()}/done/")
    assert page.locator("[data-passkey-offer]").count() == 0
