"""Leave room on each page of value_customermetrics (PostgreSQL only) so the recompute's row
rewrites are HOT updates: no index maintenance, far less WAL (see docs/value.md, "Performance")."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE value_customermetrics SET (fillfactor = 50)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE value_customermetrics RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("value", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
