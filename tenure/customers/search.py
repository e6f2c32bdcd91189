"""Customer search: one box for names (Chinese substrings, pinyin, initials, Latin), phones in any
format or partial, emails, companies and external ids.

Tokens. `customer_tokens` gives each customer a set of tokens: the *suffixes* that matter (every
suffix of a Chinese name, pinyin and initials from every syllable on, the national number reversed
under "~" so a phone's tail is a prefix too), the e-mail and its domain, the external id. A query
term matches a customer when it is a prefix of one of its tokens; a query's terms are ANDed.

Storage: one search entry per customer (`SearchDoc`, table customers_searchdoc, keyed by the
customer), not one row per token — an import of new customers wrote ~13 index rows per customer
before, which dominated its cost.
- PostgreSQL: `doc tsvector` built with `array_to_tsvector(tokens)` (no parser, no stemming: the
  tokens are the lexemes, verbatim) under a GIN index (`search_doc_gin`). A term becomes the quoted
  prefix query `'term':*` (quotes and backslashes escaped, passed as a parameter cast ::tsquery); a
  whole query one tsquery (`&` between terms, `|` between a digit term's two prefixes).
- SQLite: `doc` holds the tokens FTS-encoded (`fts_encode`: a-z and 0-9 as they are, any other
  character as `_<hex>_`, so each token is one FTS5 token whatever it contains) separated by spaces,
  and the FTS5 table customers_searchfts indexes it as an external-content table (content rowid =
  customer id, kept in step by triggers, detail=none). A term becomes `"<encoded term>"*`: the codes
  are prefix-free, so a token starts with the term exactly when its encoding starts with the term's.

Query strategy (`search_filter`), chosen on bench/bench_search.py's p99 (docs/benchmarks.md,
"Search entries: one per customer (session 5)" and "Search agent tail at 1M, session 7"):
1. Short query, tried first on the newest customers: when every term is short (one Chinese
   character, 3 digits, 4 Latin letters at most: 张, 138, zh, wang) the WINDOW (500) newest customers
   the user sees are tested one by one; DENSE (8) matches among them make the query broad, and it is
   walked at once (step 4) — about 3 ms on PostgreSQL at 200k — instead of reading every match from
   the index first (20k-50k entries for 张 or zh: 20-50 ms at 200k, five times that at 1M). 8 of
   500 (1.6%) means about 16,000 matches at 1M, twice what the id array takes: at 1M every short
   query with 5-24 of them had 13,000-37,000 matches, and walking at once took 7-15 ms where the
   probe and then the walk took 22-37 ms (DENSE was 25 until session 7).
2. Probe: the ids of up to NARROW_TERM + 1 entries matching the whole query, from the index (GIN
   bitmap scan; FTS5 doclist). Most queries (a phone, an e-mail, a full name, a pinyin) match a
   handful of customers: the page is then those ids with the visibility rule, newest first:
   `pk IN (…)` for up to SHORT_LIST of them, else one array (models.AmongIds, as in 3). Left as a
   subquery of the index instead, PostgreSQL misestimates the match count (prefix queries are
   estimated at 100 rows whatever they match) and picks the wrong side of the join. (Until session
   7 always a literal `pk IN (…)`, of up to 2,000 parameters: at 1M 25-37 ms for 1,951 ids, 5 ms of
   it planning, against 9-11 ms as the array; 7.5 against 5.7 ms at 212 ids; the same at 24, where
   the array's initplan costs a little more.)
3. Id array: a query with more than NARROW_TERM matches but at most wide_term() (√(WIDE_FACTOR·N),
   N customers: 8,000 at 1M) has its matches' ids read from the index into one string
   (string_agg / group_concat, no row per id) and passed back as one value (models.AmongIds:
   `id = ANY((SELECT '{…}'::bigint[])::bigint[])` on PostgreSQL, an initplan, so the planner neither
   estimates nor walks it: a backward primary-key scan by the array's ids, stopping when the page is
   full; inlined integers on SQLite). It costs about M index entries, where the walk would read about
   50·N/M customers: it replaces the walk where matches are few among many customers (initials, full
   pinyin at 1M), whose cost the planner's estimates could not pick reliably (session 6).
4. Walk: a broad query (more than wide_term() matches, or dense in step 1) is a per-customer test
   while the visible customers are walked newest first — the entry of each is read by primary key
   and tested (`doc @@ tsquery`; on SQLite `instr` on the encoded entry) in a scalar subquery the
   planner cannot turn into a join — and it stops when the page is full. Its cost is the customers
   walked per page: with more than wide_term() matches among N customers, a page of 50 reads about
   50·N/wide_term() entries if the matches are spread evenly (a risk when they are not: a query
   whose many matches all sit among customers the user cannot see walks the whole visible set).
"""

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import pairwise

from django.db import connection
from django.db.models import Q

from tenure.lib.phone import national_digits, phone_digits
from tenure.lib.text import char_readings, fold, has_cjk, latin_words, pinyin_syllables, surname_readings

TOKEN_MAX = 64
NARROW_TERM = 2000  # a query matching at most this many entries is resolved to an id list first
SHORT_LIST = 32  # ... written as `pk IN (…)` up to this many ids, as one array (AmongIds) above
WIDE_FACTOR = 64  # ... and one matching at most √(WIDE_FACTOR·customers) to an id array (wide_term)
WIDE_ESTIMATE_MARGIN = 1.05  # ... read when the probe's estimate of the matches is below margin × that
WINDOW = 500  # newest visible customers a short query is tried on first ...
DENSE = 8  # ... and the matches among them that make it broad: walked at once, no probe
_PHONE_QUERY = re.compile(r"^\+?[\d\s\-().（）０-９]{3,}$")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_TERM_CLEAN = re.compile(r"[^\w@.\-+\u3400-\u4dbf\u4e00-\u9fff]+")


def name_tokens(name: str) -> set[str]:
    return set(_name_tokens(name or ""))


# Names repeat (a few thousand surname + given-name pairs cover most of a Chinese customer base), so
# a bulk import or reindex computes each name's tokens once. Bounded: memory stays flat.
@lru_cache(maxsize=1 << 13)
def _name_tokens(name: str) -> frozenset[str]:
    return frozenset(_compute_name_tokens(name))


def _compute_name_tokens(name: str) -> set[str]:
    if _CJK_ONLY.fullmatch(name):
        return _chinese_name_tokens(name)
    tokens: set[str] = set()
    folded = fold(name)
    if not folded:
        return tokens
    compact = folded.replace(" ", "")
    tokens.add(compact)
    for run in _CJK_RUN.findall(folded):
        tokens.update(run[i:] for i in range(len(run)))
    words = latin_words(folded)
    tokens.update(words)
    if len(words) > 1:
        tokens.add("".join(words))
    syllables = pinyin_syllables(name)
    for i in range(len(syllables)):
        tokens.add("".join(syllables[i:]))
        tokens.add("".join(s[0] for s in syllables[i:]))
    # A surname with several readings is found by each: 曾 is "zeng" in names, "ceng" elsewhere.
    for reading in surname_readings(name)[1:]:
        tokens.add(reading + "".join(syllables[1:]))
        tokens.add(reading[0] + "".join(s[0] for s in syllables[1:]))
    return tokens


# A name of CJK unified ideographs only (most Chinese names): fold leaves it as it is, it is one CJK
# run and has no Latin words, so its tokens are its suffixes and its syllables' (the same set the
# general path gives; tests/test_search_tokens.py checks both against the reference).
_CJK_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def _chinese_name_tokens(name: str) -> set[str]:
    tokens = {name[i:] for i in range(len(name))}
    readings = [char_readings(c) for c in name]
    syllables = [r[0] for r in readings if r]
    for i in range(len(syllables)):
        tokens.add("".join(syllables[i:]))
        tokens.add("".join(s[0] for s in syllables[i:]))
    for reading in readings[0][1:]:
        tokens.add(reading + "".join(syllables[1:]))
        tokens.add(reading[0] + "".join(s[0] for s in syllables[1:]))
    return tokens


_CN_MOBILE_E164 = re.compile(r"^\+861[3-9]\d{9}$")
_CN_MOBILE_ASCII = re.compile(r"\+861[3-9][0-9]{9}")
REVERSED = "~"  # marks a reversed phone number: a suffix query becomes a prefix scan


def phone_tokens(e164: str) -> set[str]:
    """E.164 digits and the national number (prefix look-ups: "86138…", "138…", "10 6552…"), and the
    national number reversed under a marker, so the tail of a number ("5678") is a prefix scan too."""
    if not e164:
        return set()
    if _CN_MOBILE_ASCII.fullmatch(e164):
        # An importer's +86 mobile: its digits are the E.164 less "+", its national number less "+86".
        national = e164[3:]
        return {e164[1:], national, REVERSED + national[::-1]}
    # The common +86 mobile needs no phonenumbers parse: its national number is the E.164 minus "+86".
    national = e164[3:] if _CN_MOBILE_E164.match(e164) else national_digits(e164)
    return {phone_digits(e164), national, REVERSED + national[::-1]}


def email_tokens(email: str) -> set[str]:
    email = fold(email)
    if not email:
        return set()
    tokens = {email}
    if "@" in email:
        tokens.add(email.split("@", 1)[1])
    return tokens


def customer_tokens(customer, contacts: Iterable = ()) -> set[str]:
    tokens = set(_name_tokens(customer.name or ""))
    if customer.alt_name:
        tokens |= _name_tokens(customer.alt_name)
    if customer.mobile:
        tokens |= phone_tokens(customer.mobile)
    if customer.phone:
        tokens |= phone_tokens(customer.phone)
    if customer.email:
        tokens |= email_tokens(customer.email)
    if customer.external_id:
        tokens.add(fold(customer.external_id).replace(" ", ""))
    for contact in contacts:
        tokens |= name_tokens(contact.name) | phone_tokens(contact.mobile) | email_tokens(contact.email)
    tokens.discard("")
    if tokens and max(map(len, tokens)) > TOKEN_MAX:
        tokens = {t[:TOKEN_MAX] for t in tokens}
    return without_prefixes(tokens)


def without_prefixes(tokens: set[str]) -> set[str]:
    """`tokens` less those that are a prefix of another of them (in place; returned).

    A term matches a customer when it is a prefix of one of its tokens, and whatever is a prefix of
    "w" is a prefix of "wei" too: such a token never decides a match, it only costs a row and two
    index entries (about one token in twelve, mostly the last pinyin initial). In sorted order the
    tokens starting with t come right after t, so comparing each with the next one is enough."""
    ordered = sorted(tokens)
    for shorter, longer in pairwise(ordered):
        if longer.startswith(shorter):
            tokens.discard(shorter)
    return tokens


def query_terms(text: str) -> list[str]:
    """Split a search box entry into terms; a phone number in any format is one term of digits."""
    text = (text or "").strip()
    if not text:
        return []
    if _PHONE_QUERY.match(text) and len(phone_digits(text)) >= 3:
        digits = phone_digits(text)
        if text.lstrip().startswith("00"):
            digits = digits[2:]  # international prefix: 0086 138… is +86 138…
        elif digits.startswith("0"):
            digits = digits[1:]  # national trunk prefix: 010 6552… is +86 10 6552…
        return [digits]
    terms = []
    for raw in fold(text).split(" "):
        term = _TERM_CLEAN.sub("", raw)
        if not term:
            continue
        if not has_cjk(term) and len(term) < 2:
            continue
        terms.append(term[:TOKEN_MAX])
    return terms


def term_prefixes(term: str) -> list[str]:
    """The token prefixes a term matches: itself, and for 3+ digits also the reversed tail of a
    number (the term may be the end of a phone number)."""
    if term.isdigit() and len(term) >= 3:
        return [term, REVERSED + term[::-1]]
    return [term]


def fts_encode(text: str) -> str:
    """`text` as one FTS5 token: a-z and 0-9 as they are, any other character as `_<hex>_`
    (lowercase hex of its code point). The codes are prefix-free: for any p and t, t starts with p
    exactly when fts_encode(t) starts with fts_encode(p)."""
    return text.translate(_FTS_CODES)


class _FtsCodes(dict):
    """str.translate's table for fts_encode, filled as characters are met (bounded by the alphabet)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = char if char in _FTS_PLAIN else f"_{code:x}_"
        self[code] = value
        return value


_FTS_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_FTS_CODES = _FtsCodes()
_FTS_CODE = re.compile(r"_([0-9a-f]+)_")


def fts_decode(encoded: str) -> str:
    return _FTS_CODE.sub(lambda m: chr(int(m.group(1), 16)), encoded)


def fts_doc(tokens: Iterable[str]) -> str:
    """The SQLite entry: encoded tokens separated by spaces."""
    return " ".join(sorted(fts_encode(t) for t in tokens))


def tsvector_text(tokens: Iterable[str]) -> str:
    """The PostgreSQL entry in tsvector's input syntax (what COPY reads): each token quoted, quotes
    doubled and backslashes escaped, so it is taken verbatim, as array_to_tsvector would."""
    ordered = sorted(tokens)
    joined = "' '".join(ordered)
    if ordered and "\\" not in joined and joined.count("'") == 2 * len(ordered) - 2:
        return "'" + joined + "'"  # no token holds a quote or a backslash: nothing to escape
    return " ".join(["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in ordered])


_TSVECTOR_LEXEME = re.compile(r"'((?:[^'\\]|''|\\.)*)'")
_TSVECTOR_UNESCAPE = re.compile(r"''|\\(.)")


def parse_tsvector(text: str) -> set[str]:
    """The lexemes of a tsvector as PostgreSQL prints it (`'a' 'b''c'`)."""
    return {
        _TSVECTOR_UNESCAPE.sub(lambda m: m.group(1) or "'", m.group(1))
        for m in _TSVECTOR_LEXEME.finditer(text)
    }


def _tsquery_operand(prefix: str) -> str:
    return "'" + prefix.replace("\\", "\\\\").replace("'", "''") + "':*"


def tsquery(terms: list[str]) -> str:
    """The PostgreSQL query for `terms` (cast ::tsquery): each term a quoted prefix, terms ANDed."""
    return " & ".join("(" + " | ".join(_tsquery_operand(p) for p in term_prefixes(t)) + ")" for t in terms)


def fts_query(terms: list[str]) -> str:
    """The FTS5 MATCH expression for `terms` (encoded, so only a-z, 0-9 and _ inside the quotes)."""
    return " AND ".join(
        "(" + " OR ".join(f'"{fts_encode(p)}"*' for p in term_prefixes(t)) + ")" for t in terms
    )


def _matches_sql(terms: list[str]) -> tuple[str, list]:
    """SELECT of the ids of the customers whose entry matches every term, read from the index alone
    (GIN on PostgreSQL, FTS5 on SQLite), and its parameters."""
    from tenure.customers.models import SearchDoc

    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(SearchDoc._meta.db_table)
        return f"SELECT customer_id FROM {table} WHERE doc @@ %s::tsquery", [tsquery(terms)]
    return f"SELECT rowid AS customer_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [fts_query(terms)]


def matching_ids(terms: list[str], limit: int) -> list[int]:
    """Up to `limit` ids of customers whose entry matches every term, read from the index alone."""
    sql, params = _matches_sql(terms)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s", [*params, limit])
        return [row[0] for row in cursor.fetchall()]


ID_LIST = re.compile(r"(?:[0-9]+(?:,[0-9]+)*)?")


def matching_id_list(terms: list[str], limit: int) -> str:
    """Up to `limit` ids of customers whose entry matches every term, read from the index alone, as
    one string ("12,7,31"; "" for none) aggregated by the database: no row and no int per id in
    Python, and passed back as it is (models.AmongIds)."""
    sql, params = _matches_sql(terms)
    if connection.vendor == "postgresql":
        agg = "string_agg(customer_id::text, ',')"
    else:
        agg = "group_concat(customer_id, ',')"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {agg} FROM ({sql} LIMIT %s) matches", [*params, limit])
        return cursor.fetchone()[0] or ""


def index_filter(text: str) -> Q:
    """A Q on Customer that keeps the customers matching every term of `text`, as a semi-join
    through the search index: the database reads the matches from the index (as ``matching_ids``)
    and keeps the customers among them. For reading all the matches of a query (the list's capped
    count, the CSV export), where ``search_filter``'s walk, built to find the newest page fast,
    would test every visible customer when the matches are few among them (3.9 s for "zw" among an
    agent's 523k at 1M customers)."""
    from django.db.models.expressions import RawSQL

    terms = query_terms(text)
    if not terms:
        return Q(pk__in=[])
    return Q(pk__in=RawSQL(*_matches_sql(terms)))


def search_filter(text: str, within=None) -> Q:
    """A Q on Customer that keeps the customers matching every term of `text` (none for no terms).
    `within` is the queryset being searched (the user's visible customers): it lets a short query
    be recognised as broad from the newest few of them (see the module docstring)."""
    terms = query_terms(text)
    if not terms:
        return Q(pk__in=[])
    if within is not None and looks_broad(terms) and _dense(within, terms):
        return _walk_q(terms)
    found = matching_ids(terms, NARROW_TERM + 1)
    if len(found) <= NARROW_TERM:  # all the matches
        if len(found) <= SHORT_LIST:
            return Q(pk__in=sorted(found))
        return _among_q(",".join(map(str, found)))
    newest = _newest_id()
    wide = wide_term(newest)
    # The index hands the probe's ids over in the entries' physical order, mostly the order they
    # were written (by id, except entries rewritten later), so they are about the matches of one
    # stretch of ids: their density over it estimates the matches. Measured at 1M it errs low (by
    # up to 12× for the broadest terms) rather than high (≤ 1.06×). It only saves reading wide + 1
    # ids to learn that there are more: the count of those decides.
    span = max(found) - min(found) + 1
    if wide > NARROW_TERM and len(found) * newest <= WIDE_ESTIMATE_MARGIN * wide * span:
        ids = matching_id_list(terms, wide + 1)
        if ids.count(",") < wide:  # at most `wide` ids
            return _among_q(ids)
    return _walk_q(terms)


def _newest_id() -> int:
    """The largest customer id (one look-up of the primary key's end): bounds what a walk can read."""
    from tenure.customers.models import Customer

    quote = connection.ops.quote_name
    table, pk = quote(Customer._meta.db_table), quote(Customer._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({pk}) FROM {table}")
        return cursor.fetchone()[0] or 0


def wide_term(newest: int) -> int:
    """The most matches a query is read from the index for (the id array); above it, the walk.

    Reading M matches costs about M; the walk for a page of 50 reads about 50·N/M customers of N
    (the matches spread evenly), so the two cost the same near M = sqrt(50·N·c), c the ratio of
    their costs per row: √(WIDE_FACTOR·N), N the newest customer id."""
    from math import isqrt

    return isqrt(WIDE_FACTOR * max(newest, 0))


def _among_q(ids: str) -> Q:
    """The customers among `ids` (as matching_id_list gives them: one value, not one parameter each)."""
    from django.db.models import F

    from tenure.customers.models import AmongIds

    return Q(AmongIds(F("pk"), ids))


def looks_broad(terms: list[str]) -> bool:
    """Whether every term is short enough that it may match a large share of the customers: one
    Chinese character, three digits, four Latin letters at most (张, 138, zh, wang)."""
    return all(len(t) <= (1 if has_cjk(t) else 3 if t.isdigit() else 4) for t in terms)


def _dense(within, terms: list[str]) -> bool:
    """At least DENSE matches among the WINDOW newest customers of `within`: walking for a page of
    50 then reads about 50·WINDOW/DENSE entries at most. WINDOW look-ups by primary key; the probe
    it saves reads every match of the query from the index (tens of thousands for "张")."""
    newest = within.order_by("-pk").values("pk")[:WINDOW]
    return (
        within.model.objects.filter(pk__in=newest).filter(_walk_q(terms)).order_by()[:DENSE].count() >= DENSE
    )


def _walk_q(terms: list[str]) -> Q:
    """The customers whose entry matches `terms`, tested per customer while they are walked (see the
    module docstring). A scalar subquery, not EXISTS: the planner cannot make it a join through the
    index."""
    from django.db.models import OuterRef, Subquery

    from tenure.customers.models import SearchDoc, SearchDocField, SearchMatches

    doc = Subquery(
        SearchDoc.objects.filter(customer_id=OuterRef("pk")).order_by().values("doc")[:1],
        output_field=SearchDocField(),
    )
    return Q(SearchMatches(doc, terms))


def entries(customers_with_contacts: Iterable[tuple]) -> Iterator:
    """(customer id, tokens) for each (customer, contacts) with any token."""
    for customer, contacts in customers_with_contacts:
        tokens = customer_tokens(customer, contacts)
        if tokens:
            yield customer.pk, tokens


def reindex(customer_ids: Iterable[int]) -> None:
    """Rebuild the search entries of these customers (set-based: three queries and one bulk insert)."""
    from tenure.customers.models import Contact, Customer, SearchDoc

    ids = list(customer_ids)
    if not ids:
        return
    SearchDoc.objects.filter(customer_id__in=ids).delete()
    contacts: dict[int, list] = {}
    for contact in Contact.objects.filter(customer_id__in=ids).only("customer_id", "name", "mobile", "email"):
        contacts.setdefault(contact.customer_id, []).append(contact)
    customers = Customer.objects.filter(pk__in=ids).only(
        "id", "name", "alt_name", "mobile", "phone", "email", "external_id"
    )
    # A simultaneous reindex of the same customer may have written its entry already.
    SearchDoc.objects.bulk_create(
        (
            SearchDoc(customer_id=pk, doc=tokens)
            for pk, tokens in entries((c, contacts.get(c.pk, ())) for c in customers)
        ),
        batch_size=1000,
        ignore_conflicts=True,
    )


# --- Storage DDL (the migrations hold their own frozen copies) --------------------------------

DOC_TABLE = "customers_searchdoc"
FTS_TABLE = "customers_searchfts"
PG_INDEX = "search_doc_gin"
PG_CREATE_INDEX = f"CREATE INDEX {PG_INDEX} ON {DOC_TABLE} USING gin (doc)"
PG_DROP_INDEX = f"DROP INDEX IF EXISTS {PG_INDEX}"
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER customers_searchdoc_ai AFTER INSERT ON {DOC_TABLE} BEGIN "
    f"INSERT INTO {FTS_TABLE} (rowid, doc) VALUES (new.customer_id, new.doc); END",
    f"CREATE TRIGGER customers_searchdoc_ad AFTER DELETE ON {DOC_TABLE} BEGIN "
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, doc) VALUES ('delete', old.customer_id, old.doc); END",
    f"CREATE TRIGGER customers_searchdoc_au AFTER UPDATE ON {DOC_TABLE} BEGIN "
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, doc) VALUES ('delete', old.customer_id, old.doc); "
    f"INSERT INTO {FTS_TABLE} (rowid, doc) VALUES (new.customer_id, new.doc); END",
]
SQLITE_DROP_TRIGGERS = [
    f"DROP TRIGGER IF EXISTS customers_searchdoc_{suffix}" for suffix in ("ai", "ad", "au")
]


def suspend_index(cursor) -> None:
    """For a bulk load into an empty table: drop the GIN index (PostgreSQL) or the triggers that
    feed FTS5 (SQLite); `rebuild_index` builds the index once at the end (bench/build_dataset.py)."""
    if connection.vendor == "postgresql":
        cursor.execute(PG_DROP_INDEX)
    else:
        for sql in SQLITE_DROP_TRIGGERS:
            cursor.execute(sql)


def rebuild_index(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(PG_DROP_INDEX)
        cursor.execute(PG_CREATE_INDEX)
    else:
        for sql in SQLITE_DROP_TRIGGERS:
            cursor.execute(sql)
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
        for sql in SQLITE_TRIGGERS:
            cursor.execute(sql)
