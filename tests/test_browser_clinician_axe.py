"""Real Chromium at a phone's 390x844 and a desktop's 1280x800: the care team's pages without a chart pass
axe-core (WCAG 2.0-2.2, A and AA) and none is wider than the screen. (Chart pages: their own browser tests.)"""

import pytest

from notifications.models import Alert
from tests.conftest import add_history, log_in_browser
from tests.test_browser_patient_pages import check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
def test_the_care_teams_pages_have_no_wcag_violation_and_fit_the_screen(
    browser_page, live_server, clinician, patient, width, height
):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": width, "height": height})
    add_history(patient, days=20)
    alert = Alert.objects.create(
        patient=patient, rule="red_flag", severity="urgent", date=patient.local_today(), evidence="Red flag today"
    )
    log_in_browser(page, live_server, clinician)
    found: dict[str, list[str]] = {}
    too_wide: dict[str, int] = {}
    for path in (
        "/team/patients/",
        "/team/handover/",
        "/alerts/",
        f"/alerts/{alert.pk}/",
        "/alerts/preferences/",
        "/team/patients/new/",
        f"/team/patients/{patient.pk}/events/new/",
        f"/team/patients/{patient.pk}/contact/",
        "/account/",
        "/account/password/",
    ):
        response = page.goto(base + path)
        assert response.status == 200, path
        check(page, path, found)
        width_used = page.evaluate("document.documentElement.scrollWidth")
        if width_used > width:
            too_wide[path] = width_used
    assert not found, found
    assert not too_wide, too_wide
