from datetime import date as date_type

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from core.middleware import note_checkin_attempt
from detection.scales import RED_FLAG_KEYS
from motor.patient_chart import my_tests_panel
from motor.selectors import tests_due
from patients.access import care_team_required, get_patient_for, is_care_team_member, self_service_patient
from tracker.baseline_forms import ManualBaselineForm, RebaselineForm
from tracker.checkin_write import CheckInLimitReached
from tracker.forms import CheckInForm
from tracker.progress import DAYS_LISTED, days_listed, patient_progress, red_flag_open, score_rows
from tracker.selectors import baseline_history, checkin_for_day, current_baseline, recent_checkins
from tracker.services import baseline_reset as baseline_reset_service
from tracker.services import baseline_set_manual, checkin_submit

# offline-checkin.js sends the form with FETCH_HEADER: 1; a saved check-in then
# answers 204 with SAVED_HEADER naming its confirmation page instead of a redirect.
FETCH_HEADER = "X-Checkin-Fetch"
SAVED_HEADER = "X-Checkin-Saved"


def _own_patient(request):
    """The patient's own record, or for a caregiver the patient they help."""
    patient = self_service_patient(request.user)
    if patient is None:
        raise PermissionDenied("Only patients (and the people who help them) have a daily check-in.")
    return patient


@login_required
def home(request):
    if is_care_team_member(request.user):
        return redirect("team_patients")
    return redirect("today")


def _submit(patient, answers: dict, *, entered_by):
    limit = settings.CHECKIN_LIMIT
    try:
        saved, _ = checkin_submit(patient=patient, answers=answers, entered_by=entered_by, limit=limit)
    except IntegrityError:
        # Two first submissions of the day raced (a double tap on Save, two tabs):
        # the other one's row is there now, so this one becomes an update of it.
        saved, _ = checkin_submit(patient=patient, answers=answers, entered_by=entered_by, limit=limit)
    return saved


def _limit_message(retry_after: int) -> str:
    minutes = max(1, round(retry_after / 60))
    wait = "a minute" if minutes == 1 else f"about {minutes} minutes"
    return (
        "This check-in was not saved: it has been saved many times in the last hour already. "
        f"Please try again in {wait}. A Yes to any warning sign below is always saved, "
        "and your care team is told at once."
    )


@login_required
def checkin(request):
    patient = _own_patient(request)
    local_today = patient.local_today()
    retry_after = None
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            answers = form.answers()
            note_checkin_attempt(request, red_flag=any(answers[key] for key in RED_FLAG_KEYS))
            try:
                saved = _submit(patient, answers, entered_by=request.user)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            except CheckInLimitReached as exc:
                form.add_error(None, _limit_message(exc.retry_after))
                retry_after = exc.retry_after
            else:
                done = reverse("checkin_done", args=[saved.date.isoformat()])
                if request.headers.get(FETCH_HEADER) == "1":
                    # The page's own background send (offline-checkin.js): a
                    # redirect would make fetch GET the confirmation page, then
                    # the page navigate to it again: on a weak signal one round
                    # trip too many. Say where to go; the page goes there once.
                    return HttpResponse(status=204, headers={SAVED_HEADER: done})
                return redirect(done)
        status = 400 if retry_after is None else 429
    # Read only when the form is shown: a good POST saves and redirects without it.
    existing = checkin_for_day(patient=patient, date=local_today)
    if request.method != "POST":
        form = CheckInForm(initial=CheckInForm.initial_from(existing) if existing else None)
        status = 200
    context = {"form": form, "existing": existing, "today": local_today, "limited": retry_after is not None}
    response = render(request, "tracker/checkin.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
@require_safe
def checkin_done(request, day: str):
    patient = _own_patient(request)
    try:
        when = date_type.fromisoformat(day)
    except ValueError:
        raise Http404("No check-in on that day.") from None
    saved = checkin_for_day(patient=patient, date=when)
    if saved is None:
        raise Http404("No check-in on that day.")
    context = {
        "checkin": saved,
        "patient": patient,
        "parts": score_rows(saved),
        "clinic_phone": _clinic_phone(patient),
        "motor_due": tests_due(patient=patient)["due"],
    }
    return render(request, "tracker/checkin_done.html", context)


@login_required
@require_safe
def today(request):
    patient = _own_patient(request)
    local_today = patient.local_today()
    recent = recent_checkins(patient=patient, days=DAYS_LISTED, today=local_today)
    red_flag = red_flag_open(patient=patient, today=local_today)
    context = {
        "patient": patient,
        "today": local_today,
        "todays_checkin": next((c for c in recent if c.date == local_today), None),
        "days": days_listed(patient=patient, today=local_today, checkins=recent),
        "baseline": current_baseline(patient=patient),
        "progress": patient_progress(patient=patient, red_flag=red_flag),
        "red_flag_open": red_flag,
        "clinic_phone": _clinic_phone(patient),
        "motor": my_tests_panel(patient=patient, today=local_today),
    }
    return render(request, "tracker/today.html", context)


def _clinic_phone(patient) -> str:
    return patient.care_team.phone or settings.CLINIC_PHONE


# ----- baselines (care team) -------------------------------------------------


@care_team_required
def baseline_reset(request, pk: int):
    """A patient's baselines: re-baseline from a date, set one by hand, and the history."""
    patient = get_patient_for(request.user, pk)
    action = request.POST.get("action") if request.method == "POST" else None
    forms = {
        "rebaseline": RebaselineForm(request.POST if action == "rebaseline" else None, prefix="rebaseline"),
        "manual": ManualBaselineForm(request.POST if action == "manual" else None, prefix="manual"),
    }
    status = 200
    if request.method == "POST":
        form = forms.get(action)
        if form is not None and form.is_valid() and _baseline_save(request, patient, action, form):
            return redirect("baseline_reset", pk=patient.pk)
        status = 400
    context = {
        "patient": patient,
        "history": baseline_history(patient=patient),
        "rebaseline_form": forms["rebaseline"],
        "manual_form": forms["manual"],
        "unknown_action": request.method == "POST" and action not in forms,
    }
    return render(request, "tracker/baseline_form.html", context, status=status)


def _baseline_save(request, patient, action: str, form) -> bool:
    data = form.cleaned_data
    try:
        if action == "rebaseline":
            baseline = baseline_reset_service(
                patient=patient, from_date=data["from_date"], user=request.user, reason=data["reason"]
            )
        else:
            baseline = baseline_set_manual(
                patient=patient,
                user=request.user,
                scores=form.scores(),
                effective_from=data["effective_from"],
                reason=data["reason"],
            )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    messages.success(request, f"New baseline {baseline.total:g}/18 from {baseline.effective_from:%d %b %Y}.")
    return True
