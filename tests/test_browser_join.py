"""Real Chromium: the invitation link's "#code=..." fills the form and leaves the address bar."""

import pytest

from patients.services import invitation_create
from tests.conftest import make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_link_fills_in_the_code_and_the_server_never_sees_it(browser_page, live_server, team_a):
    patient = make_patient(team_a, None, "Grace", "Adeyemi")
    code = invitation_create(patient=patient, created_by=None).code
    seen_urls = []
    browser_page.on("request", lambda request: seen_urls.append(request.url))

    browser_page.goto(f"{live_server.url}/join/#code={code.lower()}")

    assert browser_page.input_value("#id_code") == code
    assert browser_page.evaluate("window.location.hash") == ""  # gone from the bar and the history
    assert seen_urls and all(code.lower() not in url and code not in url for url in seen_urls)

    browser_page.fill("#id_password", "slow-river-42")
    browser_page.fill("#id_password_again", "slow-river-42")
    browser_page.click("button[type=submit]")
    browser_page.wait_for_url(f"{live_server.url}/checkin/")
    patient.refresh_from_db()
    assert patient.user is not None
