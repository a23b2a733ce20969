"""Real Chromium: the plotly charts render from the vendored bundle, and the dashboard refreshes itself.

Screenshots land in var/screenshots/ for a human to look at.
"""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from notifications.models import Alert
from patients.models import PatientEvent
from tests.conftest import add_history, log_in_browser
from tracker.models import Baseline, CheckIn

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
VENDOR = "/static/vendor/plotly/plotly-basic.min.js"


def record_requests(page):
    urls = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def keep(page, tmp_path, name, **options):
    path = tmp_path / name
    page.screenshot(path=str(path), **options)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / name)
    return path


def chart_history(patient):
    """120 days: stable, a drop after a fall (red flag), surgery, then recovery and a new baseline."""
    today = patient.local_today()
    start = today - timedelta(days=120)
    scores = {}
    for i in range(120):
        if i < 60:
            scores[i] = (4, 6, 2, 3) if i % 9 else (4, 5, 2, 3)
        elif i < 80:
            scores[i] = (3, 4, 1, 2)
        else:
            scores[i] = (4, 6, 2, 3) if i % 5 else (5, 6, 2, 3)
    add_history(patient, scores, start=start)
    CheckIn.objects.filter(patient=patient, date=start + timedelta(days=60)).update(rf_fall_injury=True, red_flag=True)
    parts = {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 3, "total": 15}
    Baseline.objects.create(patient=patient, method="automatic", effective_from=start - timedelta(days=30), **parts)
    Baseline.objects.create(
        patient=patient, method="rebaseline", effective_from=start + timedelta(days=95), reason="after surgery", **parts
    )
    Alert.objects.create(
        patient=patient,
        rule="red_flag",
        severity="urgent",
        status="resolved",
        outcome="sent_to_emergency",
        date=start + timedelta(days=60),
        evidence="Red flag: fall or neck injury",
    )
    Alert.objects.create(
        patient=patient,
        rule="domain_decline",
        severity="high",
        date=start + timedelta(days=66),
        evidence="Walking 4 vs baseline 6 (-2) over the last 5 check-ins",
        evidence_data={"domains": ["gait"]},
    )
    PatientEvent.objects.create(patient=patient, kind="surgery", date=start + timedelta(days=75))
    PatientEvent.objects.create(patient=patient, kind="physiotherapy_start", date=start + timedelta(days=85))
    PatientEvent.objects.create(patient=patient, kind="visit", date=start + timedelta(days=110))


def test_the_clinician_chart_renders_from_the_vendored_bundle(browser_page, live_server, clinician, patient, tmp_path):
    chart_history(patient)
    page = browser_page
    urls = record_requests(page)
    log_in_browser(page, live_server, clinician)
    page.goto(f"{live_server.url}/team/patients/{patient.pk}/?range=1y")
    page.wait_for_selector("#clinician-chart .main-svg", timeout=15000)
    page.wait_for_selector("#clinician-chart[data-rendered=true]", timeout=15000)
    # Five panels, the daily points drawn as SVG markers, the events as shapes.
    assert page.locator("#clinician-chart .cartesianlayer .subplot").count() == 5
    assert page.locator("#clinician-chart .scatterlayer .point").count() > 100
    assert page.locator("#clinician-chart .shapelayer path").count() >= 3
    assert f"{live_server.url}{VENDOR}" in urls
    assert all(u.startswith(live_server.url) for u in urls), [u for u in urls if not u.startswith(live_server.url)]
    keep(page, tmp_path, "patient-chart-phone.png", full_page=True)
    # Hovering an alert marker shows its evidence.
    page.locator("#clinician-chart").scroll_into_view_if_needed()
    alert_point = page.evaluate(
        """() => {
          const gd = document.getElementById('clinician-chart');
          const i = gd.data.findIndex(t => t.meta.kind === 'alert' && t.meta.panel === 'total');
          const pts = gd.querySelectorAll('.scatterlayer .trace')[i].querySelectorAll('.point');
          const r = pts[0].getBoundingClientRect();
          return {x: r.x + r.width / 2, y: r.y + r.height / 2};
        }"""
    )
    page.mouse.move(alert_point["x"], alert_point["y"])
    page.wait_for_selector(".hoverlayer .hovertext", timeout=5000)
    hover = page.text_content(".hoverlayer")
    assert "Red flag: fall or neck injury" in hover and "sent to emergency" in hover
    page.mouse.move(0, 0)  # no hover label or mode bar in the screenshot
    page.set_viewport_size({"width": 1180, "height": 900})
    page.wait_for_timeout(500)  # plotly's responsive resize
    chart = page.locator("#clinician-chart").bounding_box()
    heading = page.locator("h2", has_text="Open alerts").bounding_box()
    assert heading["y"] >= chart["y"] + chart["height"]  # nothing hides under the chart
    keep(page, tmp_path, "patient-chart-desktop.png", full_page=True)


def test_the_dashboard_shows_a_new_alert_without_a_reload(
    browser_page, live_server, clinician, patient, other_patient, settings, tmp_path
):
    settings.DASHBOARD_REFRESH_SECONDS = 1
    chart_history(patient)
    add_history(other_patient, days=30)
    page = browser_page
    urls = record_requests(page)
    log_in_browser(page, live_server, clinician)
    page.goto(f"{live_server.url}/team/patients/")
    page.wait_for_selector("text=Walking 4 vs baseline 6")
    first_stamp = page.text_content("#last-updated")
    page.evaluate("window.__marker = 'same page'")
    Alert.objects.create(
        patient=other_patient,
        rule="rapid_decline",
        severity="urgent",
        date=other_patient.local_today(),
        evidence="Fell 4 points in 3 days",
    )
    page.wait_for_selector("text=Fell 4 points in 3 days", timeout=10000)
    assert page.evaluate("window.__marker") == "same page"  # refreshed in place, not reloaded
    assert page.text_content(".dash-row .name") == "Brian Cox"  # the urgent alert went to the top
    assert page.text_content("#last-updated") >= first_stamp
    assert not any("plotly" in u for u in urls)
    keep(page, tmp_path, "dashboard-phone.png", full_page=True)
    page.set_viewport_size({"width": 1180, "height": 800})
    keep(page, tmp_path, "dashboard-desktop.png", full_page=True)


def test_the_patient_sees_their_own_chart(browser_page, live_server, patient, tmp_path):
    chart_history(patient)
    page = browser_page
    log_in_browser(page, live_server, patient.user)
    urls = record_requests(page)
    page.goto(f"{live_server.url}/today/")
    page.wait_for_selector("#my-progress svg.trend-svg polyline", timeout=15000)
    assert "About the same as when you started." in page.text_content(".progress-words")
    # Drawn on the server: no chart library (the small offline and sign-out scripts are not charts).
    assert not any("plotly" in u or u.endswith("charts.js") for u in urls), urls
    box = page.locator("#my-progress svg.trend-svg").bounding_box()
    assert 300 <= box["width"] <= 360 and box["height"] > 140  # fills the phone's column
    keep(page, tmp_path, "patient-own-chart.png", full_page=True)


def test_the_visit_report_prints(browser_page, live_server, clinician, patient, tmp_path):
    chart_history(patient)
    page = browser_page
    log_in_browser(page, live_server, clinician)
    page.goto(f"{live_server.url}/team/patients/{patient.pk}/report/")
    page.wait_for_selector("#report-chart .main-svg", timeout=15000)
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    page.wait_for_timeout(300)  # plotly resizes to the paper width
    assert page.locator(".filters").is_hidden() and page.locator(".topbar").is_hidden()
    keep(page, tmp_path, "report-print.png", full_page=True)
    pdf = tmp_path / "visit-report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
    shutil.copy(pdf, SHOTS / "visit-report-a4.pdf")
