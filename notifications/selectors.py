"""Reads about alerts, always scoped through patients.access."""

from django.db.models import QuerySet
from django.http import Http404

from audit.services import audit_view
from notifications.models import SEVERITY_RANK, Alert, Delivery
from patients.access import is_care_team_member, patients_visible_to

UNRESOLVED = [Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED]


def alerts_visible_to(user) -> QuerySet[Alert]:
    """Alerts of the patients this user may see; nothing else exists for them."""
    return Alert.objects.filter(patient__in=patients_visible_to(user))


def inbox_alerts(
    user, status: str | None = None, severity: str | None = None, owner: str | None = None
) -> QuerySet[Alert]:
    """The care team's inbox: unresolved by default, most severe first, then oldest first.

    status: one of Alert.Status values, "all", or None (unresolved).
    owner: "me" (assigned to this user), "unassigned", or None (anyone).
    """
    # patient__contact: every card shows the patient's numbers, without a query per card.
    qs = alerts_visible_to(user).select_related(
        "patient", "patient__care_team", "patient__contact", "assigned_to", "acknowledged_by"
    )
    if status in Alert.Status.values:
        qs = qs.filter(status=status)
    elif status != "all":
        qs = qs.filter(status__in=UNRESOLVED)
    if severity in SEVERITY_RANK:
        qs = qs.filter(severity=severity)
    if owner == "me":
        qs = qs.filter(assigned_to=user)
    elif owner == "unassigned":
        qs = qs.filter(assigned_to__isnull=True)
    # Resolved lists read newest first would be nicer, but one order keeps the inbox predictable.
    return qs.order_by("severity_rank", "opened_at", "pk")


def open_alert_count_for(user) -> int:
    """Unresolved alerts the user can see: one COUNT query (the nav badge)."""
    return alerts_visible_to(user).filter(status__in=UNRESOLVED).count()


def open_alert_count_of_request(request) -> int:
    """The nav badge's count, counted once per request (the dashboard's ETag and the badge share it)."""
    count = getattr(request, "_open_alert_count", None)
    if count is None:
        count = request._open_alert_count = open_alert_count_for(request.user)
    return count


def get_alert_for(user, pk) -> Alert:
    """One alert in the user's scope, else 404 (never confirm another team's alert exists)."""
    try:
        alert = (
            alerts_visible_to(user)
            .select_related(
                "patient", "patient__care_team", "patient__contact", "assigned_to", "acknowledged_by", "resolved_by"
            )
            .get(pk=pk)
        )
    except (Alert.DoesNotExist, ValueError, TypeError):
        raise Http404("No such alert.") from None
    if is_care_team_member(user):
        audit_view(user=user, patient_id=alert.patient_id)
    return alert


def alert_history(alert: Alert) -> dict:
    return {
        "events": alert.events.select_related("actor").order_by("at", "pk"),
        "deliveries": Delivery.objects.filter(alert=alert)
        .select_related("recipient")
        .order_by("escalation_level", "created_at", "pk"),
    }
