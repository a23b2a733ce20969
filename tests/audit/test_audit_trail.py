"""The audit trail: who saw or changed which patient's data, from where; nobody edits it."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from detection.scales import RED_FLAG_KEYS
from notifications.models import Alert
from notifications.services import alert_acknowledge
from tests.conftest import GOOD_ANSWERS, add_history
from tracker.services import checkin_submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["patient_detail", "patient_report", "patient_report_csv", "event_add"])
def test_a_clinician_opening_a_patient_page_is_recorded_with_page_and_address(client, clinician, patient, name):
    add_history(patient, days=10)
    client.force_login(clinician)
    response = client.get(reverse(name, args=[patient.pk]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    row = AuditEvent.objects.get(action="view")
    assert (row.actor, row.actor_name, row.patient_id, row.what) == (clinician, clinician.username, patient.pk, name)
    assert row.address == "10.1.2.3" and row.path == reverse(name, args=[patient.pk])


def test_opening_an_alert_is_recorded_against_its_patient(client, clinician, patient):
    alert = Alert.objects.create(
        patient=patient, rule="red_flag", severity="urgent", date=patient.local_today(), evidence="Red flag today"
    )
    client.force_login(clinician)
    assert client.get(reverse("alert_detail", args=[alert.pk])).status_code == 200
    assert AuditEvent.objects.filter(action="view", what="alert_detail", patient_id=patient.pk).count() == 1


def test_another_teams_clinician_gets_404_and_leaves_no_view_row(client, other_clinician, patient):
    client.force_login(other_clinician)
    assert client.get(reverse("patient_detail", args=[patient.pk])).status_code == 404
    assert not AuditEvent.objects.exists()


def test_a_patient_on_their_own_pages_is_not_audited_but_their_check_in_is(client, patient):
    client.force_login(patient.user)
    client.get(reverse("today"))
    form = {**{k: str(v) for k, v in GOOD_ANSWERS.items()}, **{key: "no" for key in RED_FLAG_KEYS}}
    assert client.post(reverse("checkin"), form).status_code == 302
    assert not AuditEvent.objects.filter(action="view").exists()
    change = AuditEvent.objects.get(action="change")
    assert (change.what, change.patient_id, change.actor) == ("checkin", patient.pk, patient.user)
    assert change.detail["date"] == patient.local_today().isoformat()


def test_acknowledging_an_alert_is_recorded_as_a_change(clinician, patient):
    alert = Alert.objects.create(
        patient=patient, rule="red_flag", severity="urgent", date=patient.local_today(), evidence="Red flag today"
    )
    alert_acknowledge(alert=alert, user=clinician)
    row = AuditEvent.objects.get(action="change")
    assert (row.what, row.actor, row.detail["did"]) == ("alert", clinician, "acknowledge")


def test_the_trail_is_append_only(clinician, patient):
    checkin_submit(patient=patient, answers=GOOD_ANSWERS)
    row = AuditEvent.objects.get()
    row.what = "something else"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(what="x")
    assert AuditEvent.objects.get().what == "checkin"


def test_admins_browse_and_filter_the_trail_but_cannot_change_or_delete_it(client, admin_user, patient):
    checkin_submit(patient=patient, answers=GOOD_ANSWERS)
    row = AuditEvent.objects.get()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:audit_auditevent_changelist"), {"action__exact": "change"})
    assert listing.status_code == 200 and b"checkin" in listing.content
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_change", args=[row.pk]), {"what": "x"}).status_code == 403
    assert AuditEvent.objects.get().what == "checkin"


def test_opening_the_patient_list_is_one_row_naming_the_patients_and_its_refreshes_are_none(
    client, clinician, patient, other_patient
):
    client.force_login(clinician)
    assert client.get(reverse("team_patients")).status_code == 200
    row = AuditEvent.objects.get(what="team_patients")
    assert row.action == "view" and row.actor == clinician
    assert sorted(row.detail["patients"]) == sorted([patient.pk, other_patient.pk])
    client.get(reverse("team_patients_fragment"), HTTP_X_REQUESTED_WITH="fetch")
    assert AuditEvent.objects.filter(what="team_patients").count() == 1


def test_an_admin_adding_and_removing_a_team_member_is_recorded(client, admin_user, team_a, other_clinician):
    from patients.models import CareTeamMembership

    client.force_login(admin_user)
    add = client.post(
        reverse("admin:patients_careteammembership_add"),
        {"user": other_clinician.pk, "team": team_a.pk, "team_role": "nurse"},
    )
    assert add.status_code == 302, add.content[:500]
    membership = CareTeamMembership.objects.get(user=other_clinician, team=team_a)
    added = AuditEvent.objects.get(what="careteammembership", detail__change="added")
    assert added.actor == admin_user and added.detail["team_id"] == team_a.pk
    assert added.detail["user_id"] == other_clinician.pk

    delete = client.post(reverse("admin:patients_careteammembership_delete", args=[membership.pk]), {"post": "yes"})
    assert delete.status_code == 302
    removed = AuditEvent.objects.get(what="careteammembership", detail__change="deleted")
    assert removed.detail["user_id"] == other_clinician.pk


def test_an_admin_opening_and_changing_a_patient_is_recorded(client, admin_user, patient):
    client.force_login(admin_user)
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="view", what="admin_patient", patient_id=patient.pk).exists()
