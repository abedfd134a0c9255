"""Django's database cache, with counters that throttles can count on, cheaply.

The throttles (annotations/throttles.py) keep a counter per key and window here, and
every write adds to one. Django's DatabaseCache counts badly: its incr() reads, adds and
writes the value again with the default timeout, so two requests at once could count as
one, and a window of an hour could end five minutes after its last request; and its
add() counts the whole table first (to cull it), then reads and writes the row in a
transaction: five round trips to PostgreSQL.

Here a counter is stored as "i:<n>" (a colon is not in base64's alphabet, so no pickled
value reads as one), which PostgreSQL can add to under the row's lock: no count is lost
and the expiry is left alone. count(), what the throttles call, is one upsert that makes
a window's counter or adds to it: one round trip a counted request. add() (an INSERT that
takes over an expired row and leaves a live one alone, without locking it) and incr()
(one UPDATE that adds in SQL) count the same way, for anything using Django's cache API.
Expired rows are deleted whenever a counter is made, instead of Django's cull.
PostgreSQL holds the counts, so every app server shares them, with nothing more to run.
"""

import base64
import pickle
from datetime import UTC, datetime

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router
from django.utils import timezone

COUNTER = "i:"  # the prefix of a counter's value: not base64, so no pickle reads as one


class DatabaseCache(DjangoDatabaseCache):
    def _encoded(self, value) -> str:
        if type(value) is int:  # a counter (not a bool): one SQL can add to
            return f"{COUNTER}{value}"
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    def get_many(self, keys, version=None):
        """Django's, reading counters too (its own unpickles every value); an expired row
        is not found, and is left for add() to delete."""
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not key_map:
            return {}
        connection, table = self._connection_and_table()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT cache_key, value FROM {table} WHERE cache_key = ANY(%s) AND expires >= %s",
                [list(key_map), timezone.now()],
            )
            return {key_map[key]: self._decoded(value) for key, value in cursor.fetchall()}

    @staticmethod
    def _decoded(value: str):
        if value.startswith(COUNTER):
            return int(value[len(COUNTER) :])
        return pickle.loads(base64.b64decode(value.encode()))

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
            # A live row is looked at, not locked: ON CONFLICT would lock it even to
            # leave it alone, and a lock is a write PostgreSQL flushes at the commit.
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) SELECT %s, %s, %s "
                f"WHERE NOT EXISTS (SELECT FROM {table} WHERE cache_key = %s AND expires >= %s) "
                "ON CONFLICT (cache_key) DO UPDATE "
                "SET value = EXCLUDED.value, expires = EXCLUDED.expires "
                f"WHERE {table}.expires < %s RETURNING cache_key",
                [key, self._encoded(value), expires.replace(microsecond=0), key, now, now],
            )
            added = cursor.fetchone() is not None
            if added:
                cursor.execute(f"DELETE FROM {table} WHERE expires < %s", [now])
        return added

    def count(self, key, timeout: int, delta: int = 1, version=None) -> int:
        """Add `delta` to the counter `key` and return it, in one statement: an upsert
        that makes the counter at `delta` (expiring in `timeout` seconds) when there is
        none, or only an expired one or a value that is no counter, and otherwise adds
        under the row's lock, leaving its expiry alone. When it made the counter, the
        same statement deletes the other expired rows, as add() does (a counter that
        lived holds more than `delta`; else PostgreSQL skips the delete without a scan).
        `delta` is at least 1."""
        key = self.make_and_validate_key(key, version=version)
        expires = datetime.fromtimestamp(self.get_backend_timeout(timeout), tz=UTC)
        now = timezone.now()
        connection, table = self._connection_and_table()
        anew = f"(counter.expires < %s OR NOT starts_with(counter.value, '{COUNTER}'))"
        made = self._encoded(delta)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH counted AS (INSERT INTO {table} AS counter (cache_key, value, expires)"
                " VALUES (%s, %s, %s) ON CONFLICT (cache_key) DO UPDATE SET "
                f"value = CASE WHEN {anew} THEN EXCLUDED.value"
                f" ELSE '{COUNTER}' || (substr(counter.value, %s)::bigint + %s) END, "
                f"expires = CASE WHEN {anew} THEN EXCLUDED.expires ELSE counter.expires END "
                "RETURNING value), "
                # Not the counter itself: one statement changes a row once.
                f"expired AS (DELETE FROM {table} WHERE expires < %s AND cache_key <> %s"
                " AND (SELECT value FROM counted) = %s) "
                "SELECT value FROM counted",
                [key, made, expires.replace(microsecond=0), now, len(COUNTER) + 1, delta, now]
                + [now, key, made],
            )
            return self._decoded(cursor.fetchone()[0])

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        connection, table = self._connection_and_table()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET value = %s || (substr(value, %s)::bigint + %s) "
                "WHERE cache_key = %s AND expires >= %s AND starts_with(value, %s) "
                "RETURNING value",
                [COUNTER, len(COUNTER) + 1, delta, key, timezone.now(), COUNTER],
            )
            row = cursor.fetchone()
            if row is None:  # no counter, or a number set() pickled: Django's way, once
                return self._incr_pickled(cursor, table, key, delta)
        return self._decoded(row[0])

    def _incr_pickled(self, cursor, table: str, key: str, delta: int) -> int:
        """A read and a compare-and-swap UPDATE, again if another request wrote between;
        the number is a counter from then on."""
        while True:
            cursor.execute(
                f"SELECT value FROM {table} WHERE cache_key = %s AND expires >= %s",
                [key, timezone.now()],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = self._decoded(row[0]) + delta
            cursor.execute(
                f"UPDATE {table} SET value = %s WHERE cache_key = %s AND value = %s",
                [self._encoded(value), key, row[0]],
            )
            if cursor.rowcount == 1:
                return value
