"""The patient's check-in page over HTTP: the form, saving, bad input, red flags, resubmission."""

import pytest
from django.urls import reverse

from detection.scales import RED_FLAG_KEYS
from notifications.models import Alert, Severity
from tracker.models import CheckIn, CheckInRevision

pytestmark = pytest.mark.django_db


def form_data(**changes) -> dict:
    data = {"fine_motor": "4", "gait": "6", "sensation": "2", "bladder": "3"}
    data.update({key: "no" for key in RED_FLAG_KEYS})
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_pages_own_background_send_is_answered_with_where_to_go_not_a_redirect(patient_client, patient):
    # offline-checkin.js: a redirect would make the phone fetch the confirmation twice.
    response = patient_client.post(reverse("checkin"), form_data(), headers={"X-Checkin-Fetch": "1"})
    checkin = CheckIn.objects.get(patient=patient)
    assert response.status_code == 204 and response.content == b""
    assert response["X-Checkin-Saved"] == reverse("checkin_done", args=[checkin.date.isoformat()])
    # Refused answers are the same 400 page as without the header: nothing saved, nowhere to go.
    response = patient_client.post(reverse("checkin"), form_data(gait=None), headers={"X-Checkin-Fetch": "1"})
    assert response.status_code == 400 and "X-Checkin-Saved" not in response
    assert CheckIn.objects.filter(patient=patient).count() == 1


def test_the_form_offers_every_level_of_every_domain_as_a_tappable_choice(patient_client):
    response = patient_client.get(reverse("checkin"))
    assert response.status_code == 200
    body = response.content.decode()
    for field, top in (("fine_motor", 5), ("gait", 7), ("sensation", 3), ("bladder", 3)):
        for level in range(top + 1):
            assert f'name="{field}" value="{level}"' in body
    assert "My hands work normally" in body and "I cannot move or feel my legs" in body
    assert 'type="range"' not in body  # no sliders
    for key in RED_FLAG_KEYS:
        assert f'name="{key}" value="yes"' in body


def test_a_valid_checkin_is_saved_and_confirmed(patient_client, patient):
    response = patient_client.post(reverse("checkin"), form_data(numbness="3", numbness_locations=["hands"]))
    checkin = CheckIn.objects.get(patient=patient)
    assert response.status_code == 302
    assert response["Location"] == reverse("checkin_done", args=[checkin.date.isoformat()])
    assert (checkin.total, checkin.numbness, checkin.numbness_locations, checkin.red_flag) == (15, 3, ["hands"], False)
    page = patient_client.get(response["Location"])
    assert page.status_code == 200
    assert "your check-in is saved" in page.content.decode()
    assert "15 of 18" in page.content.decode()
    assert "Get emergency care now" not in page.content.decode()


def test_the_checkin_is_dated_by_the_patients_own_day(patient_client, patient):
    patient.timezone = "Pacific/Kiritimati"  # UTC+14: often already tomorrow in London
    patient.save(update_fields=["timezone"])
    patient_client.post(reverse("checkin"), form_data())
    assert CheckIn.objects.get().date == patient.local_today()


@pytest.mark.parametrize("missing", ["fine_motor", "gait", "sensation", "bladder", "rf_weakness"])
def test_a_missing_answer_gets_400_naming_the_field_and_saves_nothing(patient_client, missing):
    response = patient_client.post(reverse("checkin"), form_data(**{missing: None}))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [missing]
    body = response.content.decode()
    assert f'href="#q-{missing}"' in body  # the summary links to the question
    assert f'id="{missing}-error"' in body  # and the message sits next to it
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("gait", "8"),
        ("fine_motor", "6"),
        ("sensation", "-1"),
        ("bladder", "x"),
        ("neck_pain", "11"),
        ("numbness", "99"),
    ],
)
def test_an_out_of_range_answer_gets_400_naming_the_field_and_saves_nothing(patient_client, field, value):
    response = patient_client.post(reverse("checkin"), form_data(**{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="{field}-error"' in response.content.decode()
    assert not CheckIn.objects.exists()


def test_an_unknown_numbness_location_gets_400(patient_client):
    response = patient_client.post(reverse("checkin"), form_data(numbness_locations=["tail"]))
    assert response.status_code == 400
    assert "numbness_locations" in response.context["form"].errors


def test_a_bad_post_keeps_the_answers_already_given(patient_client):
    import re

    response = patient_client.post(reverse("checkin"), form_data(bladder=None, gait="3"))
    checked = re.findall(r'<input type="radio" name="(\w+)" value="(\w+)"[^>]*checked', response.content.decode())
    assert ("gait", "3") in checked and ("fine_motor", "4") in checked
    assert not any(name == "bladder" for name, _ in checked)


def test_a_refused_post_leaves_nothing_behind_on_the_next_patients_empty_form(
    patient_client, patient, other_patient, client
):
    # The form's fields are built once per process and copied per form (tracker/forms.py): one
    # patient's answers, errors or marks must never reach another's page.
    import re

    from tracker.forms import CheckInForm

    refused = patient_client.post(reverse("checkin"), form_data(bladder=None, gait="3", note="private words"))
    assert refused.status_code == 400 and 'aria-invalid="true"' in refused.content.decode()
    other = CheckInForm(initial=None)
    other.fields["gait"].widget.attrs["data-marked"] = "1"  # a change to one form's widget stays on it

    client.force_login(other_patient.user)
    page = client.get(reverse("checkin")).content.decode()
    assert "private words" not in page
    assert "aria-invalid" not in page
    assert "data-marked" not in page
    assert not re.findall(r'<input type="radio" name="\w+" value="\w+"[^>]*checked', page)  # only "Skip"s
    assert CheckInForm().fields["gait"] is not CheckInForm().fields["gait"]
    good = CheckInForm(form_data())
    assert good.is_valid(), good.errors


def test_the_forms_fields_and_widgets_are_copied_as_copy_copy_would():
    # tracker.forms copies each made-once field and its widget with core.copying.shallow_copy instead
    # of copy.copy: the same only while neither class keeps state in slots or copies itself its own way.
    import copy

    from core.copying import shallow_copy
    from tracker.forms import CheckInForm, _check_in_fields

    form = CheckInForm()
    for name, original in _check_in_fields().items():
        for made, used in ((original, form.fields[name]), (original.widget, form.fields[name].widget)):
            assert not hasattr(type(made), "__slots__") and not hasattr(type(made), "__copy__"), name
            clone = shallow_copy(made)
            assert type(clone) is type(made) and clone is not made and clone.__dict__ == copy.copy(made).__dict__
            assert type(used) is type(made) and used is not made, name
        assert form.fields[name].widget.attrs == original.widget.attrs
        assert form.fields[name].widget.attrs is not original.widget.attrs, name


@pytest.mark.parametrize("state", ["empty", "prefilled", "refused"])
def test_each_answer_button_is_the_html_djangos_own_widget_would_render(state):
    # tracker/_choices.html writes each option's <input> itself instead of {{ radio.tag }} (the widget's
    # three nested templates): for every option of every question, in an empty form, one filled in
    # from a stored check-in and one refused with errors (aria-invalid, aria-describedby), the two agree.
    from django.template import Context, Template
    from django.template.loader import get_template

    from tracker.forms import CheckInForm

    if state == "empty":
        form = CheckInForm()
    elif state == "prefilled":
        form = CheckInForm(
            initial={
                **{key: "yes" for key in RED_FLAG_KEYS},
                "gait": "3",
                "numbness": "7",
                "numbness_locations": ["hands", "feet"],
                "neck_pain": "0",
            }
        )
    else:
        form = CheckInForm(form_data(gait="9", bladder=None, numbness="11", numbness_locations=["elbows"]))
        assert not form.is_valid() and {"gait", "bladder", "numbness", "numbness_locations"} <= set(form.errors)
    source = get_template("tracker/_choices.html").template.source
    (line,) = [text.strip() for text in source.splitlines() if "<input " in text]
    ours = Template("{% for radio in field %}" + line + "\n{% endfor %}")
    fields = [*form.domain_fields(), *form.red_flag_fields(), form["numbness"], form["numbness_locations"]]
    fields.append(form["neck_pain"])
    options = 0
    for field in fields:
        expected = "".join(f"{radio.tag()}\n" for radio in field)
        assert ours.render(Context({"field": field})) == expected, field.name
        options += len(list(field))
    assert options >= 60
    if state == "prefilled":
        assert 'value="7" id="id_numbness_8" checked>' in ours.render(Context({"field": form["numbness"]}))
    if state == "refused":
        assert 'aria-invalid="true"' in ours.render(Context({"field": form["gait"]}))


def test_a_red_flag_shows_seek_care_now_with_the_teams_phone_and_opens_an_urgent_alert(patient_client, patient):
    response = patient_client.post(reverse("checkin"), form_data(rf_weakness="yes"), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Get emergency care now" in body
    assert "Go to an emergency department now" in body
    assert patient.care_team.phone in body
    assert 'href="tel:+442079460101"' in body
    alert = Alert.objects.get(patient=patient)
    assert (alert.rule, alert.severity, alert.status) == ("red_flag", Severity.URGENT, Alert.Status.OPEN)
    assert "sudden weakness" in alert.evidence


def test_without_a_team_phone_the_seek_care_page_shows_the_clinics_number(patient_client, patient, settings):
    settings.CLINIC_PHONE = "+44 20 7946 0999"
    patient.care_team.phone = ""
    patient.care_team.save(update_fields=["phone"])
    response = patient_client.post(reverse("checkin"), form_data(rf_bladder_bowel="yes"), follow=True)
    assert "+44 20 7946 0999" in response.content.decode()


def test_a_second_submission_the_same_day_updates_the_checkin_and_keeps_the_old_answers(patient_client, patient):
    patient_client.post(reverse("checkin"), form_data())
    page = patient_client.get(reverse("checkin"))
    assert "You already checked in today" in page.content.decode()
    assert page.context["form"]["gait"].value() == "6"  # the form starts from today's answers
    response = patient_client.post(reverse("checkin"), form_data(gait="4", note="Worse after the bus ride"))
    assert response.status_code == 302
    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.gait, checkin.total, checkin.note) == (4, 13, "Worse after the bus ride")
    assert CheckInRevision.objects.get(checkin=checkin).answers["gait"] == 6


def test_the_confirmation_of_a_day_without_a_checkin_is_404(patient_client):
    assert patient_client.get(reverse("checkin_done", args=["2026-01-01"])).status_code == 404
    assert patient_client.get("/checkin/not-a-date/done/").status_code == 404


def test_my_days_lists_the_last_fortnight_including_missed_days(patient_client, patient):
    from datetime import timedelta

    from django.utils import timezone

    from tests.conftest import add_history

    patient.enrolled_at = timezone.now() - timedelta(days=60)
    patient.save(update_fields=["enrolled_at"])
    add_history(patient, {0: (4, 6, 2, 3), 2: (3, 5, 2, 3)}, start=patient.local_today() - timedelta(days=3))
    response = patient_client.get(reverse("today"))
    days = response.context["days"]
    assert len(days) == 14
    assert [bool(d["checkin"]) for d in days[:4]] == [False, True, False, True]
    assert "No check-in" in response.content.decode()


def test_the_page_works_without_javascript(patient_client):
    body = patient_client.get(reverse("checkin")).content.decode()
    assert "<script" not in body.split("</main>")[0].split('<main id="main"')[1]
    assert 'method="post"' in body


def test_the_emergency_page_offers_each_emergency_number_and_the_clinic_as_tap_to_call(
    patient_client, patient, settings
):
    settings.EMERGENCY_NUMBER = "999 / 112"
    response = patient_client.post(reverse("checkin"), form_data(rf_breathing="yes"))
    body = patient_client.get(response["Location"]).content.decode()
    assert "Get emergency care now" in body
    for href, words in (
        ("tel:999", "Call 999 (emergency)"),
        ("tel:112", "Call 112 (emergency)"),
        ("tel:+442079460101", "Call your clinic +44 20 7946 0101"),
    ):
        assert f'href="{href}">{words}</a>' in body
    assert "<dt>Walking</dt><dd>6 of 7</dd>" in body
