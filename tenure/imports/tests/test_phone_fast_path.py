"""fields.phone takes a regex fast path for plain Chinese mobiles; it must give exactly what the
phonenumbers path (tenure.lib.phone.normalize_phone) gives, or fall through to it."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.imports import fields as F
from tenure.lib.phone import InvalidPhone, normalize_phone


def slow(text):
    try:
        return normalize_phone(text, "CN")
    except InvalidPhone:
        return "BAD"


def fast(text):
    try:
        return F.phone(text, "CN")
    except F.BadValue:
        return "BAD"


_SEP = st.sampled_from(["", " ", "-", ".", "(", ")", "  ", "\t", "\u3000", "－"])
_DIGIT = st.sampled_from("0123456789０１８")


@st.composite
def mobiles(draw):
    prefix = draw(
        st.sampled_from(["", "+86", "0086", "86", "+", "00", "(+86)", "+ 86", "00 86", "860", "0", "+860"])
    )
    head = draw(st.sampled_from(["1", "2", "0", "１"])) + draw(st.sampled_from("0123456789"))
    body = draw(st.lists(_DIGIT, min_size=7, max_size=11))
    parts = [prefix, head, *body]
    return "".join(p + draw(_SEP) for p in parts).strip(draw(st.sampled_from(["", " "])))


@settings(max_examples=3000, deadline=None)
@given(mobiles())
def test_fast_path_agrees_with_phonenumbers(text):
    assert fast(text) == slow(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789+-() ８", max_size=20))
def test_fast_path_agrees_on_any_digits(text):
    assert fast(text) == slow(text) or slow(text) == ""


def test_common_writings():
    for text in [
        "13812345678",
        "138 1234 5678",
        "+86 138-1234-5678",
        "008613812345678",
        "(+86) 138.1234.5678",
    ]:
        assert F.phone(text, "CN") == "+8613812345678"
