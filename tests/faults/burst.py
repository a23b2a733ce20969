"""A burst of check-ins from a small cohort, through the real HTML form and API, and what it should leave behind."""

import re
from collections import Counter
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.models import Alert, Delivery
from patients.models import Patient
from patients.tokens import token_issue
from tests.conftest import GOOD_ANSWERS, emails_in, make_patient
from tracker.models import CheckIn

RED_FLAGS = ("rf_bladder_bowel", "rf_saddle_numbness", "rf_weakness", "rf_fall_injury", "rf_breathing")


def make_cohort(team, count: int) -> list[Patient]:
    return [make_patient(team, f"burst.{i}", f"Burst{i}", "Patient") for i in range(count)]


class Door:
    """One patient's two ways in: a logged-in browser session and a phone with a token."""

    def __init__(self, patient: Patient):
        self.patient = patient
        self.html = Client()
        self.html.force_login(patient.user)
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=patient.user).key}")

    def post_form(self, *, red_flag: bool):
        answers = {key: str(value) for key, value in GOOD_ANSWERS.items()}
        answers.update({key: "no" for key in RED_FLAGS})
        if red_flag:
            answers["rf_weakness"] = "yes"
        return self.html.post(reverse("checkin"), answers)

    def post_api(self, *, days_ago: int, red_flag: bool, key: str | None = None):
        body = {**GOOD_ANSWERS, "date": (self.patient.local_today() - timedelta(days=days_ago)).isoformat()}
        if red_flag:
            body["rf_bladder_bowel"] = True
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        return self.api.post(reverse("api-checkins"), body, format="json", **headers)


def emails_per_alert(mail_dir) -> Counter:
    """How many alert emails the worker wrote for each alert id (the email links to /alerts/<id>/)."""
    found = Counter()
    for message in emails_in(mail_dir):
        match = re.search(r"/alerts/(\d+)/", message.get_payload())
        if match:
            found[int(match.group(1))] += 1
    return found


def outbox_pending(patients) -> int:
    """Patients with a saved check-in that no evaluation has read yet."""
    return sum(
        1
        for p in Patient.objects.filter(pk__in=[p.pk for p in patients])
        if p.checkins_received != p.checkins_evaluated
    )


def deliveries_unsent(patients) -> int:
    return Delivery.objects.filter(alert__patient__in=patients).exclude(status=Delivery.Status.SENT).count()


def red_flag_alerts(patients) -> Counter:
    rows = Alert.objects.filter(patient__in=patients, rule="red_flag", severity="urgent")
    return Counter(rows.values_list("patient_id", flat=True))


def checkins_per_patient(patients) -> Counter:
    return Counter(CheckIn.objects.filter(patient__in=patients).values_list("patient_id", flat=True))
