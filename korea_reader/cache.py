"""Django's database cache, with an incr() that throttles can count on.

django-ratelimit keeps its counters in a cache and needs incr() to be atomic and to keep
the counter's expiry. Django's DatabaseCache does neither (it reads, adds and writes the
value again with the default timeout), so two requests at once could count as one, and a
window of an hour could end five minutes after its last request. Here the row is locked
while it is read and written, and its expiry is left alone. PostgreSQL holds the counts,
so every app server shares them, with nothing more to run.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction
from django.utils import timezone


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        table = connections[db].ops.quote_name(self._table)
        with transaction.atomic(using=db), connections[db].cursor() as cursor:
            cursor.execute(
                f"SELECT value, expires FROM {table} WHERE cache_key = %s FOR UPDATE", [key]
            )
            row = cursor.fetchone()
            if row is None or row[1] < timezone.now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [pickled, key])
        return value
