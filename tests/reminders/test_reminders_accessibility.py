"""axe-core (WCAG 2.2 AA) in Chromium on the Reminders page, as it first opens and after a refused save."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from reminders.management.commands.vapid_keys import new_vapid_pair
from tests.conftest import log_in_browser

pytestmark = pytest.mark.browser

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


def violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]]


def test_the_reminders_page_has_no_wcag_aa_violation_before_or_after_an_error(
    browser_page, live_server, patient, settings
):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = new_vapid_pair()
    page = browser_page
    log_in_browser(page, live_server, patient.user)
    page.goto(f"{live_server.url}/reminders/")
    page.wait_for_selector("#push-status:not(:empty), #push-subscribe:not([hidden])", state="attached")
    assert violations(page) == []
    page.click("text=An email")  # the patient has no address on the account: refused
    page.click("button:has-text('Save my reminder')")
    page.wait_for_selector("text=Enter the email address for your reminders.")
    assert violations(page) == []
