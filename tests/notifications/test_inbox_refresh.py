"""The alert inbox refreshes itself: a fragment endpoint, and in a real browser a new alert appears without a reload."""

from datetime import date

import pytest
from django.urls import reverse

from notifications.models import Severity
from notifications.services import alert_open
from tests.conftest import log_in_browser

pytestmark = pytest.mark.django_db


def test_the_inbox_page_says_when_it_was_updated_and_loads_the_refresher(clinician_client, patient):
    html = clinician_client.get(reverse("alert_inbox")).content.decode()
    assert 'id="last-updated"' in html
    assert "js/autorefresh.js" in html
    assert f'data-fragment-url="{reverse("alert_inbox_fragment")}"' in html


def test_the_fragment_lists_the_cards_with_the_open_count_and_keeps_the_filters(clinician_client, patient):
    alert_open(patient=patient, rule="red_flag", severity=Severity.URGENT, date=date(2026, 11, 20), evidence="Flag A")
    alert_open(patient=patient, rule="drift", severity=Severity.MODERATE, date=date(2026, 11, 20), evidence="Drift B")
    response = clinician_client.get(reverse("alert_inbox_fragment"), {"severity": "urgent"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Flag A" in html and "Drift B" not in html
    assert 'data-open-alerts="2"' in html
    # An action taken from a refreshed card returns to the inbox page, not to the bare fragment.
    assert 'value="/alerts/?severity=urgent"' in html


def test_the_fragment_shows_no_other_teams_alerts(client, other_clinician, patient):
    alert_open(patient=patient, rule="red_flag", severity=Severity.URGENT, date=date(2026, 11, 20), evidence="Flag A")
    client.force_login(other_clinician)
    html = client.get(reverse("alert_inbox_fragment")).content.decode()
    assert "Flag A" not in html
    assert 'data-open-alerts="0"' in html


def test_patients_cannot_fetch_the_fragment(patient_client):
    assert patient_client.get(reverse("alert_inbox_fragment")).status_code == 403


@pytest.mark.browser
def test_a_new_alert_appears_in_the_inbox_and_the_badge_without_a_reload(
    browser_page, live_server, clinician, patient, other_patient, settings
):
    settings.DASHBOARD_REFRESH_SECONDS = 1
    alert_open(patient=patient, rule="drift", severity=Severity.MODERATE, date=date(2026, 11, 20), evidence="Old one")
    page = browser_page
    log_in_browser(page, live_server, clinician)
    page.goto(f"{live_server.url}/alerts/")
    assert page.text_content("#open-alert-count").strip() == "1"
    page.evaluate("window.__marker = 'same page'")

    alert_open(
        patient=other_patient, rule="red_flag", severity=Severity.URGENT, date=date(2026, 11, 21), evidence="New flag"
    )
    page.wait_for_selector("text=New flag", timeout=10000)
    assert page.evaluate("window.__marker") == "same page"  # refreshed in place, not reloaded
    assert page.locator(".alert-card").first.inner_text().count("New flag") == 1  # urgent goes first
    page.wait_for_function("document.getElementById('open-alert-count').textContent.trim() === '2'", timeout=5000)


@pytest.mark.browser
def test_an_open_resolve_panel_is_not_wiped_by_the_refresh(browser_page, live_server, clinician, patient, settings):
    settings.DASHBOARD_REFRESH_SECONDS = 1
    alert, _ = alert_open(
        patient=patient, rule="red_flag", severity=Severity.URGENT, date=date(2026, 11, 20), evidence="Flag"
    )
    page = browser_page
    log_in_browser(page, live_server, clinician)
    page.goto(f"{live_server.url}/alerts/")
    card = page.locator(f"#alert-{alert.pk}")
    card.locator("summary", has_text="Resolve").click()
    card.get_by_label("Note (optional)").fill("Half-typed note")
    page.evaluate("window.myelotrackRefresh()")
    page.wait_for_timeout(2500)  # two refresh periods
    assert card.get_by_label("Note (optional)").input_value() == "Half-typed note"
