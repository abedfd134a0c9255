"""The database cache's table, which every write's rate limit now counts in.

`createcachetable` made it by hand until now (docs/DEPLOY.md, `make run`); with a limit
on every write, a deployment that missed that step would refuse every save, so `migrate`
makes it too. The command is idempotent: an existing table is left as it is.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0014_class_moderation")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
