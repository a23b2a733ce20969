"""The follow-up visit report: one printable page and the period's check-ins as CSV."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_safe

from patients.access import care_team_required, get_patient_for
from tracker.reports import report_period, visit_report, write_checkins_csv


def _bad_period(exc: ValidationError) -> HttpResponseBadRequest:
    text = "; ".join(" ".join(messages) for messages in exc.message_dict.values())
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


@care_team_required
@require_safe
def report(request, pk: int):
    patient = get_patient_for(request.user, pk)
    try:
        start, end = report_period(request.GET, patient=patient)
    except ValidationError as exc:
        return _bad_period(exc)
    context = {"patient": patient, **visit_report(patient=patient, start=start, end=end)}
    return render(request, "patients/report.html", context)


@care_team_required
@require_safe
def report_csv(request, pk: int):
    patient = get_patient_for(request.user, pk)
    try:
        start, end = report_period(request.GET, patient=patient)
    except ValidationError as exc:
        return _bad_period(exc)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"myelotrack-patient-{patient.pk}-{start}-to-{end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    write_checkins_csv(response, patient=patient, start=start, end=end)
    return response
