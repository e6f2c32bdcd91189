"""Drop the index on commerce_order.customer_id alone: order_cust_date_idx (customer_id, ordered_at)
serves every look-up by customer, and the second index keyed by customer cost every import a random
page write per order (docs/benchmarks.md, session 8).

The state change is Django's AlterField(db_index=False); the database change only drops the index
(found by introspection: its name is generated), because on SQLite AlterField would rebuild the
whole orders table."""

import django.db.models.deletion
from django.db import migrations, models


def _customer_only_indexes(schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "commerce_order")
    return [
        name
        for name, info in constraints.items()
        if info["index"] and not info["primary_key"] and not info["unique"] and info["columns"] == ["customer_id"]
    ]


def drop_index(apps, schema_editor):
    for name in _customer_only_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_index(apps, schema_editor):
    if not _customer_only_indexes(schema_editor):
        schema_editor.execute(
            "CREATE INDEX commerce_order_customer_id_9af2ddae ON commerce_order (customer_id)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0001_initial"),
        ("customers", "0010_delete_searchtoken"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="orders",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_index, create_index)],
        ),
    ]
