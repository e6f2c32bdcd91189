"""Migrations 0008-0010 (SearchToken rows → one SearchDoc entry per customer) forwards and backwards on a
small dataset: the same tokens come out, and search finds by them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tenure.customers import search

BEFORE = [("customers", "0007_search_token_customer_token_key")]
AFTER = [("customers", "0010_delete_searchtoken")]
TOKENS = {
    1: {"张伟", "伟", "zhangwei", "zw", "8613812345678", "13812345678", "~87654321831"},
    2: {"o'brien", "back\\slash", "a_b", "zoë"},
    3: {"vip-0042"},
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_search_entries_migrate_forwards_and_backwards():
    old = migrate(BEFORE)
    Customer = old.get_model("customers", "Customer")
    for pk in TOKENS:
        Customer.objects.create(pk=pk, name=f"c{pk}")
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO customers_searchtoken (customer_id, token) VALUES (%s, %s)",
            [(pk, t) for pk, tokens in TOKENS.items() for t in tokens],
        )
    try:
        new = migrate(AFTER)
        SearchDoc = new.get_model("customers", "SearchDoc")
        assert {e.customer_id: e.doc for e in SearchDoc.objects.all()} == TOKENS
        assert search.matching_ids(["5678"], 10) == [1]  # a phone's tail, through the index
        assert sorted(search.matching_ids(["o'b"], 10)) == [2]
        assert search.matching_ids(["vip-00"], 10) == [3]

        migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute("SELECT customer_id, token FROM customers_searchtoken")
            back: dict[int, set[str]] = {}
            for pk, token in cursor.fetchall():
                back.setdefault(pk, set()).add(token)
        assert back == TOKENS
    finally:
        # Leave the schema as the rest of the suite expects it: every app's latest migration (going
        # back to 0007 also undid the migrations that depend on 0010, such as imports 0003).
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert search.matching_ids(["zhangw"], 10) == [1]
