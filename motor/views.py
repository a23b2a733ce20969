"""The patient's phone tests (hub, tap, step, walk) and the care team's settings for them.

The test pages send their raw events to POST /api/v1/motor-tests/ (the server
scores them); the only form posted here is "could not do it today", which
works without JavaScript.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from motor.forms import MotorSettingsForm
from motor.patient_chart import patient_motor_charts
from motor.selectors import motor_overview, tests_due
from motor.services import motor_settings_for, motor_settings_update, motor_test_record
from patients.access import care_team_required, get_patient_for, self_service_patient

# url name -> (kind, template)
PAGES = {
    "motor_tap": ("tap", "motor/tap.html"),
    "motor_step": ("step", "motor/step.html"),
    "motor_walk": ("walk", "motor/walk.html"),
}


def _own_patient(request):
    patient = self_service_patient(request.user)
    if patient is None:
        raise PermissionDenied("Only patients (and the people who help them) do the phone tests.")
    return patient


def _offered(patient):
    due = tests_due(patient=patient)
    if not due["enabled"]:
        raise Http404("Your care team has turned the phone tests off.")
    return due


@login_required
@require_safe
def hub(request):
    patient = _own_patient(request)
    due = tests_due(patient=patient)
    rows, assessment = motor_overview(patient=patient)
    context = {"patient": patient, "due": due, "charts": patient_motor_charts(rows, assessment)}
    return render(request, "motor/hub.html", context)


def _test_page(request, name: str):
    patient = _own_patient(request)
    due = _offered(patient)
    kind, template = PAGES[name]
    status = 200
    error = None
    if request.method == "POST":
        # "Could not do it today": a plain form, so it works without JavaScript.
        payload = {
            "client_id": request.POST.get("client_id"),
            "kind": kind,
            "side": request.POST.get("side") or "",
            "could_not_do": True,
        }
        if kind != "tap":
            payload.pop("side")
        try:
            motor_test_record(
                patient=patient,
                payload=payload,
                entered_by=request.user,
                user_agent=request.headers.get("User-Agent", ""),
            )
        except ValidationError as exc:
            error = "; ".join(m for ms in exc.message_dict.values() for m in ms)
            status = 400
        else:
            messages.success(request, "Saved: you could not do this test today. That is useful to know too.")
            return redirect("motor_hub")
    context = {
        "patient": patient,
        "kind": kind,
        "client_id": uuid.uuid4(),
        "walk_distance_m": due["settings"].walk_distance_m,
        "api_url": reverse("api-motor-tests"),
        "error": error,
    }
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def tap(request):
    return _test_page(request, "motor_tap")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def step(request):
    return _test_page(request, "motor_step")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def walk(request):
    return _test_page(request, "motor_walk")


@care_team_required
@require_http_methods(["GET", "HEAD", "POST"])
def settings_page(request, pk: int):
    """The care team turns the tests on or off for a patient and sets how often they are suggested."""
    patient = get_patient_for(request.user, pk)
    current = motor_settings_for(patient)
    form = MotorSettingsForm(request.POST if request.method == "POST" else None, instance=current)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                motor_settings_update(patient=patient, user=request.user, **data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Phone test settings saved.")
                return redirect("patient_detail", pk=patient.pk)
        status = 400
    context = {"patient": patient, "form": form}
    return render(request, "motor/settings.html", context, status=status)
