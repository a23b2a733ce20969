"""A JSON column that PostgreSQL keeps as ``json`` (checked text), not ``jsonb``."""

import json

from django.db import models


class JSONTextField(models.JSONField):
    """JSONField stored as PostgreSQL's ``json`` type; the same field everywhere else.

    For documents the application writes and reads whole and never queries
    into (the detector's saved state): ``jsonb`` takes each document apart
    into its binary form on the way in, and a first nightly sweep writes one
    of about 1.1 kB per patient. Copying 2,000 of them into a ``jsonb``
    column took 150-170 ms against 26-40 ms into ``json`` (2026-12-03, the
    sweep bench's database), about a seventh of a rebuild. ``json`` has no
    equality operator and no key lookups worth using: do not filter on such
    a field.
    """

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        adapted = super().get_db_prep_value(value, connection, prepared)
        if connection.vendor == "postgresql":
            from psycopg.types.json import Json, Jsonb

            if isinstance(adapted, Jsonb):
                # Sent as json: a jsonb parameter into a json column is parsed twice, and a
                # CASE mixing the two types (the ORM check-in writer's) is an error.
                return Json(adapted.obj, adapted.dumps)
        return adapted

    def from_db_value(self, value, expression, connection):
        # psycopg decodes ``json`` itself (Django asks it for ``jsonb`` as text only).
        if value is None or not isinstance(value, str):
            return value
        return json.loads(value, cls=self.decoder)
