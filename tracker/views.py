from datetime import date as date_type
from datetime import timedelta

from django.conf import settings
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
    local_today = patient.local_today()
    existing = checkin_for_day(patient=patient, date=local_today)
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
    context = {"form": form, "existing": existing, "today": local_today}
    return render(request, "tracker/checkin.html", context, status=status)


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
    context = {"checkin": saved, "patient": patient, "clinic_phone": patient.care_team.phone or settings.CLINIC_PHONE}
    return render(request, "tracker/checkin_done.html", context)


@login_required
def today(request):
    patient = _own_patient(request)
    local_today = patient.local_today()
    recent = recent_checkins(patient=patient, days=14, today=local_today)
    by_date = {c.date: c for c in recent}
    # Every day of the fortnight, so a missed day shows as missed rather than vanishing.
    days = [(local_today - timedelta(days=i), by_date.get(local_today - timedelta(days=i))) for i in range(14)]
    context = {
        "patient": patient,
        "today": local_today,
        "todays_checkin": by_date.get(local_today),
        "recent": recent,
        "days": days,
        "baseline": current_baseline(patient=patient),
    }
    return render(request, "tracker/today.html", context)
