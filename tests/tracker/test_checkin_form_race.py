"""Two first check-ins of the day from the HTML form at once (a double tap on Save, two tabs).

Made to race for real in PostgreSQL: an outside connection holds a SHARE lock
on the check-in table, which lets both requests look for today's row (none
yet) and stops both at their INSERT; letting go makes one of them meet the
unique (patient, date) index with the other's row.
"""

import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from tests.tracker.conftest import outside_connection
from tests.tracker.test_checkin_views import form_data
from tracker.models import CheckIn, CheckInRevision

WAITING_INSERTS = """
    SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
    WHERE c.relname = 'tracker_checkin' AND NOT l.granted
"""


@pytest.mark.django_db(transaction=True)
def test_two_first_submissions_racing_are_both_answered_and_the_day_is_stored_once(patient):
    if connection.vendor != "postgresql":
        pytest.skip("the race is staged with PostgreSQL table locks")
    answers: list = []

    def submit(gait: str) -> None:
        # The test client's re-raise listens for every thread's exceptions: a status is what a phone gets.
        client = Client(raise_request_exception=False)
        client.force_login(patient.user)
        try:
            answers.append(client.post(reverse("checkin"), form_data(gait=gait)).status_code)
        finally:
            connections.close_all()

    outside = outside_connection()
    outside.execute("LOCK TABLE tracker_checkin IN SHARE MODE")
    threads = [threading.Thread(target=submit, args=(gait,)) for gait in ("6", "5")]
    for t in threads:
        t.start()
    until = time.monotonic() + 20
    while outside.execute(WAITING_INSERTS).fetchone()[0] < 2 and time.monotonic() < until:
        time.sleep(0.05)
    staged = outside.execute(WAITING_INSERTS).fetchone()[0]
    outside.rollback()
    outside.close()
    for t in threads:
        t.join(timeout=30)

    assert staged == 2, "both submissions should have reached their INSERT"
    assert answers == [302, 302]  # both saved and confirmed; before, the later one was a 500
    assert CheckIn.objects.filter(patient=patient).count() == 1
    # The later one is an update of the earlier, whose answers are kept as a revision.
    assert CheckInRevision.objects.filter(checkin__patient=patient).count() == 1
