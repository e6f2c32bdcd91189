"""SearchToken.customer without a database foreign-key constraint (db_constraint=False).

A bulk import writes ~13 tokens per new customer, and the deferred check of each (a look-up of its
customer at commit on PostgreSQL, at insert on SQLite) was ~40% of PostgreSQL's work for a new
customer. CASCADE on delete is done by Django's collector, not by the database, so deleting or
merging customers still removes their tokens (tested).

On PostgreSQL the constraint is dropped here. On SQLite dropping it means copying the whole table,
which the next migration (0007) does anyway when it rebuilds the table WITHOUT ROWID without it: this
one leaves SQLite's table alone, so a large database is copied once, not twice. (Reversed on
SQLite, 0007 rebuilds the table without the constraint: harmless, Django deletes the tokens.)
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "customers_searchtoken"


def _fk_names(schema_editor) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return [
        name
        for name, info in constraints.items()
        if info["foreign_key"] and info["columns"] == ["customer_id"]
    ]


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _fk_names(schema_editor):
        schema_editor.execute(f'ALTER TABLE "{TABLE}" DROP CONSTRAINT "{name}"')


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or _fk_names(schema_editor):
        return
    schema_editor.execute(
        f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_customer_id_fk_customers_customer_id" '
        'FOREIGN KEY ("customer_id") REFERENCES "customers_customer" ("id") DEFERRABLE INITIALLY DEFERRED'
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_drop_redundant_customer_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_constraint, add_constraint)],
            state_operations=[
                migrations.AlterField(
                    model_name="searchtoken",
                    name="customer",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.customer",
                    ),
                ),
            ],
        ),
    ]
