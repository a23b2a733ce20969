from django.conf import settings
from django.db import models


class ApiIdempotencyKey(models.Model):
    """The first answer to an API write sent with an Idempotency-Key header.

    A phone that lost its connection retries with the same key: the stored
    answer is replayed and nothing new is written. The same key with another
    body is refused (409), so a key cannot be reused by mistake.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of method, path and canonical JSON body.")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table keeps the name it had when this model lived in tracker.
        db_table = "tracker_apiidempotencykey"
        constraints = [
            # One stored answer per user and key; its index serves the look-up on every keyed request.
            models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user"),
        ]

    def __str__(self) -> str:
        return f"Idempotency key {self.key!r} of user {self.user_id}"


class Heartbeat(models.Model):
    """The last time a periodic job ran, for the health endpoint ("is beat alive?")."""

    name = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
