"""Server time and size of one patient's FHIR export over two years of daily check-ins.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/myelotrack_bench_fhir \\
        .venv/bin/python bench/bench_fhir.py [--days 730] [--runs 10]

Builds a small cohort (bench_dashboard's builder, 3 patients) in its own
database, kept between runs. Times, through Django's test Client with a
token (the whole server side), the whole-record download (`_count=all`,
streamed, consumed to the last byte), one default searchset page (100
check-ins) and following every `next` link to the end. Results go into
docs/api.md and docs/benchmarks.md.
"""

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dashboard import TEAM, populate, setup_django, summary, timed  # noqa: E402
from common import ensure_database, machine  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/myelotrack_bench_fhir"
PATIENTS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    # The test Client speaks plain http: no redirect to https in front of the timing.
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    setup_django(url)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from patients.models import CareTeam, Patient, User
    from patients.tokens import token_issue
    from tracker.models import CheckIn

    call_command("migrate", verbosity=0)
    team = CareTeam.objects.filter(name=TEAM).first()
    patient = team and Patient.objects.filter(care_team=team).order_by("pk").first()
    first = CheckIn.objects.filter(patient=patient).order_by("date").first() if patient else None
    # The builder skips some days (adherence under 100 %): compare the span, not the count.
    if first is None or (date.today() - first.date).days + 1 != args.days:
        if team is not None:
            Patient.objects.filter(care_team=team).delete()
            team.delete()
            User.objects.filter(username="bench.nurse").delete()
        populate(PATIENTS, args.days)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        team = CareTeam.objects.get(name=TEAM)
        patient = Patient.objects.filter(care_team=team).order_by("pk").first()
    nurse = User.objects.get(username="bench.nurse")
    client = Client(HTTP_AUTHORIZATION=f"Token {token_issue(user=nurse).key}")
    path = f"/api/v1/patients/{patient.pk}/fhir/"
    n = CheckIn.objects.filter(patient=patient).count()

    def everything() -> bytes:
        response = client.get(path, {"_count": "all"})
        assert response.status_code == 200, response.status_code
        return b"".join(response.streaming_content)

    def one_page() -> bytes:
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return response.content

    def every_page() -> int:
        pages, link = 0, path
        while link:
            bundle = client.get(link).json()
            pages += 1
            link = next((x["url"] for x in bundle["link"] if x["relation"] == "next"), None)
        return pages

    print(f"machine: {machine()}; load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; {n} check-ins for the patient")
    body = everything()
    bundle = json.loads(body)
    print(f"_count=all: {len(body) / 1024:.0f} KiB, {len(bundle['entry'])} entries")
    print(f"one page (100 check-ins): {len(one_page()) / 1024:.0f} KiB; {every_page()} pages in all")
    for label, fn in (("_count=all (streamed)", everything), ("one page of 100", one_page), ("every page", every_page)):
        fn()
        with CaptureQueriesContext(connection) as ctx:
            fn()
        print(summary(f"{label} [{len(ctx.captured_queries)} q]", timed(fn, args.runs)))


if __name__ == "__main__":
    main()
