from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from patients.access import care_team_required, get_patient_for, teams_of
from patients.forms import AcceptInvitationForm, EnrolForm, PatientContactForm, PatientEventForm
from patients.services import (
    invitation_accept,
    patient_contact_of,
    patient_contact_set,
    patient_enrol,
    patient_event_add,
)


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


def join(request):
    # The code comes typed, or from the link's "#code=..." (static/js/join.js): never from the URL's path or query.
    form = AcceptInvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = invitation_accept(code=data["code"], password=data["password"], username=data["username"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            login(request, user, backend="patients.backends.UsernameOrEmailBackend")
            text = f"Your account is ready. Your user name is {user.username}: keep it with your password."
            if user.is_caregiver and user.cared_for():
                text += f" You can now check in for {user.cared_for().first_name}."
            messages.success(request, text)
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


def _contact_page(request, patient, *, own: bool, done):
    contact = patient_contact_of(patient)
    data = request.POST if request.method == "POST" else None
    form = PatientContactForm(data, initial=PatientContactForm.initial_from(contact))
    if request.method == "POST" and form.is_valid():
        try:
            patient_contact_set(patient=patient, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Contact details saved.")
            return done
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "patient": patient, "own": own, "default_region": settings.PHONE_DEFAULT_REGION}
    return render(request, "patients/contact_form.html", context, status=status)


@care_team_required
def contact_edit(request, pk: int):
    """The care team keeps a patient's numbers, email and emergency contact up to date."""
    patient = get_patient_for(request.user, pk)
    return _contact_page(request, patient, own=False, done=redirect("patient_detail", pk=patient.pk))


@login_required
def contact_own(request):
    """A patient keeps their own contact details; a caregiver edits nothing of the patient's record."""
    if not request.user.is_patient or not hasattr(request.user, "patient"):
        raise PermissionDenied("Only a patient edits their own contact details here.")
    return _contact_page(request, request.user.patient, own=True, done=redirect("account"))


class LoginView(auth_views.LoginView):
    """Django's log-in page, but a wrong user name or password answers 400 like every other form."""

    template_name = "registration/login.html"

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)
