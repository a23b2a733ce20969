"""The hand-over page in Chromium: no WCAG A/AA violation, fits a 390 px phone, and prints on A4
with every section and without the form or the nav."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Alert
from tests.conftest import log_in_browser
from tests.test_browser_patient_pages import violations

pytestmark = pytest.mark.browser


@pytest.fixture
def changes(patient, clinician):
    now = timezone.now()
    common = {"patient": patient, "severity": "high", "date": timezone.localdate()}
    Alert.objects.create(rule="sustained_decline", evidence="Total 12 vs baseline 15 (-3)", **common)
    Alert.objects.create(
        rule="domain_drop",
        evidence="Walking 4 vs baseline 6",
        status="resolved",
        resolved_at=now - timedelta(hours=1),
        resolved_by=clinician,
        outcome=Alert.Outcome.VISIT_BOOKED,
        opened_at=now - timedelta(days=3),
        **common,
    )


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 800)])
def test_the_hand_over_is_accessible_and_fits_the_screen(browser_page, live_server, clinician, changes, width, height):
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    log_in_browser(page, live_server, clinician)
    page.goto(f"{live_server.url}/team/handover/")
    page.wait_for_selector("#handover-resolved li")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert violations(page) == []
    assert page.is_visible("button.js-print")  # shown by the script, under the page's CSP


def test_the_hand_over_prints_every_section_without_the_form(browser_page, live_server, clinician, changes):
    page = browser_page
    log_in_browser(page, live_server, clinician)
    page.goto(f"{live_server.url}/team/handover/")
    page.emulate_media(media="print")
    assert not page.is_visible("form.filters") and not page.is_visible("nav.topnav")
    for section in ("opened", "acknowledged", "resolved", "red-flags"):
        assert page.is_visible(f"#handover-{section} h2")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
