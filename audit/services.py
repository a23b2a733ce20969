"""audit_record: write one row of the audit trail.

The request's path and client address come from a context variable that
audit.middleware.AuditContextMiddleware sets for every request, so services
deep below a view (checkin_submit, alert_resolve) record them without a
request argument. Outside a request (a task, a command) they stay empty.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from audit.models import AuditEvent


@dataclass(frozen=True)
class RequestInfo:
    path: str
    address: str | None
    request: object = None

    @property
    def route(self) -> str:
        """The URL name of the view being served ("patient_detail", "api-patient-fhir"), once resolved."""
        match = getattr(self.request, "resolver_match", None)
        return (match.url_name or "") if match else ""


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("audit_request", default=None)


def set_request_info(info: RequestInfo | None) -> contextvars.Token:
    return _current.set(info)


def reset_request_info(token: contextvars.Token) -> None:
    _current.reset(token)


def _is_care_team(user) -> bool:
    return bool(
        user and user.is_authenticated and (user.is_superuser or getattr(user, "role", "") in ("clinician", "admin"))
    )


def audit_record(*, actor, action: str, what: str, patient_id: int | None = None, detail: dict | None = None) -> None:
    info = _current.get()
    AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=getattr(actor, "username", "") or "",
        action=action,
        what=what[:80],
        patient_id=patient_id,
        path=(info.path if info else "")[:500],
        address=info.address if info else None,
        detail=detail or {},
    )


def audit_view(*, user, patient_id: int, what: str = "") -> None:
    """A clinician or admin opened a patient's data (patients reading their own are not audited).

    ``what`` defaults to the URL name of the view being served.
    """
    if _is_care_team(user):
        info = _current.get()
        what = what or (info.route if info else "") or "patient"
        audit_record(actor=user, action=AuditEvent.Action.VIEW, what=what, patient_id=patient_id)


def audit_change(*, user, patient_id: int | None, what: str, detail: dict | None = None) -> None:
    """Anyone changed a patient's record (a check-in, a baseline, an alert, a membership)."""
    audit_record(actor=user, action=AuditEvent.Action.CHANGE, what=what, patient_id=patient_id, detail=detail)
