from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from patients.access import care_team_required, get_patient_for, teams_of
from patients.forms import AcceptInvitationForm, EnrolForm, PatientEventForm
from patients.selectors import team_patient_list
from patients.services import patient_enrol, patient_event_add


@care_team_required
def team_patients(request):
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "patients/team_patients.html",
        {"patients": team_patient_list(user=request.user, query=query), "q": query},
    )


@care_team_required
def patient_detail(request, pk: int):
    patient = get_patient_for(request.user, pk)
    return render(
        request,
        "patients/patient_detail.html",
        {"patient": patient, "checkins": patient.checkins.order_by("-date")[:30]},
    )


@care_team_required
def enrol(request):
    form = EnrolForm(request.POST or None, teams=teams_of(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            patient, invitation = patient_enrol(created_by=request.user, **data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return render(
                request, "patients/invitation.html", {"patient": patient, "invitation": invitation}, status=201
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "patients/enrol.html", {"form": form}, status=status)


def join(request, code: str = ""):
    form = AcceptInvitationForm(request.POST or None, initial={"code": code})
    if request.method == "POST" and form.is_valid():
        from patients.services import invitation_accept

        data = form.cleaned_data
        try:
            user = invitation_accept(code=data["code"], password=data["password"], username=data["username"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("checkin")
    status = 400 if request.method == "POST" else 200
    return render(request, "patients/join.html", {"form": form}, status=status)


@care_team_required
def event_add(request, pk: int):
    patient = get_patient_for(request.user, pk)
    form = PatientEventForm(request.POST or None)
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
