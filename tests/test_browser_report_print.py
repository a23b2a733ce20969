"""Real Chromium prints the visit report (page.pdf) on A4 and US Letter.

Page 1 holds the summary table and the whole period's chart, from a desktop
window and from a phone-width one; the chart's last date is the period's end;
the rest of the report follows, broken only between sections.
"""

import re
import shutil
import zlib
from datetime import timedelta

import pytest

from tests.conftest import chromium_page, log_in_browser
from tests.test_browser_chart import SHOTS, chart_history

pytestmark = pytest.mark.browser

# Printable area in CSS px (96 per inch) inside print.css's @page margins
# (12 mm each side; on the first page 10 mm top and 14 mm bottom).
MM = 96 / 25.4
PAPER = {"A4": (210, 297), "Letter": (215.9, 279.4)}


def printable(paper: str) -> tuple[int, int]:
    width, height = PAPER[paper]
    return int((width - 24) * MM), int((height - 24) * MM)


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def pdf_scale(pdf: bytes) -> float:
    """PDF points per CSS px on page 1: 0.75 at 96 dpi; less when Chromium shrank an over-wide page to fit.

    Chromium (Skia) opens each page's content stream with a device transform
    and then the page's own; their product is the scale the page printed at.
    """
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        scales = re.findall(rb"([-\d.]+) 0 0 [-\d.]+ [-\d.]+ [-\d.]+ cm", text)
        if len(scales) >= 2:
            return float(scales[0]) * float(scales[1])
    raise AssertionError("no page content stream in the PDF")


@pytest.fixture
def print_page(chromium_path, live_server):
    """Chromium with the page's CSP bypassed for this test's own stylesheet only (cutting the report after the chart)."""
    with chromium_page(chromium_path, viewport={"width": 1280, "height": 800}, bypass_csp=True) as page:
        yield page


def last_date_in_print_picture(page) -> str:
    """The last tick label of the date axis inside the SVG picture that is printed."""
    return page.evaluate(
        """() => {
          const src = document.querySelector('#report-chart + img.chart-print').src;
          const svg = decodeURIComponent(src.slice(src.indexOf(',') + 1));
          const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
          // The date labels ("24 Aug 2026", "2 Dec"); the export keeps no tick classes.
          const ticks = [...doc.querySelectorAll('text')].filter(t => /^\d{1,2} [A-Z][a-z]{2}( \d{4})?$/.test(t.textContent));
          const x = t => parseFloat((t.getAttribute('transform') || '').split('(')[1] || 0);
          ticks.sort((a, b) => x(a) - x(b));
          return ticks.length ? ticks[ticks.length - 1].textContent : '';
        }"""
    )


@pytest.mark.parametrize("window", [1280, 390])
def test_the_report_prints_its_whole_chart_on_page_1_of_a4_and_letter(
    print_page, live_server, clinician, patient, tmp_path, window
):
    chart_history(patient)
    end = patient.local_today()
    start = end - timedelta(days=100)
    page = print_page
    page.set_viewport_size({"width": window, "height": 800})
    log_in_browser(page, live_server, clinician)
    page.goto(f"{live_server.url}/team/patients/{patient.pk}/report/?start={start}&end={end}")
    page.wait_for_selector("#report-chart[data-rendered=true]", timeout=20000)
    assert last_date_in_print_picture(page) == f"{end.day} {end:%b}"

    for paper in PAPER:
        whole = page.pdf(format=paper, print_background=True)
        assert whole.startswith(b"%PDF") and pdf_pages(whole) >= 2  # the alerts, events and notes follow
        # Printed at full size: a window-wide chart used to make Chromium shrink the whole page (to 0.5).
        assert pdf_scale(whole) == pytest.approx(0.75, abs=0.01), paper
        (tmp_path / f"report-{paper}-{window}.pdf").write_bytes(whole)

        # Everything up to and including the chart, laid out by the same print
        # code on the same paper, is one page: so the chart sits on page 1.
        cut = page.add_style_tag(content="main section:not(.keep), .print-foot { display: none !important; }")
        first = page.pdf(format=paper, print_background=True)
        assert pdf_pages(first) == 1, f"{paper}: header, summary and chart need {pdf_pages(first)} pages"
        cut.evaluate("el => el.remove()")

    for paper in PAPER:
        # Nothing clipped: laid out at the paper's printable width, the whole
        # picture is inside the page, below the summary table.
        width, height = printable(paper)
        page.emulate_media(media="print")
        page.set_viewport_size({"width": width, "height": height})
        boxes = page.evaluate(
            """() => {
              const box = s => document.querySelector(s).getBoundingClientRect().toJSON();
              return {img: box('img.chart-print'), table: box('table.changes'),
                      live: getComputedStyle(document.querySelector('#report-chart')).display};
            }"""
        )
        img, table = boxes["img"], boxes["table"]
        assert boxes["live"] == "none"  # the window-sized live chart is not what prints
        assert img["width"] > 0.9 * width and img["left"] >= 0 and img["right"] <= width + 1, (paper, img)
        assert img["top"] >= table["bottom"] and img["bottom"] <= height, (paper, img, height)
        page.emulate_media(media="null")  # not "screen": page.pdf() would then print screen styles
        page.set_viewport_size({"width": window, "height": 800})
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / f"report-A4-{window}.pdf", SHOTS / f"report-A4-from-{window}px.pdf")
