"""Drop customer-table indexes that no query needs: each costs every imported or created customer an
index entry (the import writes hundreds of thousands of customers at a time).

Dropped (docs/benchmarks.md, "Import", lists how each was checked):

- The single-column indexes Django adds to the foreign keys `team_id`, `owner_id` and
  `representative_id`. `cust_team_idx (team_id, id)`, `cust_owner_idx (owner_id, id)` and
  `cust_rep_idx (representative_id, id)` lead with the same column and serve every query the narrow
  ones could (visibility `team_id IN (…)`/`owner_id = …`, "my customers", the SET NULL when a user or
  team is deleted), and more.
- PostgreSQL only: the `…_like` (varchar_pattern_ops) twins Django adds to indexed text columns
  `external_id`, `mobile`, `phone`, `email` and `lifecycle_stage`. They serve only `LIKE 'x%'` /
  `startswith`, and no query does that on these columns: search goes through SearchToken, lookups
  and duplicates compare whole values (the plain B-tree indexes, kept).

Kept: uid and external_id (unique), mobile, phone, email (lookup, screen-pop, duplicates, import
matching), name (duplicates, sorting), lifecycle_stage and do_not_contact (list filters),
referred_by_id (referrals, SET NULL), and the three (column, id) composites.

Schema only, no data; the state change is `db_index=False` on the three foreign keys. The drop is
done with DROP INDEX (not AlterField, which on SQLite copies the whole table); reversible.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "customers_customer"
FK_COLUMNS = ["team_id", "owner_id", "representative_id"]
LIKE_COLUMNS = ["external_id", "mobile", "phone", "email", "lifecycle_stage"]


def _names(schema_editor, columns, suffix):
    return [(c, schema_editor._create_index_name(TABLE, [c], suffix=suffix)) for c in columns]


def drop_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    for _column, name in _names(schema_editor, FK_COLUMNS, ""):
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")
    if schema_editor.connection.vendor == "postgresql":
        for _column, name in _names(schema_editor, LIKE_COLUMNS, "_like"):
            schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")


def create_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    for column, name in _names(schema_editor, FK_COLUMNS, ""):
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(TABLE)} ({quote(column)})")
    if schema_editor.connection.vendor == "postgresql":
        for column, name in _names(schema_editor, LIKE_COLUMNS, "_like"):
            schema_editor.execute(
                f"CREATE INDEX {quote(name)} ON {quote(TABLE)} ({quote(column)} varchar_pattern_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("customers", "0004_customer_tier"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="owned_customers",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="representative",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="represented_customers",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="dedicated representative",
                    ),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="team",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="customers",
                        to="accounts.team",
                        verbose_name="team",
                    ),
                ),
            ],
        ),
    ]
