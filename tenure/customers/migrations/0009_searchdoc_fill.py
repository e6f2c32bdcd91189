"""Fill SearchDoc from SearchToken, set-based (data; 0008 made the tables, 0010 drops SearchToken).

- PostgreSQL: one INSERT … SELECT customer_id, array_to_tsvector(array_agg(token)) … GROUP BY
  customer_id, with the GIN index dropped during the fill and built once after it (one sorted build
  instead of a GIN insert per entry).
- SQLite: SQL cannot FTS-encode a token, so a Python function is registered on the connection for
  the statement (tenure_fts_encode, the same code as search.fts_encode, frozen here) and the entries
  are built by one INSERT … SELECT group_concat(…) … GROUP BY customer_id; the FTS5 triggers are
  dropped during the fill and the FTS index built once with 'rebuild'.
Backwards: SearchToken (recreated empty by 0010's reverse) is filled again from the entries (PostgreSQL
unnest(tsvector_to_array(doc)); SQLite a registered decoder over json_each) and the entries deleted.
Timings at 200k customers: docs/benchmarks.md, "Search entries: one per customer (session 5)".
"""

import re

from django.db import migrations

DOC = "customers_searchdoc"
FTS = "customers_searchfts"
TOKENS = "customers_searchtoken"
TRIGGERS = [
    f"CREATE TRIGGER customers_searchdoc_ai AFTER INSERT ON {DOC} BEGIN "
    f"INSERT INTO {FTS} (rowid, doc) VALUES (new.customer_id, new.doc); END",
    f"CREATE TRIGGER customers_searchdoc_ad AFTER DELETE ON {DOC} BEGIN "
    f"INSERT INTO {FTS} ({FTS}, rowid, doc) VALUES ('delete', old.customer_id, old.doc); END",
    f"CREATE TRIGGER customers_searchdoc_au AFTER UPDATE ON {DOC} BEGIN "
    f"INSERT INTO {FTS} ({FTS}, rowid, doc) VALUES ('delete', old.customer_id, old.doc); "
    f"INSERT INTO {FTS} (rowid, doc) VALUES (new.customer_id, new.doc); END",
]
DROP_TRIGGERS = [f"DROP TRIGGER IF EXISTS customers_searchdoc_{s}" for s in ("ai", "ad", "au")]
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_CODE = re.compile(r"_([0-9a-f]+)_")


def encode(token):
    return "".join(c if c in _PLAIN else f"_{ord(c):x}_" for c in token)


def decode(encoded):
    return _CODE.sub(lambda m: chr(int(m.group(1), 16)), encoded)


def _sqlite_functions(connection):
    raw = connection.connection
    raw.create_function("tenure_fts_encode", 1, encode, deterministic=True)
    raw.create_function("tenure_fts_decode", 1, decode, deterministic=True)


def forwards(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run("DROP INDEX IF EXISTS search_doc_gin")
        run(
            f"INSERT INTO {DOC} (customer_id, doc) SELECT customer_id, array_to_tsvector(array_agg(token)) "
            f"FROM {TOKENS} GROUP BY customer_id"
        )
        run(f"CREATE INDEX search_doc_gin ON {DOC} USING gin (doc)")
        return
    _sqlite_functions(schema_editor.connection)
    for sql in DROP_TRIGGERS:
        run(sql)
    # Tokens in key order (customer_id, token): the groups come out sorted, no temporary B-tree.
    run(
        f'INSERT INTO "{DOC}" (customer_id, doc) SELECT customer_id, group_concat(tenure_fts_encode(token), '
        f"' ') FROM (SELECT customer_id, token FROM {TOKENS} ORDER BY customer_id, token) GROUP BY customer_id"
    )
    run(f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')")
    for sql in TRIGGERS:
        run(sql)


def backwards(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(
            f"INSERT INTO {TOKENS} (customer_id, token) SELECT customer_id, unnest(tsvector_to_array(doc)) "
            f"FROM {DOC} ON CONFLICT DO NOTHING"
        )
        run(f"TRUNCATE {DOC}")
        return
    _sqlite_functions(schema_editor.connection)
    # Encoded tokens hold only a-z, 0-9 and "_": the entry is a JSON array once quoted.
    run(
        f"INSERT OR IGNORE INTO {TOKENS} (customer_id, token) SELECT d.customer_id, tenure_fts_decode(j.value) "
        f"FROM \"{DOC}\" d, json_each('[\"' || replace(d.doc, ' ', '\",\"') || '\"]') j"
    )
    for sql in DROP_TRIGGERS:
        run(sql)
    run(f'DELETE FROM "{DOC}"')
    run(f"INSERT INTO {FTS} ({FTS}) VALUES ('delete-all')")
    for sql in TRIGGERS:
        run(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_searchdoc"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
