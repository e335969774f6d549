"""What a page read, as one short version string, asked of PostgreSQL in one query.

Every row in PostgreSQL carries the transaction that wrote its current version (`xmin`) and its physical place
(`ctid`); any INSERT, UPDATE or DELETE changes the set of (xmin, ctid) pairs of the rows it touched. A page that
reads "the rows of these querysets" may therefore be kept as long as that set has not changed — whatever wrote
them: a service's save(), a queryset's update(), a bulk_create, the admin, a migration or a psql session. No
signal has to be remembered for each new write path. `ctid` is there for writes inside one transaction (all of
them share its `xmin`; each UPDATE still moves the row), `xmin` for a place reused after VACUUM.

A `RowsVersion` names its querysets once, as a function of a few arguments (an order's id, a CPF…); the ORM
compiles them into one statement the first time, with stand-in values whose places become the parameters, so a
request pays neither the ORM nor (the statement is PREPAREd on each connection, except behind PgBouncer's
transaction pooling, which cannot keep it) PostgreSQL's planning of a few dozen subqueries. It returns a digest,
or None where the database keeps no row versions (SQLite in `make run`): the caller then does not cache.
"""

import hashlib
import threading
import weakref
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL


def _versions_sql(queryset: QuerySet) -> tuple[str, tuple]:
    table = connection.ops.quote_name(queryset.model._meta.db_table)  # the queryset's own table, never user input
    versions = (
        queryset.order_by()
        .annotate(row_version=RawSQL(f"{table}.xmin::text || {table}.ctid::text", ()))  # noqa: S611
        .values_list("row_version")
    )
    sql, params = versions.query.sql_with_params()
    aggregated = f"coalesce((SELECT string_agg(v.row_version, ',' ORDER BY v.row_version) FROM ({sql}) v), '')"  # noqa: S608
    return aggregated, params


class RowsVersion:
    """`RowsVersion("name", build, order_id=-7301911, cpf="\\x00cpf")`: `version(order_id=…, cpf=…)` digests the
    rows of `build(order_id=…, cpf=…)`. The stand-ins must be values no real argument takes; wherever the compiled
    statement carries one (or its text, for a text column), the real argument goes."""

    def __init__(self, name: str, build: Callable[..., list[QuerySet]], **stand_ins):
        self.name = f"rows_version_{name}"
        self.build = build
        self.stand_ins = stand_ins
        self._compiled: tuple[str, list[tuple[str, bool] | object]] | None = None
        self._prepared: weakref.WeakSet = weakref.WeakSet()  # the DB-API connections holding the statement
        self._lock = threading.Lock()

    def _compile(self) -> tuple[str, list]:
        if self._compiled is None:
            parts = [_versions_sql(queryset) for queryset in self.build(**self.stand_ins)]
            sql = "SELECT concat_ws('|', " + ", ".join(part for part, _ in parts) + ")"
            by_value = {value: (name, False) for name, value in self.stand_ins.items()}
            by_value |= {
                str(value): (name, True) for name, value in self.stand_ins.items() if not isinstance(value, str)
            }
            slots = [by_value.get(param, param) for _, params in parts for param in params]
            missing = set(self.stand_ins) - {slot[0] for slot in slots if isinstance(slot, tuple)}
            if missing:
                raise ValueError(f"{self.name}: the querysets never use {sorted(missing)}")
            self._compiled = (sql, slots)
        return self._compiled

    def version(self, **arguments) -> str | None:
        if connection.vendor != "postgresql":
            return None
        with self._lock:
            sql, slots = self._compile()
        params = [
            (str(arguments[slot[0]]) if slot[1] else arguments[slot[0]]) if isinstance(slot, tuple) else slot
            for slot in slots
        ]
        with connection.cursor() as cursor:
            raw = cursor.connection  # the DB-API connection: a new one (after a reconnect) prepares again
            if settings.DB_PGBOUNCER or not settings.ROW_VERSIONS_PREPARE:
                cursor.execute(sql, params)
            else:
                if raw not in self._prepared:
                    cursor.execute(
                        f"PREPARE {self.name} AS {sql.replace('%s', '$%d') % tuple(range(1, len(params) + 1))}"
                    )
                    self._prepared.add(raw)
                cursor.execute(f"EXECUTE {self.name} ({', '.join(['%s'] * len(params))})", params)
            (text,) = cursor.fetchone()
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
