"""First-load bytes (and, when Lighthouse is at hand, LCP and TBT) of the clinician chart page, under production settings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/myelotrack_bench_chart \\
        .venv/bin/python bench/bench_clinician_chart.py [--days 365] [--lighthouse /tmp/lh]
    DATABASE_URL=... REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/bench_clinician_chart.py --server-time [--days 365] [--runs 60]

With --server-time nothing is served or browsed: the chart page (1 year and
90 days) is timed in-process through Django's test Client with DEBUG off (the
whole server side: session, middleware, the reads, the figure, the
template), beside a bare logged-in page through the same middleware
(bench/bare_urls.py) in the same run, alternating, medians and 90th
percentiles, wall and CPU (time.process_time) time; the 1-year page also
with a cache that keeps nothing (the first load after a change: all of the
page below the patient's name is cached per patient and range as HTML,
clinic/chart_page.py; with REDIS_URL set the cache is Redis, as in
production); also the figure alone,
as plain data and as the plotly.graph_objects figure it replaced, the cache
key, the page's cached part and its template. Target: the 1-year page under 25 ms.

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

from bench_weight import measure, populate, production_env  # noqa: E402
from common import ensure_database, free_port, gunicorn, machine  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/myelotrack_bench_chart"
CLINICIAN = "bench.chart.nurse"
NOT_CACHED = "chart page, 1 year, not cached"


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
    parser.add_argument("--server-time", action="store_true", help="time the page in-process instead (no browser)")
    parser.add_argument("--runs", type=int, default=60, help="requests per page with --server-time")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    if args.server_time:
        server_time(url, args.days, args.runs)
        return
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
        pages = (f"/team/patients/{pk}/?range=90d", f"/team/patients/{pk}/?range=1y", f"/team/patients/{pk}/report/")
        with gunicorn(env, port, workers=2):
            results = browse(base, [{"name": name, "value": value, "url": base}], pages)
            lh = lighthouse(args.lighthouse, f"{base}{pages[1]}", f"{name}={value}") if args.lighthouse else None

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


def server_time(url: str, days: int, runs: int) -> None:
    import statistics
    import time

    with tempfile.TemporaryDirectory(prefix="myelotrack-static-") as static_root:
        env = production_env(url, static_root, 0) | {
            "TWO_FACTOR_REQUIRED": "false",
            "ALLOWED_HOSTS": "testserver",
            # No collectstatic: the plain storage needs no manifest of hashed names.
            "STATIC_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)
        populate(days)
        from django.db import connection
        from django.test import Client
        from django.test.utils import override_settings

        from patients.models import Patient, User

        clinician_session()
        client = Client()
        client.force_login(User.objects.get(username=CLINICIAN))
        pk = Patient.objects.get(user__username="bench.weight.patient").pk
        pages = {
            "bare logged-in page (yardstick)": "/bench/bare/",
            "chart page, 1 year": f"/team/patients/{pk}/?range=1y",
            "chart page, 90 days": f"/team/patients/{pk}/?range=90d",
            NOT_CACHED: f"/team/patients/{pk}/?range=1y",
        }
        # The page below the patient's name comes from the cache (clinic.chart_page) after
        # the first load; NOT_CACHED runs with a cache that keeps nothing: what
        # the first load after a change costs.
        no_cache = override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
        times: dict[str, list[float]] = {name: [] for name in pages}
        # CPU time beside wall time: under load 3 on 2 vCPUs the wall clock mostly
        # measures waiting for a CPU; process_time counts this process's own work
        # (not PostgreSQL's, which runs in its own process).
        cpu: dict[str, list[float]] = {name: [] for name in pages}
        with override_settings(ROOT_URLCONF="bare_urls"):
            for path in pages.values():  # warm: templates compiled, plotly's template read once
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            statements = []
            with connection.execute_wrapper(lambda execute, sql, *rest: statements.append(sql) or execute(sql, *rest)):
                client.get(pages["chart page, 1 year"])
            uncached_statements = []
            with (
                no_cache,
                connection.execute_wrapper(lambda ex, sql, *rest: uncached_statements.append(sql) or ex(sql, *rest)),
            ):
                client.get(pages[NOT_CACHED])
            for _ in range(runs):
                for name, path in pages.items():
                    if name == NOT_CACHED:
                        no_cache.enable()
                    c0, t0 = time.process_time(), time.perf_counter()
                    client.get(path)
                    times[name].append(time.perf_counter() - t0)
                    cpu[name].append(time.process_time() - c0)
                    if name == NOT_CACHED:
                        no_cache.disable()
        figure = figure_times(pk, runs)
        figure.update(template_times(pk, runs))

    print(
        f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print(f"in-process test Client, DEBUG off, {days} days of check-ins, {runs} alternating rounds")
    bare = statistics.median(times["bare logged-in page (yardstick)"])
    bare_cpu = statistics.median(cpu["bare logged-in page (yardstick)"])
    for name, values in times.items():
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        cpu_median = statistics.median(cpu[name])
        print(
            f"  {name:<34} median {median * 1000:6.2f} ms  p90 {p90 * 1000:6.2f} ms  = {median / bare:4.1f}x the bare page;"
            f" CPU {cpu_median * 1000:6.2f} ms = {cpu_median / bare_cpu:4.1f}x"
        )
    print(f"  SQL statements for the 1-year page: {len(statements)} (not cached: {len(uncached_statements)})")
    for sql in statements:
        print(f"    {' '.join(sql.split())[:150]}")
    for name, value in figure.items():
        print(f"  {name:<34} median {value * 1000:6.2f} ms")


def figure_times(pk: int, runs: int) -> dict:
    """The 1-year figure alone: as plain data (what the page sends) and as the plotly.graph_objects figure it replaced."""
    import statistics
    import time

    sys.path.insert(0, str(ROOT))
    from clinic.chart_page import chart_page_key
    from patients.models import Patient
    from tests.tracker.plotly_reference import reference_figure
    from tracker.charts import clinician_figure_data, figure_json
    from tracker.trends import range_bounds, trend_series

    patient = Patient.objects.get(pk=pk)
    start, end = range_bounds("1y", patient=patient)
    data = trend_series(patient=patient, start=start, end=end)
    out = {}
    for name, build, n in (
        ("figure as plain data + JSON", lambda: figure_json(clinician_figure_data(data)), runs),
        ("figure via plotly.graph_objects", lambda: reference_figure(data).to_json(), max(5, runs // 10)),
        ("trend_series (the reads)", lambda: trend_series(patient=patient, start=start, end=end), runs),
        (
            "the cache key on its own (1 statement)",
            lambda: chart_page_key(patient=patient, range_key="1y", today=end),
            runs,
        ),
    ):
        values = []
        for _ in range(n):
            t0 = time.perf_counter()
            build()
            values.append(time.perf_counter() - t0)
        out[name] = statistics.median(values)
    return out


def template_times(pk: int, runs: int) -> dict:
    """The 1-year page's cached part (its digest and the cache read) and the page's template alone (with the context processors)."""
    import statistics
    import time

    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from clinic.chart_page import chart_page_annotations, patient_chart_page
    from patients.models import Patient, User

    patient = Patient.objects.select_related("care_team", "user", "contact").get(pk=pk)
    request = RequestFactory().get(f"/team/patients/{pk}/?range=1y")
    request.user = User.objects.get(username=CLINICIAN)
    request.session = {}
    context = {"patient": patient, "chart": patient_chart_page(patient=patient, range_key="1y")}
    with_digest = Patient.objects.select_related("care_team").annotate(**chart_page_annotations())
    out = {}
    for name, build in (
        (
            "cached part (digest read + cache)",
            lambda: patient_chart_page(patient=with_digest.get(pk=pk), range_key="1y"),
        ),
        ("template render", lambda: render_to_string("clinic/patient_detail.html", context, request=request)),
    ):
        values = []
        for _ in range(runs):
            t0 = time.perf_counter()
            build()
            values.append(time.perf_counter() - t0)
        out[name] = statistics.median(values)
    return out


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
