"""The throttles' counters move to a cache of their own, in an UNLOGGED table.

Every write counts towards its limit, and each count was a commit that waited for the
write-ahead log to reach the disk: about 0.8 ms of every save and reply. A counter is
worth nothing after a crash (PostgreSQL empties an unlogged table then, and the windows
start again), so it need not wait. The default cache keeps what must outlive a crash,
such as a used LTI registration link. The counters of the old table are left to expire.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations

COUNTS = "counts"  # the alias in settings.CACHES


def make_counts_unlogged(apps, schema_editor):
    table = settings.CACHES[COUNTS]["LOCATION"]
    # Made already if migration 0015 ran with this alias in the settings; else now.
    call_command("createcachetable", table, database=schema_editor.connection.alias, verbosity=0)
    schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET UNLOGGED")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0027_covering_indexes")]

    operations = [migrations.RunPython(make_counts_unlogged, migrations.RunPython.noop)]
