"""customer_tokens (cached name tokens, fewer set copies) gives exactly the token set of the
implementation it replaced, kept here verbatim as the reference, less the tokens that are a prefix of
another (which never decide a match: see search.without_prefixes)."""

import re
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.customers import search
from tenure.lib.phone import national_digits, phone_digits
from tenure.lib.text import fold, latin_words, pinyin_syllables, surname_readings

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CN_MOBILE_E164 = re.compile(r"^\+861[3-9]\d{9}$")


# --- the implementation before the import-speed work (commit 08e8727), unchanged -------------
def ref_name_tokens(name: str) -> set[str]:
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
    for reading in surname_readings(name)[1:]:
        tokens.add(reading + "".join(syllables[1:]))
        tokens.add(reading[0] + "".join(s[0] for s in syllables[1:]))
    return tokens


def ref_phone_tokens(e164: str) -> set[str]:
    if not e164:
        return set()
    national = e164[3:] if _CN_MOBILE_E164.match(e164) else national_digits(e164)
    return {phone_digits(e164), national, "~" + national[::-1]}


def ref_email_tokens(email: str) -> set[str]:
    email = fold(email)
    if not email:
        return set()
    tokens = {email}
    if "@" in email:
        tokens.add(email.split("@", 1)[1])
    return tokens


def ref_customer_tokens(customer, contacts=()) -> set[str]:
    tokens = ref_name_tokens(customer.name) | ref_name_tokens(customer.alt_name)
    tokens |= ref_phone_tokens(customer.mobile) | ref_phone_tokens(customer.phone)
    tokens |= ref_email_tokens(customer.email)
    if customer.external_id:
        tokens.add(fold(customer.external_id).replace(" ", ""))
    for contact in contacts:
        tokens |= ref_name_tokens(contact.name) | ref_phone_tokens(contact.mobile)
        tokens |= ref_email_tokens(contact.email)
    return {t[:64] for t in tokens if t}


def ref_stored_tokens(customer, contacts=()) -> set[str]:
    """The reference tokens less those another one starts with, by the definition."""
    tokens = ref_customer_tokens(customer, contacts)
    return {t for t in tokens if not any(o != t and o.startswith(t) for o in tokens)}


def matches(tokens: set[str], term: str) -> bool:
    """How search.py matches a term (a prefix scan): some token starts with it."""
    return any(t.startswith(term) for t in tokens)


# ----------------------------------------------------------------------------------------------

HETERONYM_SURNAMES = "曾单解仇朴查区乐缪盖覃翟尉万"
COMMON = "张王李赵刘陈杨黄周吴伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ éèüöçñ-'"
ODD = "Ａｂ１　丶〇﨑々・"  # full-width, compatibility ideograph, iteration mark, middle dot

name_text = st.text(alphabet=HETERONYM_SURNAMES + COMMON + LATIN + ODD, max_size=40)
chinese_name = st.builds(
    lambda s, g: s + g,
    st.sampled_from(HETERONYM_SURNAMES + COMMON),
    st.text(alphabet=COMMON, min_size=1, max_size=3),
)
phones = st.one_of(
    st.just(""),
    st.from_regex(r"\+861[3-9][0-9]{9}", fullmatch=True),
    st.from_regex(r"\+86(10|21|755)[0-9]{8}", fullmatch=True),
    st.sampled_from(["+14155552671", "+442079460958", "+85291234567", "+8613"]),
)
emails = st.one_of(st.just(""), st.emails(), st.sampled_from(["Wang.Wei@Example.COM", "no-at-sign"]))
ext_ids = st.one_of(st.just(""), st.text(alphabet="AZaz09 -_．", max_size=80))


def person(**kw):
    base = {"name": "", "alt_name": "", "mobile": "", "phone": "", "email": "", "external_id": ""}
    return SimpleNamespace(**{**base, **kw})


SAMPLE = [
    person(name="张伟", mobile="+8613812345678", email="zw@example.com", external_id="C00000001"),
    person(name="曾小贤", alt_name="Zeng Xiaoxian", phone="+861065529988"),
    person(name="单雄信", email="shan@例子.cn"),
    person(name="解缙", mobile="+14155552671", external_id="X 1"),
    person(name="尉迟恭", alt_name="Yuchi Gong"),
    person(name="Li Na", alt_name="李娜", mobile="+8613900001111"),
    person(name="José Ñúñez-O'Brien", email="Jose@Example.ES"),
    person(name="ＡＢＣ　公司", external_id="ＡＢ－１２"),
    person(name="x" * 90, alt_name="长" * 70, external_id="9" * 100),
    person(name="", mobile="+8613"),
]


def test_tokens_equal_the_reference_on_a_varied_sample():
    for c in SAMPLE:
        assert search.customer_tokens(c) == ref_stored_tokens(c), c.name
        contacts = [person(name=c.alt_name or "王芳", mobile="+8613700000000", email="c@x.cn")]
        assert search.customer_tokens(c, contacts) == ref_stored_tokens(c, contacts)
    # A heteronym surname yields its unusual readings (the cache keeps them).
    assert {"zengxiaoxian", "cengxiaoxian", "zxx", "cxx"} <= search.customer_tokens(SAMPLE[1])


@settings(max_examples=300, deadline=None)
@given(
    name=st.one_of(chinese_name, name_text),
    alt=st.one_of(st.just(""), chinese_name, name_text),
    mobile=phones,
    phone=phones,
    email=emails,
    ext=ext_ids,
)
def test_tokens_equal_the_reference_for_generated_customers(name, alt, mobile, phone, email, ext):
    c = person(name=name, alt_name=alt, mobile=mobile, phone=phone, email=email, external_id=ext)
    assert search.customer_tokens(c) == ref_stored_tokens(c)
    # Twice: the second answer comes from the name cache and must not have been altered.
    assert search.customer_tokens(c) == ref_stored_tokens(c)
    assert search.name_tokens(name) == ref_name_tokens(name)


@settings(max_examples=300, deadline=None)
@given(
    name=st.one_of(chinese_name, name_text),
    alt=st.one_of(st.just(""), chinese_name, name_text),
    mobile=phones,
    email=emails,
    ext=ext_ids,
    cut=st.integers(min_value=1, max_value=70),
)
def test_dropping_prefix_tokens_matches_the_same_terms(name, alt, mobile, email, ext, cut):
    """Every term that matched one of the full reference tokens still matches a stored token, and
    no other term does: the stored set is a subset, and each dropped token is the start of a kept one."""
    c = person(name=name, alt_name=alt, mobile=mobile, email=email, external_id=ext)
    full = ref_customer_tokens(c)
    stored = search.customer_tokens(c)
    assert stored <= full
    assert all(matches(stored, t) for t in full)
    for term in {t[:cut] for t in full} | {t[-cut:] for t in full}:
        assert matches(stored, term) == matches(full, term), term


def test_a_prefix_token_is_dropped_only_when_a_longer_one_starts_with_it():
    tokens = search.customer_tokens(SAMPLE[0])  # 张伟, zw@example.com: zhangwei, wei, zw, w…
    assert "w" not in tokens and "wei" in tokens  # "w" starts "wei"
    assert "zw" not in tokens and "zw@example.com" in tokens  # "zw" starts the email
    assert {"伟", "张伟", "zhangwei", "~87654321831", "example.com"} <= tokens
    assert "zw" in search.customer_tokens(person(name="张伟"))
    assert search.without_prefixes({"ab", "abc", "abd", "b", "~1"}) == {"abc", "abd", "b", "~1"}
