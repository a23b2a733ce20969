"""manage.py seed_demo: the documented accounts, 33 patients with 6-12 months, safe by default."""

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min

from clinic.demo import DEMO_PASSWORD
from patients.models import CareTeam, CareTeamMembership, Patient, PatientEvent, User
from tracker.models import Baseline, CheckIn

pytestmark = pytest.mark.django_db


TEAM_A_PATIENTS = [f"patient.a{i}" for i in range(1, 31)]
TEAM_B_PATIENTS = ["patient.b1", "patient.b2", "patient.b3"]


def seed(*args):
    call_command("seed_demo", "--force", "--no-evaluate", *args)


def test_it_refuses_to_run_when_debug_is_off_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", "--days", "5")
    assert not User.objects.exists()


def test_it_runs_without_force_when_debug_is_on(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--days", "5", "--no-evaluate")
    assert Patient.objects.count() == 33


def test_the_full_seed_creates_the_documented_accounts_and_6_to_12_months_of_history():
    seed()
    team_a, team_b = CareTeam.objects.get(name="Spine Clinic A"), CareTeam.objects.get(name="Spine Clinic B")
    roles = dict(CareTeamMembership.objects.values_list("user__username", "team_role"))
    assert roles == {"nurse.a": "nurse", "doctor.a": "physician", "physio.a": "physiotherapist", "nurse.b": "nurse"}
    assert set(CareTeamMembership.objects.filter(team=team_b).values_list("user__username", flat=True)) == {"nurse.b"}
    assert sorted(team_a.patients.values_list("user__username", flat=True)) == sorted(TEAM_A_PATIENTS)
    assert sorted(team_b.patients.values_list("user__username", flat=True)) == sorted(TEAM_B_PATIENTS)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.role == User.Role.ADMIN
    assert User.objects.filter(username__startswith="patient.", role=User.Role.PATIENT).count() == 33

    # One shared hash, so one real password check covers every account.
    assert User.objects.values("password").distinct().count() == 1
    assert authenticate(username="patient.a1", password=DEMO_PASSWORD) is not None
    assert authenticate(username="patient.a1", password="wrong") is None

    spans = Patient.objects.annotate(first=Min("checkins__date"), last=Max("checkins__date"), n=Count("checkins"))
    for p in spans:
        months = (p.local_today() - p.first).days / 30.4
        assert 6 <= months <= 12.1, (p, months)
        assert p.last >= p.local_today() - timedelta(days=7) or p.user.username == "patient.a13", p
        assert p.n >= 0.55 * (p.last - p.first).days, p  # daily, apart from the gaps
    assert CheckIn.objects.count() > 33 * 150


def test_the_histories_hold_the_cases_the_dashboard_needs():
    seed()
    per_patient = {p.user.username: p for p in Patient.objects.select_related("user")}
    totals = {
        name: list(CheckIn.objects.filter(patient=p).order_by("date").values_list("total", flat=True))
        for name, p in per_patient.items()
    }

    def drop(name):  # first month's mean minus the last month's
        t = totals[name]
        return sum(t[:30]) / 30 - sum(t[-20:]) / 20

    assert abs(drop("patient.a1")) < 1  # stable
    assert 1.5 < drop("patient.a3") and 1.5 < drop("patient.b2")  # slow progressors
    assert drop("patient.a17") > 2.5  # fast progressor
    assert CheckIn.objects.filter(red_flag=True).values("patient").distinct().count() >= 3
    # Gaps: a fortnight without check-ins, and one patient who stopped a week ago.
    a7 = list(CheckIn.objects.filter(patient=per_patient["patient.a7"]).values_list("date", flat=True))
    assert max((b - a).days for a, b in zip(a7, a7[1:], strict=False)) > 14
    # Surgery and recovery, with the clinician's re-baseline after it.
    surgery = PatientEvent.objects.get(kind="surgery")
    rebaseline = Baseline.objects.get(patient=surgery.patient)
    assert rebaseline.method == Baseline.Method.REBASELINE and rebaseline.effective_from > surgery.date
    before = CheckIn.objects.filter(patient=surgery.patient, date__lt=surgery.date).order_by("-date")[:14]
    after = CheckIn.objects.filter(patient=surgery.patient).order_by("-date")[:14]
    assert sum(c.total for c in after) / 14 - sum(c.total for c in before) / 14 >= 2
    assert PatientEvent.objects.filter(kind="physiotherapy_start").count() >= 4
    # Every patient has a follow-up visit 30-60 days ago for "since the last visit".
    for p in per_patient.values():
        ago = sorted((p.local_today() - e.date).days for e in p.events.filter(kind="visit"))[0]
        assert 30 <= ago <= 60, p
    zones = set(Patient.objects.values_list("timezone", flat=True))
    assert "Europe/London" in zones and len(zones) >= 3
    assert Baseline.objects.count() == 1  # the seeder opens no baselines or alerts for ordinary patients


def test_if_empty_does_nothing_the_second_time():
    seed("--days", "10")
    counts = (User.objects.count(), Patient.objects.count(), CheckIn.objects.count())
    call_command("seed_demo", "--force", "--if-empty")
    assert (User.objects.count(), Patient.objects.count(), CheckIn.objects.count()) == counts


def test_a_second_run_without_if_empty_or_reset_refuses():
    seed("--days", "3")
    with pytest.raises(CommandError, match="already exists"):
        seed("--days", "3")


def test_reset_recreates_the_same_histories_from_the_same_seed():
    seed("--days", "20")
    first = sorted(CheckIn.objects.values_list("patient__user__username", "date", "total"))
    seed("--days", "20", "--reset")
    assert sorted(CheckIn.objects.values_list("patient__user__username", "date", "total")) == first
    assert Patient.objects.count() == 33
    seed("--days", "20", "--reset", "--seed", "7")
    assert sorted(CheckIn.objects.values_list("patient__user__username", "date", "total")) != first


def test_days_keeps_only_the_last_days():
    seed("--days", "7")
    for p in Patient.objects.all():
        assert not p.checkins.filter(date__lt=p.local_today() - timedelta(days=6)).exists()


def test_it_runs_detection_afterwards_when_detection_offers_it(monkeypatch):
    import tracker.evaluation

    calls = []
    monkeypatch.setattr(tracker.evaluation, "evaluate_all_patients", lambda: calls.append(1), raising=False)
    call_command("seed_demo", "--force", "--days", "3")
    assert calls == [1]


def test_with_detection_present_the_demo_shows_real_baselines_and_the_recent_red_flag():
    from notifications.models import Alert

    call_command("seed_demo", "--force", "--days", "60")
    assert Baseline.objects.filter(method=Baseline.Method.AUTOMATIC).count() >= 30
    assert Alert.objects.filter(patient__user__username="patient.a11", rule="red_flag", status="open").exists()
    # The demo clinicians have handled a few, through the alert services.
    handled = Alert.objects.get(patient__user__username="patient.b3", rule="red_flag")
    assert handled.status == Alert.Status.ACKNOWLEDGED and handled.acknowledged_by.username == "nurse.b"
