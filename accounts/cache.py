"""A database cache of counts, for rate limits (settings.CACHES["ratelimit"], settings.RATE_LIMITS).

django-ratelimit counts with `cache.add(key, 1)` and then `cache.incr(key)`. Django's DatabaseCache
increments by reading the pickled value and writing it back, so two requests at once both read 7
and both write 8 (a burst is undercounted by as many requests as run at once), and each step costs
several queries. Here a count is stored as decimal text, and each step is one statement that the
database makes atomic on both engines: `add` is an INSERT … ON CONFLICT that only takes over an
expired row, `incr` an UPDATE … RETURNING of the value plus one. So every request is counted, at
one query for the first request of a window and two for each after.

Only integers are stored; anything else is refused. Expired rows are purged now and then by
`add` (keys carry their window, so they are never reused).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from django.utils import timezone

PURGE_ONE_IN = 500


class CountingDatabaseCache(DatabaseCache):
    def _db(self):
        connection = connections[router.db_for_write(self.cache_model_class)]
        return connection, connection.ops.quote_name, connection.ops.quote_name(self._table)

    def _expiry(self, connection, timeout) -> object:
        timeout = self.get_backend_timeout(timeout)
        when = datetime.max if timeout is None else datetime.fromtimestamp(timeout, tz=UTC)
        return connection.ops.adapt_datetimefield_value(when.replace(microsecond=0))

    @staticmethod
    def _now(connection) -> object:
        return connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))

    @staticmethod
    def _count(value) -> str:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("CountingDatabaseCache stores integer counts only")
        return str(value)

    def _upsert(self, key, value, timeout, *, only_expired: bool) -> bool:
        connection, qn, table = self._db()
        now = self._now(connection)
        condition = f" WHERE {table}.{qn('expires')} <= %s" if only_expired else ""
        sql = (
            f"INSERT INTO {table} ({qn('cache_key')}, {qn('value')}, {qn('expires')}) VALUES (%s, %s, %s) "
            f"ON CONFLICT ({qn('cache_key')}) DO UPDATE SET {qn('value')} = excluded.{qn('value')}, "
            f"{qn('expires')} = excluded.{qn('expires')}{condition}"
        )
        params = [key, self._count(value), self._expiry(connection, timeout)] + ([now] if only_expired else [])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written = cursor.rowcount == 1
            if random.randrange(PURGE_ONE_IN) == 0:
                cursor.execute(f"DELETE FROM {table} WHERE {qn('expires')} <= %s", [now])
        return written

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._upsert(key, value, timeout, only_expired=True)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        key = self.make_and_validate_key(key, version=version)
        self._upsert(key, value, timeout, only_expired=False)

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        connection, qn, table = self._db()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {qn('value')} FROM {table} WHERE {qn('cache_key')} = %s AND {qn('expires')} > %s",
                [key, self._now(connection)],
            )
            row = cursor.fetchone()
        return default if row is None else int(row[0])

    def get_many(self, keys, version=None) -> dict:
        found = {key: self.get(key, version=version) for key in keys}
        return {key: value for key, value in found.items() if value is not None}

    def incr(self, key, delta: int = 1, version=None) -> int:
        key = self.make_and_validate_key(key, version=version)
        connection, qn, table = self._db()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {qn('value')} = CAST(CAST({qn('value')} AS INTEGER) + %s AS TEXT) "
                f"WHERE {qn('cache_key')} = %s AND {qn('expires')} > %s RETURNING {qn('value')}",
                [int(delta), key, self._now(connection)],
            )
            row = cursor.fetchone()
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return int(row[0])
