"""The database cache's table (settings.CACHES): made by a migration so that every database the
platform runs on has it — the demo, the tests, the bench and production — without a separate
`createcachetable` step to forget."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_load_regions")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
