from datetime import date as date_type

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from patients.access import is_care_team_member
from tracker.forms import CheckInForm
from tracker.selectors import checkin_for_day, current_baseline, recent_checkins
from tracker.services import checkin_submit


def _own_patient(request):
    patient = getattr(request.user, "patient", None)
    if patient is None:
        raise PermissionDenied("Only patients have a daily check-in.")
    return patient


@login_required
def home(request):
    if is_care_team_member(request.user):
        return redirect("team_patients")
    return redirect("today")


@login_required
def checkin(request):
    patient = _own_patient(request)
    existing = checkin_for_day(patient=patient, date=patient.local_today())
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                saved, _ = checkin_submit(patient=patient, answers=form.answers())
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                return redirect("checkin_done", day=saved.date.isoformat())
        status = 400
    else:
        form = CheckInForm(initial=CheckInForm.initial_from(existing) if existing else None)
        status = 200
    return render(request, "tracker/checkin.html", {"form": form, "existing": existing}, status=status)


@login_required
def checkin_done(request, day: str):
    patient = _own_patient(request)
    try:
        when = date_type.fromisoformat(day)
    except ValueError:
        raise Http404("No check-in on that day.") from None
    saved = checkin_for_day(patient=patient, date=when)
    if saved is None:
        raise Http404("No check-in on that day.")
    return render(request, "tracker/checkin_done.html", {"checkin": saved, "patient": patient})


@login_required
def today(request):
    patient = _own_patient(request)
    local_today = patient.local_today()
    context = {
        "patient": patient,
        "today": local_today,
        "todays_checkin": checkin_for_day(patient=patient, date=local_today),
        "recent": recent_checkins(patient=patient, days=14, today=local_today),
        "baseline": current_baseline(patient=patient),
    }
    return render(request, "tracker/today.html", context)
