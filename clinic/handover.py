"""The hand-over for the next shift: what changed on the user's teams since a time.

Four queries whatever the number of patients (alerts opened, acknowledged and
resolved since then, red-flag check-ins since then), each joined to the
patient and the people named, scoped through patients.access.
"""

from dataclasses import dataclass
from datetime import datetime

from detection.scales import RED_FLAG_LABELS
from notifications.models import Alert
from patients.access import patients_visible_to
from tracker.models import CheckIn


@dataclass
class Handover:
    since: datetime
    opened: list[Alert]
    acknowledged: list[Alert]
    resolved: list[Alert]
    red_flags: list[dict]

    @property
    def patient_ids(self) -> list[int]:
        ids = {a.patient_id for a in (*self.opened, *self.acknowledged, *self.resolved)}
        ids.update(r["patient"].pk for r in self.red_flags)
        return sorted(ids)

    @property
    def is_empty(self) -> bool:
        return not (self.opened or self.acknowledged or self.resolved or self.red_flags)


def handover_since(*, user, since: datetime) -> Handover:
    """Alerts opened, acknowledged and resolved at or after `since`, and red flags checked in since then."""
    scope = patients_visible_to(user).values("pk")
    alerts = Alert.objects.filter(patient__in=scope).select_related("patient", "patient__care_team")
    opened = alerts.filter(opened_at__gte=since).select_related("assigned_to").order_by("severity_rank", "opened_at")
    acknowledged = (
        alerts.filter(acknowledged_at__gte=since).select_related("acknowledged_by").order_by("acknowledged_at")
    )
    resolved = alerts.filter(resolved_at__gte=since).select_related("resolved_by").order_by("resolved_at")
    # updated_at, not created_at: a check-in resubmitted later the same day
    # with a red-flag answer is a new red flag for the next shift.
    checkins = (
        CheckIn.objects.filter(patient__in=scope, red_flag=True, updated_at__gte=since)
        .select_related("patient", "patient__care_team")
        .order_by("updated_at")
    )
    red_flags = [
        {
            "patient": c.patient,
            "date": c.date,
            "at": c.updated_at,
            "answers": [RED_FLAG_LABELS[key] for key in c.red_flags_answered_yes],
        }
        for c in checkins
    ]
    return Handover(since, list(opened), list(acknowledged), list(resolved), red_flags)
