"""First-load bytes (and, when Lighthouse is at hand, LCP and TBT) of the clinician chart page, under production settings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/myelotrack_bench_chart \\
        .venv/bin/python bench/bench_clinician_chart.py [--days 365] [--lighthouse /tmp/lh]

Same set-up as bench_weight.py (DEBUG off, collectstatic with WhiteNoise's
compressed manifest storage, gunicorn), with a clinician of the patient's
team. TWO_FACTOR_REQUIRED is off for the run: the measured page is the
chart, not the second-factor prompt in front of it. Each page is opened in a
fresh Chromium context (empty cache, only the session cookie); bytes are
Chromium's count of what crossed the wire. With --lighthouse DIR (a folder
where `npm install lighthouse` was run) Lighthouse's desktop preset is run
against the 1-year chart with the session cookie, and its LCP and total
blocking time printed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_weight import free_port, measure, populate, production_env, wait_up  # noqa: E402
from common import ensure_database, machine  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/myelotrack_bench_chart"
CLINICIAN = "bench.chart.nurse"


def clinician_session() -> tuple[str, str, int]:
    """A clinician of the bench patient's team and a session for them: (cookie name, value, patient pk)."""
    from django.conf import settings
    from django.test import Client

    from patients.models import CareTeamMembership, Patient, User

    patient = Patient.objects.get(user__username="bench.weight.patient")
    User.objects.filter(username=CLINICIAN).delete()
    user = User.objects.create_user(CLINICIAN, role=User.Role.CLINICIAN, first_name="Nia", last_name="Nurse")
    CareTeamMembership.objects.create(team=patient.care_team, user=user, team_role="nurse")
    client = Client()
    client.force_login(user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value, patient.pk


def lighthouse(folder: str, url: str, cookie: str) -> dict:
    out = Path(tempfile.mkdtemp(prefix="myelotrack-lh-")) / "report.json"
    subprocess.run(
        ["npx", "lighthouse", url, "--preset=desktop", "--quiet", f"--extra-headers={json.dumps({'Cookie': cookie})}"]
        + ["--chrome-flags=--headless=new --no-sandbox", "--output=json", f"--output-path={out}"],
        cwd=folder,
        env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
        check=True,
        timeout=240,
    )
    report = json.loads(out.read_text())
    audits = report["audits"]
    return {
        "performance": round(100 * report["categories"]["performance"]["score"]),
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "bytes": audits["total-byte-weight"]["numericValue"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365, help="days of check-in history")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--lighthouse", help="folder with lighthouse installed by npm (optional)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    port = free_port(args.port)
    base = f"http://127.0.0.1:{port}"

    with tempfile.TemporaryDirectory(prefix="myelotrack-static-") as static_root:
        env = production_env(url, static_root, port) | {"TWO_FACTOR_REQUIRED": "false"}
        os.environ.update(env)
        populate(args.days)
        name, value, pk = clinician_session()
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "2"]
            + ["--no-control-socket"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        pages = (f"/team/patients/{pk}/?range=90d", f"/team/patients/{pk}/?range=1y", f"/team/patients/{pk}/report/")
        try:
            wait_up(base, server)
            results = browse(base, [{"name": name, "value": value, "url": base}], pages)
            lh = lighthouse(args.lighthouse, f"{base}{pages[1]}", f"{name}={value}") if args.lighthouse else None
        finally:
            server.terminate()
            server.wait(timeout=15)

    print(f"machine: {machine()}")
    print(f"gunicorn (2 workers) + WhiteNoise, DEBUG off, collectstatic; {args.days} days of check-ins")
    for path, r in results.items():
        print(f"\n{path}")
        for row in r["rows"]:
            print(
                f"  {row['status']} {row['type']:<10} {row['encoding']:<5} wire {row['wire']:>9,} B"
                f" + headers {row['headers']:>5,} B (decoded {row['raw']:>9,} B)  {row['url']}"
            )
        print(f"  HTML {r['html_raw']:,} B as sent, {r['html_gz']:,} B gzip -6")
        print(f"  total as sent: {r['total_as_sent']:,} B; with gzipped HTML: {r['total_gz_html']:,} B")
    if lh:
        print(
            f"\nLighthouse desktop {pages[1]}: performance {lh['performance']}, FCP {lh['fcp_ms']:.0f} ms,"
            f" LCP {lh['lcp_ms']:.0f} ms, TBT {lh['tbt_ms']:.0f} ms, {lh['bytes']:,.0f} B"
        )


def browse(base: str, cookies: list, pages: tuple) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        try:
            return {path: measure(browser, base, cookies, path) for path in pages}
        finally:
            browser.close()


if __name__ == "__main__":
    main()
