"""PostgreSQL: the customers' and orders' created_at and updated_at default to statement_timestamp()
in the database.

A first import then leaves both columns out of its COPY (tenure.imports.base.stamped_by_database):
the server no longer parses two timestamps per row, nor the client formats them; one instant per
COPY, as one per batch before. The statement's time rather than the transaction's (now()): two
imports inside one transaction (a test) must not stamp their rows alike, since the order import
tells the orders it wrote itself by their updated_at. 10M order lines and 1M customers: ~6 s of
CPU (docs/benchmarks.md, session 12). Django's model state is unchanged (the ORM still sends its
own values), and SQLite is left as it is: there the importer sends the timestamps, and a default
would mean rebuilding both tables."""

from django.db import migrations

TABLES = ["customers_customer", "commerce_order"]
COLUMNS = ["created_at", "updated_at"]


def _alter_defaults(clause: str):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            for column in COLUMNS:
                schema_editor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" {clause}')

    return alter


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_deferredstatement"),
        ("commerce", "0002_order_customer_served_by_date_index"),
        ("customers", "0010_delete_searchtoken"),
    ]

    operations = [
        migrations.RunPython(
            _alter_defaults("SET DEFAULT statement_timestamp()"), _alter_defaults("DROP DEFAULT"), elidable=False
        )
    ]
