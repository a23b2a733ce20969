"""Many new rows of one model in one COPY (PostgreSQL), or bulk_create elsewhere.

A first nightly sweep writes a year of alert episodes per patient: hundreds
of alerts, events and deliveries per batch. ``bulk_create`` sends them as one
INSERT, but on PostgreSQL with client-side parameter binding psycopg quotes
every value in Python and Django prepares each field of each row, which cost
as much as the database's own work. ``COPY ... FROM STDIN`` hands the values
to psycopg's C copier unquoted; the primary keys are drawn from the table's
own sequence first, in one query, so the objects come back with their pks as
from ``bulk_create``.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Sequence

from django.db import connection, models


def bulk_insert(objs: list[models.Model]) -> list[models.Model]:
    """Insert new, unsaved objects of one model; afterwards they have their pks, as after bulk_create.

    The objects' field values are written as they are, with each field's
    ``pre_save`` (so ``auto_now_add`` and the like behave as in a save) and
    JSON fields serialised with their encoder: the values must be plain
    Python values, not expressions. Sends no signals, as bulk_create sends
    none. A constraint violation raises django.db.IntegrityError, within the
    caller's transaction.
    """
    if not objs:
        return objs
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs)
    fields = insert_fields(model)
    # Most fields' pre_save only reads the attribute: read those all at once
    # (a Python call per field and row was a third of writing a first
    # sweep's delivery rows) and call pre_save for the others.
    values_of = operator.attrgetter(*(f.attname for f in fields))
    own = [(i, f) for i, f in enumerate(fields) if not _reads_attribute_only(f)]
    rows = []
    for obj in objs:
        row = list(values_of(obj)) if len(fields) > 1 else [values_of(obj)]
        for i, f in own:
            row[i] = f.pre_save(obj, True)
        rows.append(row)
    ids = copy_rows(model, rows)
    for pk_value, obj in zip(ids, objs, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def copy_rows(model: type[models.Model], rows: list[list], *, pks: bool = True) -> list[int]:
    """Insert rows given as values of ``model_fields(model)`` in order; returns their new pks, in order.

    For a caller that needs no model instance per row (a first sweep's
    alert events): making one costs more than writing it. The values are
    plain Python values as the fields hold them (JSON fields as Python
    data). The model's primary key must be an auto field. ``pks=False``
    returns nothing and leaves the pks to the column's own default, in
    the rows' order, without a round trip to draw them first (for rows
    nothing refers to).
    """
    if not rows:
        return []
    fields = insert_fields(model)
    meta = model._meta
    if connection.vendor != "postgresql":
        objs = [model(**{f.attname: v for f, v in zip(fields, row, strict=True)}) for row in rows]
        created = [obj.pk for obj in model.objects.bulk_create(objs)]
        return created if pks else []
    json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    encoders = [fields[i].encoder for i in json_columns]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in ([meta.pk, *fields] if pks else fields))
    with connection.cursor() as cursor, connection.wrap_database_errors:
        ids: list[int] = []
        if pks:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            ids = sorted(row[0] for row in cursor.fetchall())
            rows = [[pk_value, *row] for pk_value, row in zip(ids, rows, strict=True)]
        shift = 1 if pks else 0
        # The raw psycopg cursor: Django's wrapper has no copy(). The table
        # and column names are the model's own, quoted.
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                if json_columns:
                    row = list(row)  # the caller's rows stay as they were given
                    for i, encoder in zip(json_columns, encoders, strict=True):
                        if row[i + shift] is not None:
                            row[i + shift] = json.dumps(row[i + shift], cls=encoder)
                write(row)
    return ids


def new_rows(model: type[models.Model], varying: Sequence[str], values: Iterable[Sequence], **same) -> list[list]:
    """Rows for copy_rows: each field's default, ``same`` for every row, and per row the ``varying`` fields' values.

    ``values`` gives one sequence per row, in the order of ``varying``
    (attribute names). The defaults are taken once (callables called now),
    as a batch of new instances made at once would have them.
    """
    names = model_fields(model)
    start = {**model_defaults(model), **same}
    template = [start[name] for name in names]
    positions = [names.index(name) for name in varying]
    rows = []
    for row_values in values:
        row = template.copy()
        for i, value in zip(positions, row_values, strict=True):
            row[i] = value
        rows.append(row)
    return rows


def model_fields(model: type[models.Model]) -> list[str]:
    """The attribute names copy_rows takes values for, in order: every concrete field but the pk."""
    return [f.attname for f in insert_fields(model)]


def model_defaults(model: type[models.Model]) -> dict:
    """Each field's default by attribute name (callables called now): what a new instance starts with."""
    return {f.attname: f.get_default() for f in insert_fields(model)}


def _reads_attribute_only(field: models.Field) -> bool:
    """Whether the field's pre_save on insert is just its attribute's value."""
    if isinstance(field, models.DateField):  # DateTimeField too: only auto_now(_add) sets a value
        return not field.auto_now and not field.auto_now_add
    return type(field).pre_save is models.Field.pre_save


def insert_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields a new row is written with, in order: every concrete field but the (auto) pk."""
    pk = model._meta.pk
    return [f for f in model._meta.concrete_fields if f is not pk]
