"""Real Chromium at a 360x740 phone viewport with JavaScript OFF: one-tap acknowledge and resolve."""

from datetime import date

import pytest

from notifications.models import Alert, Severity
from notifications.services import alert_open
from tests.conftest import log_in_browser

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser_page):
    """A second context of the same browser, like a phone with JavaScript switched off."""
    context = browser_page.context.browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=1, java_script_enabled=False
    )
    page = context.new_page()
    yield page
    context.close()


def test_a_clinician_acknowledges_and_resolves_by_tapping_on_a_phone_without_javascript(
    phone, live_server, clinician, patient
):
    alert, _ = alert_open(
        patient=patient, rule="red_flag", severity=Severity.URGENT, date=date(2026, 11, 20), evidence="Red flag today"
    )
    log_in_browser(phone, live_server, clinician)
    phone.goto(f"{live_server.url}/alerts/")
    card = phone.locator(f"#alert-{alert.pk}")
    assert "Red flag today" in card.inner_text()
    # Every control on the card is a comfortable target and nothing overflows the screen.
    for button in card.locator("button, a.button").all():
        if button.is_visible():
            box = button.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44, button.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    card.get_by_role("button", name="Acknowledge").click()
    phone.wait_for_url(f"{live_server.url}/alerts/")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED and alert.acknowledged_by == clinician

    card = phone.locator(f"#alert-{alert.pk}")
    card.locator("summary", has_text="Resolve").click()
    card.get_by_label("Called patient").check()
    card.get_by_label("Note (optional)").fill("Spoke to her, seen in A&E")
    card.get_by_role("button", name="Resolve").click()
    phone.wait_for_url(f"{live_server.url}/alerts/")
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.resolution_note) == (
        Alert.Status.RESOLVED,
        "called_patient",
        "Spoke to her, seen in A&E",
    )
    assert "No alerts here" in phone.content()


def test_an_alerts_page_with_its_deliveries_fits_a_phone_screen(phone, live_server, clinician, patient):
    # The deliveries are a five-column table: on a 360 px phone each row becomes a card instead of
    # running past the screen's edge.
    from notifications.models import Delivery

    alert, _ = alert_open(
        patient=patient, rule="rapid_decline", severity=Severity.URGENT, date=date(2026, 11, 20), evidence="Fell"
    )
    assert Delivery.objects.filter(alert=alert).exists()
    log_in_browser(phone, live_server, clinician)
    phone.goto(f"{live_server.url}/alerts/{alert.pk}/")
    table = phone.locator("table.deliveries")
    assert table.is_visible() and clinician.display_name in table.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
