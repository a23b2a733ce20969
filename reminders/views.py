import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from patients.access import own_patient_record
from reminders import services
from reminders.channels import push_enabled
from reminders.forms import PushSubscriptionForm, ReminderForm
from reminders.selectors import preference_for


def _own_patient(request):
    patient = own_patient_record(request.user)
    if patient is None:
        raise PermissionDenied("Only patients have check-in reminders.")
    return patient


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reminder_settings(request):
    patient = _own_patient(request)
    form = ReminderForm(request.POST if request.method == "POST" else None, instance=preference_for(patient))
    if request.method == "POST" and form.is_valid():
        try:
            services.reminder_preference_update(patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, "Your reminder settings are saved.")
            return redirect("reminders")
    context = {
        "form": form,
        "patient": patient,
        "push_enabled": push_enabled(),
        "vapid_public_key": settings.VAPID_PUBLIC_KEY,
        "subscription_count": patient.push_subscriptions.count(),
    }
    return render(request, "reminders/settings.html", context, status=400 if form.errors else 200)


def _error(message: str, status: int = 400, fields=None) -> JsonResponse:
    return JsonResponse({"detail": message, "errors": fields or {}}, status=status)


@login_required
@require_http_methods(["POST", "DELETE"])
def push_subscription(request):
    """POST saves this browser's subscription, DELETE removes it; JSON in, JSON out, CSRF as for forms."""
    patient = own_patient_record(request.user)
    if patient is None:
        return _error("Only patients have check-in reminders.", status=403)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return _error("The body must be JSON.")
    if not isinstance(body, dict):
        return _error("The body must be a JSON object.")
    if request.method == "DELETE":
        services.push_subscription_delete(patient=patient, endpoint=str(body.get("endpoint", "")))
        return JsonResponse({"subscribed": False}, status=200)
    keys = body.get("keys") if isinstance(body.get("keys"), dict) else {}
    form = PushSubscriptionForm(
        {"endpoint": body.get("endpoint"), "p256dh": keys.get("p256dh"), "auth": keys.get("auth")}
    )
    if not form.is_valid():
        return _error("That is not a browser push subscription.", fields=form.errors.get_json_data())
    try:
        services.push_subscription_save(patient=patient, **form.cleaned_data)
    except ValidationError as exc:
        return _error("That is not a browser push subscription.", fields=exc.message_dict)
    return JsonResponse({"subscribed": True}, status=201)
