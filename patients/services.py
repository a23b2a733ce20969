"""Writes about patients, care teams and enrolment."""

from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from audit.services import audit_change
from patients.models import Caregiver, CareTeam, Invitation, Patient, PatientContact, PatientEvent, User
from patients.phones import phone_normalise
from patients.tokens import tokens_revoke_all


def _invitation_valid_for() -> timedelta:
    # Short, because a code is a key to a patient's account until it is used.
    return timedelta(days=settings.INVITATION_VALID_DAYS)


@transaction.atomic
def patient_enrol(
    *,
    team: CareTeam,
    created_by: User,
    first_name: str,
    last_name: str,
    date_of_birth,
    region: str = Patient.Region.CERVICAL,
    diagnosis_date=None,
    timezone_name: str = "Europe/London",
    mobile_phone: str = "",
) -> tuple[Patient, Invitation]:
    """Create a patient record and the invitation that lets them set a password.

    The mobile number, when given, is the first line of their contact details.
    """
    patient = Patient(
        care_team=team,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        date_of_birth=date_of_birth,
        region=region,
        diagnosis_date=diagnosis_date,
        timezone=timezone_name,
    )
    patient.full_clean()
    patient.save()
    if (mobile_phone or "").strip():
        patient_contact_set(patient=patient, user=created_by, mobile_phone=mobile_phone)
    return patient, invitation_create(patient=patient, created_by=created_by)


CONTACT_FIELDS = (
    "mobile_phone",
    "other_phone",
    "email",
    "preferred_method",
    "preferred_time",
    "emergency_name",
    "emergency_relation",
    "emergency_phone",
)
PHONE_FIELDS = ("mobile_phone", "other_phone", "emergency_phone")


def patient_contact_of(patient: Patient) -> PatientContact:
    """The patient's contact details, or an empty unsaved row when none were ever given."""
    try:
        return patient.contact
    except PatientContact.DoesNotExist:
        return PatientContact(patient=patient)


@transaction.atomic
def patient_contact_set(*, patient: Patient, user: User, **fields) -> PatientContact:
    """Save the given contact fields (the others keep their value); phone numbers in E.164.

    Raises ValidationError naming each bad field. The audit row names the
    fields that changed, not their values: the trail is read by more people
    than the record.
    """
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError({name: "Not a contact field." for name in sorted(unknown)})
    errors = {}
    for name in PHONE_FIELDS:
        if name in fields:
            try:
                fields[name] = phone_normalise(fields[name], field=name)
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    contact = PatientContact.objects.select_for_update().filter(patient=patient).first() or PatientContact(
        patient=patient
    )
    changed = []
    for name, value in fields.items():
        value = (value or "").strip()
        if getattr(contact, name) != value:
            setattr(contact, name, value)
            changed.append(name)
    if not changed and contact.pk:
        return contact
    contact.updated_by = user
    contact.full_clean()
    contact.save()
    audit_change(user=user, patient_id=patient.pk, what="contact", detail={"changed": changed})
    return contact


def invitation_create(*, patient: Patient, created_by: User | None, for_caregiver: bool = False) -> Invitation:
    """A new code for the patient (or for a caregiver of theirs); an earlier unused code of the same kind stops working."""
    now = timezone.now()
    Invitation.objects.filter(
        patient=patient, for_caregiver=for_caregiver, accepted_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    return Invitation.objects.create(
        patient=patient, created_by=created_by, for_caregiver=for_caregiver, expires_at=now + _invitation_valid_for()
    )


def _free_username(patient: Patient) -> str:
    # slugify drops dots, so join the slugged parts: "Grace Adeyemi" -> grace.adeyemi
    parts = [slugify(part).replace("-", ".") for part in (patient.first_name, patient.last_name)]
    base = ".".join(part for part in parts if part)[:30] or "patient"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


@transaction.atomic
def invitation_accept(*, code: str, password: str, username: str = "") -> User:
    """Turn an invitation into the patient's own account, or give a patient who has one a new password.

    The second is how the care team lets back in a patient who forgot their
    password or is locked out: the patient keeps their user name and history,
    and every other session and token of theirs ends. Raises ValidationError.
    """
    invitation = (
        Invitation.objects.select_for_update().select_related("patient").filter(code=code.strip().upper()).first()
    )
    if invitation is None or not invitation.is_usable():
        raise ValidationError(
            {"code": "This invitation code is not valid or has expired. Ask your care team for a new one."}
        )
    patient = invitation.patient
    if invitation.for_caregiver:
        user = _new_caregiver(invitation, username=username, password=password)
    elif patient.user_id:
        user = patient.user
        _check_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        tokens_revoke_all(user=user)
        _unlock(user.username)
    else:
        user = _new_patient_user(patient, username=username, password=password)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


def _new_caregiver(invitation: Invitation, *, username: str, password: str) -> User:
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "Choose a user name for yourself (the patient keeps their own)."})
    user = _new_user(username=username, password=password, role=User.Role.CAREGIVER)
    Caregiver.objects.create(user=user, patient=invitation.patient, invited_by=invitation.created_by)
    audit_change(user=user, patient_id=invitation.patient_id, what="caregiver", detail={"change": "joined"})
    return user


@transaction.atomic
def caregiver_remove(*, patient: Patient, caregiver_id: int, removed_by: User) -> bool:
    """End a caregiver's access at once (their log-in stays, with nobody to help). False if not this patient's."""
    removed = Caregiver.objects.filter(pk=caregiver_id, patient=patient, removed_at__isnull=True).update(
        removed_at=timezone.now()
    )
    if removed:
        detail = {"change": "removed", "caregiver_link": caregiver_id}
        audit_change(user=removed_by, patient_id=patient.pk, what="caregiver", detail=detail)
    return bool(removed)


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


def _unlock(username: str) -> None:
    # A patient locked out by wrong passwords comes back in with the new one at once.
    axes_reset(username=username)


def _new_user(*, username: str, password: str, role: str, **names) -> User:
    # "NURSE.A" beside "nurse.a" would be two people who look like one.
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "That user name is taken (user names ignore capitals); choose another."})
    user = User(username=username, role=role, **names)
    _check_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def _new_patient_user(patient: Patient, *, username: str, password: str) -> User:
    username = (username or "").strip() or _free_username(patient)
    user = _new_user(
        username=username,
        password=password,
        role=User.Role.PATIENT,
        first_name=patient.first_name,
        last_name=patient.last_name,
    )
    patient.user = user
    patient.save(update_fields=["user"])
    return user


@transaction.atomic
def patient_event_add(*, patient: Patient, kind: str, date, created_by: User, note: str = "") -> PatientEvent:
    """Record a key date (surgery, start of physiotherapy, a visit) on the patient's timeline."""
    if date and date > patient.local_today():
        raise ValidationError({"date": "An event cannot be dated in the future."})
    if date and date < patient.date_of_birth:
        raise ValidationError({"date": "An event cannot be dated before the patient's birth."})
    event = PatientEvent(patient=patient, kind=kind, date=date, note=(note or "").strip(), created_by=created_by)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def sign_out_other_devices(*, user: User, request=None) -> None:
    """End every session and API token of this person except the session making the request."""
    User.objects.filter(pk=user.pk).update(session_epoch=models.F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    tokens_revoke_all(user=user)
    if request is not None:
        update_session_auth_hash(request, user)


def account_email_set(*, user: User, email: str) -> None:
    """The address for password resets (and reminders); one address may serve two accounts (a couple)."""
    user.email = (email or "").strip()
    user.full_clean(validate_unique=False, validate_constraints=False, exclude=["password"])
    user.save(update_fields=["email"])
