"""Customer search: one box for names (Chinese substrings, pinyin, initials, Latin), phones in any
format or partial, emails, companies and external ids.

Each customer owns a handful of rows in SearchToken. A query term matches a customer when it is a
prefix of one of its tokens. Tokens are the *suffixes* that matter (every suffix of a Chinese name,
pinyin from every syllable on, phone tails of 4+ digits), so a prefix range scan on one B-tree index
answers substring questions on SQLite and PostgreSQL alike, without a full scan.
"""

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import pairwise

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from tenure.lib.phone import national_digits, phone_digits
from tenure.lib.text import fold, has_cjk, latin_words, pinyin_syllables, surname_readings

TOKEN_MAX = 64
NARROW_TERM = 2000  # a term matching at most this many tokens is resolved to an id list first
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


_CN_MOBILE_E164 = re.compile(r"^\+861[3-9]\d{9}$")
REVERSED = "~"  # marks a reversed phone number: a suffix query becomes a prefix scan


def phone_tokens(e164: str) -> set[str]:
    """E.164 digits and the national number (prefix look-ups: "86138…", "138…", "10 6552…"), and the
    national number reversed under a marker, so the tail of a number ("5678") is a prefix scan too."""
    if not e164:
        return set()
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
    if any(len(t) > TOKEN_MAX for t in tokens):
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


def _prefixes(term: str) -> list[str]:
    """The token prefixes a term matches: itself, and for 3+ digits also the reversed tail of a
    number (the term may be the end of a phone number)."""
    if term.isdigit() and len(term) >= 3:
        return [term, REVERSED + term[::-1]]
    return [term]


def _one_prefix_q(prefix: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(token__startswith=prefix)
    # SQLite compares with BINARY collation: all strings starting with `prefix` sort in this range.
    return Q(token__gte=prefix, token__lt=prefix + "\U0010ffff")


def _prefix_q(term: str) -> Q:
    q = Q()
    for prefix in _prefixes(term):
        q |= _one_prefix_q(prefix)
    return q


def search_filter(text: str) -> Q:
    """A Q on Customer that keeps the customers matching every term of `text` (none for no terms)."""
    from tenure.customers.models import SearchToken

    terms = query_terms(text)
    if not terms:
        return Q(pk__in=[])
    # A narrow term (a phone, an email, a full name) matches a handful of customers: read their ids
    # first (an index-only range scan) and filter by the literal list. Left as a subquery, PostgreSQL
    # misestimates the match count and walks the customer table backwards looking for them (1 s at
    # 1M customers instead of a few ms; see docs/benchmarks.md). A broad term ("张") stays a
    # subquery: then the newest visible customers are found quickly among its many matches.
    ids: set[int] | None = None
    q = Q()
    for term in terms:
        matches = SearchToken.objects.filter(_prefix_q(term)).values_list("customer_id", flat=True)
        found = list(matches[: NARROW_TERM + 1])
        if len(found) <= NARROW_TERM:
            ids = set(found) if ids is None else ids & set(found)
        else:
            # Probed per customer while the newest visible customers are walked: index-only on
            # (customer, token), and it stops after the page is full.
            # One EXISTS per prefix: an OR inside a single probe made PostgreSQL read the matching
            # tokens through a bitmap heap scan ("138": 42k rows, 119 ms) instead of index-only.
            either = Q()
            for prefix in _prefixes(term):
                tokens = SearchToken.objects.filter(customer_id=OuterRef("pk")).filter(_one_prefix_q(prefix))
                either |= Q(Exists(tokens))
            q &= either
    if ids is not None:
        q &= Q(pk__in=sorted(ids))
    return q


def token_rows(customers_with_contacts: Iterable[tuple]) -> Iterator:
    from tenure.customers.models import SearchToken

    for customer, contacts in customers_with_contacts:
        for token in customer_tokens(customer, contacts):
            yield SearchToken(customer_id=customer.pk, token=token)


def reindex(customer_ids: Iterable[int]) -> None:
    """Rebuild the search tokens of these customers (set-based: two queries and one bulk insert)."""
    from tenure.customers.models import Contact, Customer, SearchToken

    ids = list(customer_ids)
    if not ids:
        return
    SearchToken.objects.filter(customer_id__in=ids).delete()
    contacts: dict[int, list] = {}
    for contact in Contact.objects.filter(customer_id__in=ids).only("customer_id", "name", "mobile", "email"):
        contacts.setdefault(contact.customer_id, []).append(contact)
    customers = Customer.objects.filter(pk__in=ids).only(
        "id", "name", "alt_name", "mobile", "phone", "email", "external_id"
    )
    # A simultaneous reindex of the same customer may have written the same (customer, token) key.
    SearchToken.objects.bulk_create(
        token_rows((c, contacts.get(c.pk, ())) for c in customers), batch_size=2000, ignore_conflicts=True
    )
