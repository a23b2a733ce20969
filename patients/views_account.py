"""A person's own account: email for resets, password, two-factor, signed-in devices; the clinic's re-invite."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from patients.access import care_team_required, get_patient_for
from patients.forms import AccountEmailForm
from patients.services import account_email_set, caregiver_remove, invitation_create, sign_out_other_devices
from patients.tokens import token_revoke, tokens_of
from patients.two_factor import has_two_factor


@login_required
def account(request):
    form = AccountEmailForm(request.POST if request.method == "POST" else None, initial={"email": request.user.email})
    if request.method == "POST" and form.is_valid():
        try:
            account_email_set(user=request.user, email=form.cleaned_data["email"])
        except ValidationError as exc:
            form.add_error("email", exc.messages)
        else:
            messages.success(request, "Email address saved." if request.user.email else "Email address removed.")
            return redirect("account")
    context = {
        "form": form,
        "two_factor_on": has_two_factor(request.user),
        "devices": list(tokens_of(request.user)),
        "passkeys": list(request.user.passkeys.all()),
        "caregivers": (
            list(request.user.patient.caregivers.filter(removed_at__isnull=True).select_related("user"))
            if request.user.is_patient and hasattr(request.user, "patient")
            else None
        ),
    }
    return render(request, "patients/account.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def sign_out_others(request):
    sign_out_other_devices(user=request.user, request=request)
    messages.success(request, "Signed out everywhere else: other phones, tablets, computers and apps.")
    return redirect("account")


@login_required
@require_POST
def device_revoke(request, pk: int):
    if token_revoke(user=request.user, token_id=pk):
        messages.success(request, "That device is signed out.")
    return redirect("account")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's own; it keeps this session and (through the session hash and token stamps) ends every other."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Password changed. You are signed out everywhere else.")
        return response

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _site():
    parts = urlsplit(settings.SITE_URL)
    return parts.netloc, parts.scheme == "https"


class PasswordResetView(auth_views.PasswordResetView):
    """Django's own (no hint whether the address is known); links are built on SITE_URL, not the Host header."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        domain, secure = _site()
        self.extra_email_context = {"domain": domain, "protocol": "https" if secure else "http"}
        return super().form_valid(form)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = False

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if self.request.method == "POST" and not getattr(self, "validlink", False) and response.status_code == 200:
            response.status_code = 400  # a form sent on a dead link saved nothing: say so in the status too
        return response

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


@care_team_required
def invitation_resend(request, pk: int):
    """A new code for a patient who never joined, or who forgot their password or is locked out."""
    patient = get_patient_for(request.user, pk)  # first: another team's patient is a 404 whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    invitation = invitation_create(patient=patient, created_by=request.user)
    return render(request, "patients/invitation.html", {"patient": patient, "invitation": invitation}, status=201)


def _caregiver_invitation_page(request, patient):
    invitation = invitation_create(patient=patient, created_by=request.user, for_caregiver=True)
    context = {"patient": patient, "invitation": invitation}
    return render(request, "patients/caregiver_invitation.html", context, status=201)


@login_required
@require_POST
def caregiver_invite_own(request):
    """A patient invites someone who helps them: a code for that person's own log-in."""
    if not request.user.is_patient or not hasattr(request.user, "patient"):
        raise PermissionDenied("Only a patient invites their own helpers.")
    return _caregiver_invitation_page(request, request.user.patient)


@care_team_required
def caregiver_invite(request, pk: int):
    patient = get_patient_for(request.user, pk)  # first: another team's patient is a 404 whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _caregiver_invitation_page(request, patient)


@login_required
@require_POST
def caregiver_remove_own(request, pk: int):
    if not request.user.is_patient or not hasattr(request.user, "patient"):
        raise PermissionDenied("Only the patient removes their helpers here.")
    if caregiver_remove(patient=request.user.patient, caregiver_id=pk, removed_by=request.user):
        messages.success(request, "Removed: they can no longer see your pages or check in for you.")
    return redirect("account")
