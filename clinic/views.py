"""The care team's screens: the dashboard, a patient's chart, the follow-up visit report and its CSV."""

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.chart_page import chart_page_annotations, patient_chart_page
from clinic.exports import checkins_csv
from clinic.filters import SEARCH_SESSION_KEY, DashboardFilterForm, HandoverForm
from clinic.handover import handover_since
from clinic.reports import report_period, visit_report
from clinic.selectors import caregiver_count, dashboard_page, dashboard_state
from core.autorefresh import UPDATED_HEADER, autorefresh_context, bad_filter_response
from core.compression import etag_matches, gzip_response
from notifications.selectors import open_alert_count_of_request
from notifications.services import preference_for
from patients.access import care_team_required, get_patient_for, teams_of
from tracker.api.selectors import checkins_between
from tracker.trends import DEFAULT_RANGE, RANGES


def _dashboard(request, template: str, *, fragment: bool):
    teams = list(teams_of(request.user).order_by("name"))
    form = DashboardFilterForm.from_request(request, teams=teams)
    if not form.is_valid():
        return bad_filter_response(form)
    filters, shown = form.filters(), form.rows_shown(settings.DASHBOARD_PAGE_SIZE)
    state = dashboard_state(user=request.user, **filters)
    badge = open_alert_count_of_request(request)
    # Per user (the state's key), filters and page: another clinician's tag never matches.
    etag = f'"{state.fingerprint}-{shown}-{badge}-{len(teams)}"'
    updated_at = timezone.localtime()
    if fragment and etag_matches(request, etag):
        # Nothing shown has changed since the client's copy: the refresh costs two queries and no body.
        response = HttpResponseNotModified()
        response["ETag"] = etag
        response[UPDATED_HEADER] = f"{updated_at:%H:%M}"
        return response
    page = dashboard_page(state, shown=shown)
    if not fragment:
        # One row per opening of the list (which patients, not each 30-second refresh of the same list).
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.VIEW,
            what="team_patients",
            detail={"patients": [row.patient.pk for row in page.rows][:500], "searched": bool(filters["query"])},
        )
    context = {
        "rows": [row.as_display() for row in page.rows],
        "total": page.total,
        "more_url": _more_url(request, shown + settings.DASHBOARD_PAGE_SIZE) if page.total > shown else "",
        "more_count": min(settings.DASHBOARD_PAGE_SIZE, page.total - shown),
        "form": form,
        "teams": teams,
        "many_teams": len(teams) > 1,
        "patients_url": reverse("team_patients"),
        "etag": etag,
        **autorefresh_context(request, "team_patients_fragment"),
        "updated_at": updated_at,
    }
    response = render(request, template, context)
    response["ETag"] = etag
    response[UPDATED_HEADER] = f"{updated_at:%H:%M}"
    if fragment or not filters["query"]:
        # Never compressed with the typed search in it (the page echoes it; the fragment does not): BREACH.
        response = gzip_response(request, response)
    return response


def _more_url(request, shown: int) -> str:
    query = request.GET.copy()
    query["shown"] = str(shown)
    return f"{reverse('team_patients')}?{query.urlencode()}"


@care_team_required
@require_http_methods(["GET", "HEAD", "POST"])
def team_patients(request):
    if request.method == "POST":
        return _dashboard_search(request)
    return _dashboard(request, "clinic/team_patients.html", fragment=False)


def _dashboard_search(request):
    """Keep the typed name in the session and show the list again (POST, redirect, GET)."""
    teams = list(teams_of(request.user).order_by("name"))
    form = DashboardFilterForm(request.POST, teams=teams)
    if not form.is_valid():
        return bad_filter_response(form)
    request.session[SEARCH_SESSION_KEY] = form.cleaned_data["q"].strip()
    query = {key: request.POST[key] for key in ("team", "status") if request.POST.get(key)}
    return redirect(reverse("team_patients") + (f"?{urlencode(query)}" if query else ""))


@care_team_required
@require_safe
def team_patients_fragment(request):
    """The dashboard's rows alone, fetched every 30 s by static/js/autorefresh.js."""
    return _dashboard(request, "clinic/_dashboard_rows.html", fragment=True)


@care_team_required
@require_safe
def patient_detail(request, pk: int):
    # What the header shows of the patient, and the digest of the rows the
    # rest of the page is drawn from, come with them: one query; the rest is
    # one cache read (clinic/chart_page.py) until one of those rows changes.
    patient = get_patient_for(
        request.user,
        pk,
        related=("contact", "motor_settings"),
        annotations={"caregiver_count": caregiver_count(), **chart_page_annotations()},
    )
    range_key = request.GET.get("range") or DEFAULT_RANGE
    if range_key not in RANGES:
        return HttpResponseBadRequest(
            f"range: choose one of {', '.join(RANGES)}.", content_type="text/plain; charset=utf-8"
        )
    chart = patient_chart_page(patient=patient, range_key=range_key)
    return render(request, "clinic/patient_detail.html", {"patient": patient, "chart": chart})


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
    return render(request, "clinic/report.html", context)


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
    response.write(checkins_csv(checkins_between(patient=patient, start=start, end=end)))
    return response


@care_team_required
@require_safe
def handover(request):
    """What changed on my teams since a time (default: one shift ago), for the next shift; printable."""
    # `since` is typed, and times are shown, in the clinician's own time zone
    # (their notification settings), not the server's.
    with timezone.override(ZoneInfo(preference_for(request.user).timezone or "UTC")):
        form = HandoverForm(request.GET)
        if not form.is_valid():
            return bad_filter_response(form)
        changes = handover_since(user=request.user, since=form.cleaned_data["since"])
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.VIEW,
            what="handover",
            detail={"patients": changes.patient_ids[:500]},
        )
        # Shown unbound with the time used, so the field says what "since" was even when it was the default.
        shown = HandoverForm(initial={"since": timezone.localtime(changes.since).replace(second=0, microsecond=0)})
        return render(request, "clinic/handover.html", {"form": shown, "changes": changes})
