from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from patients.access import care_team_required, get_patient_for, teams_of
from patients.filters import DashboardFilterForm
from patients.forms import AcceptInvitationForm, EnrolForm, PatientEventForm
from patients.selectors import dashboard_rows
from patients.services import invitation_accept, patient_enrol, patient_event_add
from tracker.autorefresh import autorefresh_context, bad_filter_response
from tracker.reports import patient_chart_context
from tracker.trends import DEFAULT_RANGE, RANGES


def _dashboard(request, template: str):
    teams = list(teams_of(request.user).order_by("name"))
    form = DashboardFilterForm(request.GET, teams=teams)
    if not form.is_valid():
        return bad_filter_response(form)
    context = {
        "rows": [row.as_display() for row in dashboard_rows(user=request.user, **form.filters())],
        "form": form,
        "teams": teams,
        "many_teams": len(teams) > 1,
        "patients_url": reverse("team_patients"),
        **autorefresh_context(request, "team_patients_fragment"),
    }
    return render(request, template, context)


@care_team_required
@require_safe
def team_patients(request):
    return _dashboard(request, "patients/team_patients.html")


@care_team_required
@require_safe
def team_patients_fragment(request):
    """The dashboard's rows alone, fetched every 30 s by static/js/autorefresh.js."""
    return _dashboard(request, "patients/_dashboard_rows.html")


@care_team_required
@require_safe
def patient_detail(request, pk: int):
    patient = get_patient_for(request.user, pk)
    range_key = request.GET.get("range") or DEFAULT_RANGE
    if range_key not in RANGES:
        return HttpResponseBadRequest(
            f"range: choose one of {', '.join(RANGES)}.", content_type="text/plain; charset=utf-8"
        )
    context = patient_chart_context(patient=patient, range_key=range_key)
    return render(request, "patients/patient_detail.html", {"patient": patient, **context})


@care_team_required
def enrol(request):
    form = EnrolForm(request.POST if request.method == "POST" else None, teams=teams_of(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            patient, invitation = patient_enrol(created_by=request.user, **data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return render(
                request, "patients/invitation.html", {"patient": patient, "invitation": invitation}, status=201
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "patients/enrol.html", {"form": form}, status=status)


def join(request, code: str = ""):
    form = AcceptInvitationForm(request.POST if request.method == "POST" else None, initial={"code": code})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = invitation_accept(code=data["code"], password=data["password"], username=data["username"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, f"Your account is ready. Your user name is {user.username}: keep it with your password."
            )
            return redirect("checkin")
    status = 400 if request.method == "POST" else 200
    return render(request, "patients/join.html", {"form": form}, status=status)


@care_team_required
def event_add(request, pk: int):
    patient = get_patient_for(request.user, pk)
    form = PatientEventForm(request.POST if request.method == "POST" else None, initial={"date": patient.local_today()})
    if request.method == "POST" and form.is_valid():
        try:
            event = patient_event_add(patient=patient, created_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{event.get_kind_display()} on {event.date:%d %b %Y} added.")
            return redirect("patient_detail", pk=patient.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "patient": patient, "events": patient.events.order_by("-date")}
    return render(request, "patients/event_form.html", context, status=status)
