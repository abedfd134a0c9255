"""Django's database cache, with an add() and incr() that throttles can count on, cheaply.

django-ratelimit keeps its counters in a cache: on every counted request it calls add()
(a new window's counter) and then incr(). Django's DatabaseCache does neither as a
counter needs: its incr() reads, adds and writes the value again with the default
timeout, so two requests at once could count as one, and a window of an hour could end
five minutes after its last request; and its add() counts the whole table first (to cull
it), then reads and writes the row in a transaction: five round trips to PostgreSQL.

Here add() is a read of a live row, else an INSERT that takes over an expired row and
leaves a live one alone; incr() a compare-and-swap UPDATE of the value add() just read
(django-ratelimit calls one after the other: two round trips for a counted request), else
a read and that UPDATE, repeated if another request counted in between: no count is lost,
and the expiry is left alone. Expired rows are
deleted whenever add() makes a row, instead of Django's cull. PostgreSQL holds the
counts, so every app server shares them, with nothing more to run.
"""

import base64
import pickle
from datetime import UTC, datetime

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router
from django.utils import timezone


class DatabaseCache(DjangoDatabaseCache):
    def _encoded(self, value) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    def _connection_and_table(self):
        connection = connections[router.db_for_write(self.cache_model_class)]
        return connection, connection.ops.quote_name(self._table)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        expires = datetime.max if timeout is None else datetime.fromtimestamp(timeout, tz=UTC)
        now = timezone.now().replace(microsecond=0)
        connection, table = self._connection_and_table()
        with connection.cursor() as cursor:
            # Most calls find the window's counter there: a read, which locks nothing, and
            # the value seen for the incr() that follows (django-ratelimit's next call).
            cursor.execute(
                f"SELECT value FROM {table} WHERE cache_key = %s AND expires >= %s",
                [key, timezone.now()],
            )
            row = cursor.fetchone()
            if row is not None:
                self._seen = (key, row[0])
                return False
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) "
                "ON CONFLICT (cache_key) DO UPDATE "
                "SET value = EXCLUDED.value, expires = EXCLUDED.expires "
                f"WHERE {table}.expires < %s RETURNING cache_key",
                [key, self._encoded(value), expires.replace(microsecond=0), now],
            )
            added = cursor.fetchone() is not None
            if added:
                cursor.execute(f"DELETE FROM {table} WHERE expires < %s", [now])
        return added

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        connection, table = self._connection_and_table()
        seen, self._seen = getattr(self, "_seen", None), None
        with connection.cursor() as cursor:
            if seen is not None and seen[0] == key:  # add() just read it: swap at once
                value = pickle.loads(base64.b64decode(seen[1].encode())) + delta
                cursor.execute(
                    f"UPDATE {table} SET value = %s "
                    "WHERE cache_key = %s AND value = %s AND expires >= %s",
                    [self._encoded(value), key, seen[1], timezone.now()],
                )
                if cursor.rowcount == 1:
                    return value
            while True:
                cursor.execute(
                    f"SELECT value FROM {table} WHERE cache_key = %s AND expires >= %s",
                    [key, timezone.now()],
                )
                row = cursor.fetchone()
                if row is None:
                    raise ValueError(f"Key '{key}' not found")
                value = pickle.loads(base64.b64decode(row[0].encode())) + delta
                cursor.execute(
                    f"UPDATE {table} SET value = %s WHERE cache_key = %s AND value = %s",
                    [self._encoded(value), key, row[0]],
                )
                if cursor.rowcount == 1:
                    return value
