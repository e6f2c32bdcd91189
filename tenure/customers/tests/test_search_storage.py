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


@pytest.mark.parametrize(
    "narrow,wide,dense", [(2000, 20000, 25), (0, 20000, 25), (0, 0, 25), (0, 1, 25), (2000, 20000, 1)]
)
def test_search_filter_gives_the_rule_whichever_the_strategy(agent, monkeypatch, narrow, wide, dense):
    """Probe-then-ids, the id array after a wider probe (every query counting as more than narrow),
    the walk after the probes (every query counting as broad; or as wider than the array for some)
    and the walk at once (a short query found dense among the newest customers) give the brute-force
    answer."""
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
    monkeypatch.setattr(search, "wide_term", lambda newest: wide)
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


# Strategy settings (NARROW_TERM, SHORT_LIST, wide_term(), DENSE): the branch point's (probe, then the
# walk), the narrow ids as one array, every query through the id array after the probe (nothing is
# narrow, everything is "wide"), the array for one or two matches and the walk above that, and the
# walk at once.
STRATEGIES = {
    "probe-then-walk": (2000, 2000, 0, 25),
    "narrow-array": (2000, 0, 0, 25),
    "array": (0, 0, 10**6, 25),
    "array-for-few": (0, 0, 2, 25),
    "walk": (0, 0, 0, 25),
    "dense-walk": (0, 0, 10**6, 1),
}


@pytest.fixture
def crowd(agent, teammate, outsider):
    """Customers of three owners — the agent, a teammate (team A: the agent sees them) and an outsider
    (team B: the agent does not) — interleaved in id order, many matching the same short terms."""
    names = ["张伟", "张伟明", "章薇", "朱文", "张玮", "赵文伟", "张伟", "周伟"]
    made = []
    for i in range(24):
        owner = (agent, teammate, outsider)[i % 3]
        made.append(
            customer_create(
                actor=owner,
                name=names[i % len(names)],
                mobile=f"1380013{i:04d}",
                email=f"c{i}@{'example.com' if i % 2 else 'example.org'}",
            )
        )
    return made


@pytest.mark.parametrize("text", ["zw", "张伟", "zhangwei", "伟", "138", "30004", "example.com", "zw 138"])
def test_every_strategy_gives_the_same_page_and_keeps_visibility(
    crowd, agent, outsider, admin_user, monkeypatch, text
):
    """The id arrays (narrow ids above SHORT_LIST; up to wide_term() matches) give the same customers,
    in the same order, as the literal list and the walk they replace, whoever searches (the agent
    sees its own and its teammate's customers, never the outsider's), with the list's other orders
    and filters, and the same as the brute-force rule on the visible customers."""
    from tenure.customers.selectors import customer_list

    terms = search.query_terms(text)
    tokens = {c.pk: search.customer_tokens(c) for c in crowd}
    answers = {}
    for name, (narrow, short, wide, dense) in STRATEGIES.items():
        monkeypatch.setattr(search, "NARROW_TERM", narrow)
        monkeypatch.setattr(search, "SHORT_LIST", short)
        monkeypatch.setattr(search, "wide_term", lambda newest, wide=wide: wide)
        monkeypatch.setattr(search, "DENSE", dense)
        answers[name] = {
            user.username: (
                list(Customer.objects.visible_to(user).search(text).values_list("pk", flat=True)[:5]),
                list(customer_list(user, q=text, sort="name").values_list("pk", flat=True)),
                list(
                    customer_list(user, q=text, filters={"owner": str(agent.pk)}).values_list("pk", flat=True)
                ),
            )
            for user in (agent, outsider, admin_user)
        }
    assert all(answer == answers["probe-then-walk"] for answer in answers.values()), text
    for user in (agent, outsider, admin_user):
        visible = set(Customer.objects.visible_to(user).values_list("pk", flat=True))
        expected = sorted((pk for pk in visible if ref_matches(tokens[pk], terms)), reverse=True)
        page, by_name, owned = answers["array"][user.username]
        assert page == expected[:5]
        assert sorted(by_name, reverse=True) == expected
        assert set(owned) == {pk for pk in expected if Customer.objects.get(pk=pk).owner_id == agent.pk}
    assert answers["array"][agent.username][1], text  # the agent finds some
    assert not set(answers["array"][outsider.username][1]) & set(answers["array"][agent.username][1])


def test_matching_id_list_is_the_matching_ids(crowd):
    for terms in (["zw"], ["张伟"], ["138"], ["nothing"], ["zw", "0005"]):
        listed = search.matching_id_list(terms, 100)
        assert search.ID_LIST.fullmatch(listed)
        assert {int(i) for i in listed.split(",") if i} == set(search.matching_ids(terms, 100))
    assert search.matching_id_list(["zw"], 2).count(",") == 1  # the limit holds


@pytest.mark.parametrize("bad", ["1,2;DROP TABLE x", "1, 2", "1,,2", ",", "1)", "-1"])
def test_the_id_array_takes_nothing_but_ids(crowd, bad):
    from django.db.models import F

    from tenure.customers.models import AmongIds

    assert list(Customer.objects.filter(AmongIds(F("pk"), "")).values_list("pk", flat=True)) == []
    some = f"{crowd[0].pk},{crowd[2].pk}"
    assert set(Customer.objects.filter(AmongIds(F("pk"), some)).values_list("pk", flat=True)) == {
        crowd[0].pk,
        crowd[2].pk,
    }
    with pytest.raises(ValueError):
        list(Customer.objects.filter(AmongIds(F("pk"), bad)))


def test_the_id_array_bound_grows_with_the_customers(crowd, monkeypatch):
    """√(WIDE_FACTOR·N), N the newest customer id: the walk's cost grows with N, the array's with M."""
    from math import isqrt

    assert search._newest_id() == max(c.pk for c in crowd)
    assert search.wide_term(search._newest_id()) == isqrt(search.WIDE_FACTOR * max(c.pk for c in crowd))
    monkeypatch.setattr(search, "NARROW_TERM", 1)
    monkeypatch.setattr(search, "WIDE_FACTOR", 10**6)  # every query with 2+ matches through the array
    assert search.wide_term(search._newest_id()) > len(crowd)
    expected = set(search.matching_ids(["zw"], 100)) & set(
        Customer.objects.visible_to(crowd[0].owner).values_list("pk", flat=True)
    )
    assert (
        set(Customer.objects.visible_to(crowd[0].owner).search("zw").values_list("pk", flat=True)) == expected
    )
