"""SearchDoc: one search entry per customer (schema; 0009 fills it, 0010 drops SearchToken).

Django cannot declare what each database needs here, so the tables are created by SQL and the model
state separately:
- PostgreSQL: customers_searchdoc (customer_id bigint primary key, doc tsvector) and the GIN index
  search_doc_gin on doc.
- SQLite: customers_searchdoc (customer_id INTEGER PRIMARY KEY — the rowid, which the FTS5 table's
  content_rowid points at — doc text), the FTS5 external-content table customers_searchfts over it
  (detail=none: only which entries hold a token; "_" a token character, so each encoded token is
  one FTS5 token) and the triggers that keep it in step on insert, update and delete.
No database foreign key to the customer (as SearchToken): Django's collector deletes the entry.
The SQL is frozen here; tenure/customers/search.py holds the same statements for bench/build_dataset.py.
Reversible.
"""

import django.db.models.deletion
from django.db import migrations, models

import tenure.customers.models

DOC = "customers_searchdoc"
FTS = "customers_searchfts"
TRIGGERS = [
    f"CREATE TRIGGER customers_searchdoc_ai AFTER INSERT ON {DOC} BEGIN "
    f"INSERT INTO {FTS} (rowid, doc) VALUES (new.customer_id, new.doc); END",
    f"CREATE TRIGGER customers_searchdoc_ad AFTER DELETE ON {DOC} BEGIN "
    f"INSERT INTO {FTS} ({FTS}, rowid, doc) VALUES ('delete', old.customer_id, old.doc); END",
    f"CREATE TRIGGER customers_searchdoc_au AFTER UPDATE ON {DOC} BEGIN "
    f"INSERT INTO {FTS} ({FTS}, rowid, doc) VALUES ('delete', old.customer_id, old.doc); "
    f"INSERT INTO {FTS} (rowid, doc) VALUES (new.customer_id, new.doc); END",
]


def forwards(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(f"CREATE TABLE {DOC} (customer_id bigint NOT NULL PRIMARY KEY, doc tsvector NOT NULL)")
        run(f"CREATE INDEX search_doc_gin ON {DOC} USING gin (doc)")
    else:
        run(f'CREATE TABLE "{DOC}" ("customer_id" INTEGER NOT NULL PRIMARY KEY, "doc" text NOT NULL)')
        run(
            f"CREATE VIRTUAL TABLE {FTS} USING fts5(doc, content='{DOC}', content_rowid='customer_id', "
            "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\", detail=none, columnsize=0)"
        )
        for sql in TRIGGERS:
            run(sql)


def backwards(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(f"DROP TABLE {DOC}")  # with its index
    else:
        run(f"DROP TABLE {FTS}")
        run(f'DROP TABLE "{DOC}"')  # with its triggers


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_search_token_customer_token_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.CreateModel(
                    name="SearchDoc",
                    fields=[
                        (
                            "customer",
                            models.OneToOneField(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="customers.customer",
                            ),
                        ),
                        ("doc", tenure.customers.models.SearchDocField()),
                    ],
                    options={"ordering": ["customer_id"]},
                ),
            ],
        ),
    ]
