"""Care-team pages: the alert inbox, one alert with its history, and a clinician's preferences.

Every action is a plain POST form so it works on a phone without JavaScript.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from core.autorefresh import autorefresh_context, bad_filter_response, with_query
from notifications import services
from notifications.forms import AssignForm, InboxFilterForm, PreferenceForm, ResolveForm
from notifications.models import NotificationPreference
from notifications.selectors import alert_history, get_alert_for, inbox_alerts
from patients.access import care_team_required


def _back(request, alert):
    target = request.POST.get("next", "")
    # Only a local path: redirect() would try to reverse a bare word like "garbage" as a URL name (a 500).
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("alert_detail", alert.pk)


def _detail(request, alert, status=200, resolve_form=None, errors=None):
    context = {
        "alert": alert,
        "resolve_form": resolve_form or ResolveForm(),
        "assign_form": AssignForm(clinicians=services.team_clinicians(alert.patient.care_team_id)),
        "errors": errors or [],
        **alert_history(alert),
    }
    return render(request, "notifications/alert_detail.html", context, status=status)


def _inbox(request, template):
    filters = InboxFilterForm(request.GET)
    if not filters.is_valid():
        return bad_filter_response(filters)
    data = filters.cleaned_data
    alerts = inbox_alerts(
        request.user,
        status=data.get("status") or None,
        severity=data.get("severity") or None,
        owner=data.get("owner") or None,
    )
    context = {
        "alerts": alerts,
        "filters": filters,
        "resolve_form": ResolveForm(),
        # Actions taken from a refreshed list come back to the inbox page, not the fragment.
        "path": with_query(request, "alert_inbox"),
        **autorefresh_context(request, "alert_inbox_fragment"),
    }
    return render(request, template, context)


@care_team_required
@require_safe
def inbox(request):
    return _inbox(request, "notifications/inbox.html")


@care_team_required
@require_safe
def inbox_fragment(request):
    """The inbox's cards alone, fetched every 30 s by static/js/autorefresh.js."""
    return _inbox(request, "notifications/_inbox_list.html")


@care_team_required
@require_safe
def alert_detail(request, pk: int):
    return _detail(request, get_alert_for(request.user, pk))


@care_team_required
@require_POST
def alert_acknowledge(request, pk: int):
    alert = get_alert_for(request.user, pk)
    try:
        services.alert_acknowledge(alert=alert, user=request.user)
    except ValidationError as exc:
        return _detail(request, alert, status=400, errors=exc.messages)
    messages.success(request, "Acknowledged: the team sees you are on it.")
    return _back(request, alert)


@care_team_required
@require_POST
def alert_resolve(request, pk: int):
    alert = get_alert_for(request.user, pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.alert_resolve(alert=alert, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, "Resolved.")
            return _back(request, alert)
    return _detail(request, alert, status=400, resolve_form=form)


@care_team_required
@require_POST
def alert_assign(request, pk: int):
    alert = get_alert_for(request.user, pk)
    form = AssignForm(request.POST, clinicians=services.team_clinicians(alert.patient.care_team_id))
    if not form.is_valid():
        return _detail(request, alert, status=400, errors=[f"assignee: {e}" for e in form.errors.get("assignee", [])])
    try:
        services.alert_assign(alert=alert, user=request.user, assignee=form.cleaned_data["assignee"] or request.user)
    except ValidationError as exc:
        return _detail(request, alert, status=400, errors=exc.messages)
    messages.success(request, "Assigned.")
    return _back(request, alert)


@care_team_required
@require_POST
def alert_contact(request, pk: int):
    """One tap on "Called, no answer" (or another outcome): a line in the alert's contact log."""
    alert = get_alert_for(request.user, pk)
    try:
        event = services.alert_contact_log(alert=alert, user=request.user, outcome=request.POST.get("outcome", ""))
    except ValidationError as exc:
        return _detail(request, alert, status=400, errors=[f"outcome: {e}" for e in exc.messages])
    messages.success(request, f"Logged: {event.get_kind_display()}.")
    return _back(request, alert)


@care_team_required
def preferences(request):
    instance = NotificationPreference.objects.filter(user=request.user).first() or NotificationPreference(
        user=request.user
    )
    form = PreferenceForm(request.POST if request.method == "POST" else None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_update(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect("alert_preferences")
    status = 400 if request.method == "POST" else 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)
