"""Search entries (SearchDoc: a tsvector under GIN on PostgreSQL, FTS5 over encoded tokens on SQLite)
match exactly what the rule says — a term matches a customer when it is a prefix of one of its tokens
(or, for 3+ digits, the reversed tail is) — checked against a brute-force reference, on both write
paths (ORM, COPY/executemany) and both read paths (index probe, per-customer walk)."""

import pytest
from django.db import connection
from django.db.models import OuterRef, Subquery
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.customers import search
from tenure.customers.models import Customer, SearchDoc, SearchDocField, SearchMatches
from tenure.customers.services import customer_create
from tenure.imports.base import copy_search_docs

# Letters, digits, CJK, the reversed-phone marker, and what FTS5, tsquery, tsvector or COPY treat
# specially (quotes, backslash, operators, "_" of the encoding, tab).
SPECIAL = "ab09z张伟~_'\\\":*&|!()-.@+%é\t"
tokens_st = st.sets(st.text(alphabet=SPECIAL + " ", min_size=1, max_size=6), min_size=1, max_size=5)
term_st = st.text(alphabet=SPECIAL.replace("\t", ""), min_size=1, max_size=4)


def ref_matches(tokens: set[str], terms: list[str]) -> bool:
    """The rule, by brute force."""

    def one(term: str) -> bool:
        prefixes = [term] + (["~" + term[::-1]] if term.isdigit() and len(term) >= 3 else [])
        return any(t.startswith(p) for t in tokens for p in prefixes)

    return all(one(term) for term in terms)


@given(st.text(max_size=12), st.text(max_size=12))
def test_fts_encoding_round_trips_and_keeps_prefixes(text, other):
    encoded = search.fts_encode(text)
    assert set(encoded) <= set("abcdefghijklmnopqrstuvwxyz0123456789_")
    assert search.fts_decode(encoded) == text
    assert encoded.startswith(search.fts_encode(other)) == text.startswith(other)
    assert search.fts_encode(text + other).startswith(encoded)


@given(tokens_st)
def test_tsvector_text_round_trips(tokens):
    assert search.parse_tsvector(search.tsvector_text(tokens)) == tokens


def _ref_fts_encode(text: str) -> str:
    """fts_encode by its definition, one character at a time."""
    return "".join(c if c in "abcdefghijklmnopqrstuvwxyz0123456789" else f"_{ord(c):x}_" for c in text)


def _ref_tsvector_text(tokens) -> str:
    return " ".join(["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in sorted(tokens)])


@given(st.sets(st.text(max_size=8), max_size=6) | tokens_st)
def test_entries_are_written_exactly_as_before_the_fast_paths(tokens):
    """The fast paths of fts_encode, tsvector_text and the COPY escaping give the same text as the
    plain definitions (what session 5 stored)."""
    from tenure.imports.base import _COPY_ESCAPES, _copy_text

    for token in tokens:
        assert search.fts_encode(token) == _ref_fts_encode(token)
    assert search.fts_doc(tokens) == " ".join(sorted(_ref_fts_encode(t) for t in tokens))
    assert search.tsvector_text(tokens) == _ref_tsvector_text(tokens)
    assert _copy_text(search.tsvector_text(tokens)) == _ref_tsvector_text(tokens).translate(_COPY_ESCAPES)


@pytest.fixture
def six(admin_user):
    return [customer_create(actor=admin_user, name=f"客户{i}") for i in range(6)]


def walked_ids(terms: list[str]) -> set[int]:
    doc = Subquery(
        SearchDoc.objects.filter(customer_id=OuterRef("pk")).values("doc")[:1], output_field=SearchDocField()
    )
    return set(Customer.objects.filter(SearchMatches(doc, terms)).values_list("pk", flat=True))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    docs=st.lists(tokens_st, min_size=6, max_size=6),
    extra_terms=st.lists(term_st, min_size=1, max_size=4),
    data=st.data(),
)
def test_index_and_walk_match_the_brute_force_rule(six, docs, extra_terms, data):
    SearchDoc.objects.all().delete()
    ids = [c.pk for c in six]
    # Half the entries through the ORM (array_to_tsvector), half as the importer writes them (COPY).
    SearchDoc.objects.bulk_create(
        [SearchDoc(customer_id=pk, doc=d) for pk, d in zip(ids[:3], docs[:3], strict=True)]
    )
    copy_search_docs(zip(ids[3:], docs[3:], strict=True))
    stored = {e.customer_id: e.doc for e in SearchDoc.objects.all()}
    assert stored == dict(zip(ids, docs, strict=True))  # verbatim, whatever the characters

    # Terms: prefixes of stored tokens (which must match) and arbitrary strings.
    some_token = data.draw(st.sampled_from(sorted(t for d in docs for t in d)))
    cut = data.draw(st.integers(min_value=1, max_value=len(some_token)))
    candidates = [some_token[:cut].replace(" ", "").replace("\t", "") or "a", *extra_terms]
    for n in range(1, len(candidates) + 1):
        for terms in ([candidates[n - 1]], candidates[:n]):
            expected = {pk for pk, tokens in stored.items() if ref_matches(tokens, terms)}
            assert set(search.matching_ids(terms, 100)) == expected, terms
            assert walked_ids(terms) == expected, terms


QUERIES = [
    "张",
    "张伟",
    "伟",
    "zhang",
    "zw",
    "wei",
    "138",
    "5678",
    "13812345678",
    "example",
    "li 138",
    "张 5678",
]


@pytest.mark.parametrize("narrow,dense", [(2000, 25), (0, 25), (2000, 1)])
def test_search_filter_gives_the_rule_whichever_the_strategy(agent, monkeypatch, narrow, dense):
    """Probe-then-ids, the walk after the probe (every query counting as broad) and the walk at once
    (a short query found dense among the newest customers) give the brute-force answer."""
    people = [
        ("张伟", "13812345678", "zw@example.com"),
        ("张伟明", "13912345678", ""),
        ("李伟", "15900000138", "li@example.com"),
        ("王张", "", "wz@example.org"),
        ("Zhang Li", "13800005678", ""),
    ]
    made = [customer_create(actor=agent, name=n, mobile=m, email=e) for n, m, e in people]
    tokens = {c.pk: search.customer_tokens(c) for c in made}
    monkeypatch.setattr(search, "NARROW_TERM", narrow)
    monkeypatch.setattr(search, "DENSE", dense)
    for text in QUERIES:
        terms = search.query_terms(text)
        expected = {pk for pk, t in tokens.items() if ref_matches(t, terms)}
        got = set(Customer.objects.visible_to(agent).search(text).values_list("pk", flat=True))
        assert got == expected, text


def test_updating_an_entry_updates_the_index(customer):
    entry = SearchDoc.objects.get(customer_id=customer.pk)
    entry.doc = {"renamed"}
    entry.save()
    assert search.matching_ids(["renam"], 10) == [customer.pk]
    assert search.matching_ids([next(iter(search.customer_tokens(customer)))], 10) == []


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_entry_is_a_tsvector_of_the_tokens_verbatim(customer):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tsvector_to_array(doc) FROM customers_searchdoc WHERE customer_id = %s", [customer.pk]
        )
        assert set(cursor.fetchone()[0]) == search.customer_tokens(customer)


def test_an_entry_serializes_as_a_list_of_its_tokens(customer):
    from django.core import serializers

    entry = SearchDoc.objects.get(customer_id=customer.pk)
    text = serializers.serialize("json", [entry])
    (back,) = serializers.deserialize("json", text)
    assert back.object.doc == entry.doc == search.customer_tokens(customer)
