"""Bytes a patient's phone downloads on a first visit to the check-in and "My days", under production settings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/myelotrack_bench_weight \\
        .venv/bin/python bench/bench_weight.py [--days 120] [--port 8765]

Production-like: DEBUG off, `collectstatic` into a temporary STATIC_ROOT with
the production storage (WhiteNoise's CompressedManifestStaticFilesStorage:
hashed names and .gz copies), served by gunicorn with WhiteNoise as in
production. A real Chromium (Debian's, through Playwright) logs a patient
with a year-like history in once, then opens each page in a fresh context
(an empty cache, only the session cookie) and every response's encoded body
and headers are added up as Chromium reports them: what crossed the wire.

Django does not compress HTML itself (a response carrying a CSRF token is
not gzipped by the app, because of BREACH); a proxy in front usually does.
So the HTML is reported as sent and as gzip -6 would send it, and the
target uses the gzip size: each page at most 60 kB compressed, everything included.
"""

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import ensure_database, free_port, gunicorn, machine  # noqa: E402  (bench/ is the script's own folder)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/myelotrack_bench_weight"
TARGET_BYTES = 60 * 1024
USERNAME = "bench.weight.patient"
PASSWORD = "bench-weight-not-a-secret-42"
PAGES = ("/checkin/", "/today/")


def production_env(url: str, static_root: str, port: int) -> dict:
    env = dict(os.environ)
    for key in ("STATIC_STORAGE", "DEBUG"):  # the production defaults, not a caller's test settings
        env.pop(key, None)
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-only-not-secret",
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=static_root,
        # Plain HTTP on 127.0.0.1: the TLS settings are about the proxy, not the bytes.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        MYELOTRACK_VAR_DIR=str(ROOT / "var" / "bench"),
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


def populate(days: int) -> None:
    """One patient with `days` of check-ins (a dip and a red flag long ago), a baseline and a resolved alert."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from notifications.models import Alert
    from patients.models import CareTeam, Patient, User
    from tracker.models import Baseline, CheckIn

    User.objects.filter(username=USERNAME).delete()
    team, _ = CareTeam.objects.get_or_create(name="Bench weight clinic", defaults={"phone": "+44 20 7946 0101"})
    user = User(username=USERNAME, role=User.Role.PATIENT, first_name="Ada", last_name="Weight")
    user.set_password(PASSWORD)
    user.save()
    patient = Patient.objects.create(
        user=user,
        care_team=team,
        first_name="Ada",
        last_name="Weight",
        date_of_birth="1955-04-01",
        timezone="Europe/London",
    )
    today = patient.local_today()
    Patient.objects.filter(pk=patient.pk).update(enrolled_at=patient.enrolled_at - timedelta(days=days))
    start = today - timedelta(days=days)
    rows = []
    for i in range(days):
        fm, g, s, b = (4, 6, 2, 3) if i % 6 else (4, 5, 2, 3)
        if days // 2 <= i < days // 2 + 12:
            fm, g, s, b = 3, 4, 1, 2
        c = CheckIn(patient=patient, date=start + timedelta(days=i), fine_motor=fm, gait=g, sensation=s, bladder=b)
        c.note = "Stiff neck in the morning" if i % 10 == 0 else ""
        c.compute_derived()
        rows.append(c)
    CheckIn.objects.bulk_create(rows)
    parts = {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 3, "total": 15}
    Baseline.objects.create(patient=patient, method="automatic", effective_from=start + timedelta(days=7), **parts)
    Alert.objects.create(
        patient=patient,
        rule="sustained_decline",
        severity="high",
        status="resolved",
        date=start + timedelta(days=days // 2 + 5),
        evidence="Total 10 vs baseline 15",
    )


def measure(browser, base: str, cookies: list, path: str) -> dict:
    """Every response of one first load: (url, type, encoding, body bytes on the wire, header bytes)."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.add_cookies(cookies)
    page = context.new_page()
    done = []
    page.on("requestfinished", lambda request: done.append(request))
    page.goto(f"{base}{path}")
    page.wait_for_load_state("networkidle")
    rows, html = [], b""
    for request in done:
        response = request.response()
        sizes = request.sizes()
        body = response.body()
        if request.resource_type == "document":
            html = body
        rows.append(
            {
                "url": request.url.removeprefix(base),
                "type": request.resource_type,
                "status": response.status,
                "encoding": response.headers.get("content-encoding", "-"),
                "wire": sizes["responseBodySize"],
                "headers": sizes["responseHeadersSize"],
                "raw": len(body),
            }
        )
    context.close()
    html_gz = len(gzip.compress(html, 6))
    static = sum(r["wire"] + r["headers"] for r in rows if r["type"] != "document")
    doc = next(r for r in rows if r["type"] == "document")
    return {
        "rows": rows,
        "html_raw": len(html),
        "html_gz": html_gz,
        "total_as_sent": sum(r["wire"] + r["headers"] for r in rows),
        "total_gz_html": static + html_gz + doc["headers"],
        "has_plotly": any("plotly" in r["url"] for r in rows) or b"plotly" in html.lower(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=120, help="days of check-in history")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    port = free_port(args.port)
    base = f"http://127.0.0.1:{port}"

    with tempfile.TemporaryDirectory(prefix="myelotrack-static-") as static_root:
        env = production_env(url, static_root, port)
        os.environ.update(env)
        os.environ.pop("STATIC_STORAGE", None)
        populate(args.days)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        gz = sum(1 for _ in Path(static_root).rglob("*.gz"))
        # What the chart library alone would add back (the patient chart used it before it became an SVG).
        plotly_gz = sum(
            p.stat().st_size
            for pattern in (
                "vendor/plotly/plotly-basic.min.*.js.gz",
                "vendor/plotly/plotly.*.css.gz",
                "js/charts.*.js.gz",
            )
            for p in Path(static_root).glob(pattern)
        )
        with gunicorn(env, port, workers=1):
            results = browse(base)

    print(f"machine: {machine()}")
    print(f"collectstatic: production storage, {gz} .gz files; gunicorn + WhiteNoise, DEBUG off; {args.days} days")
    print(f"for comparison, plotly-basic.min.js + plotly.css + charts.js gzipped: {plotly_gz:,} B")
    ok = True
    for path, r in results.items():
        print(f"\n{path}")
        for row in r["rows"]:
            print(
                f"  {row['status']} {row['type']:<10} {row['encoding']:<5} wire {row['wire']:>7,} B"
                f" + headers {row['headers']:>5,} B (decoded {row['raw']:>7,} B)  {row['url']}"
            )
        print(f"  HTML {r['html_raw']:,} B as sent, {r['html_gz']:,} B gzip -6")
        print(f"  total as sent: {r['total_as_sent']:,} B; with gzipped HTML: {r['total_gz_html']:,} B")
        met = r["total_gz_html"] <= TARGET_BYTES and not r["has_plotly"]
        ok &= met
        print(f"  target <= {TARGET_BYTES:,} B compressed, no plotly: {'met' if met else 'NOT met'}")
    sys.exit(0 if ok else 1)


def browse(base: str) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        try:
            login = browser.new_context()
            page = login.new_page()
            page.goto(f"{base}/login/")
            page.fill("#id_username", USERNAME)
            page.fill("#id_password", PASSWORD)
            page.click("button:has-text('Log in')")
            page.wait_for_url("**/today/")
            cookies = login.cookies()  # the session and CSRF cookies a returning patient has
            login.close()
            return {path: measure(browser, base, cookies, path) for path in PAGES}
        finally:
            browser.close()


if __name__ == "__main__":
    main()
