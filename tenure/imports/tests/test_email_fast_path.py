"""fields.email accepts plain ASCII addresses by one regex; every address it accepts that way,
Django's validate_email (the slow path, used for everything else) must accept too, with the same
stored value."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tenure.imports import fields as F


def slow(text):
    value = text.strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        return "BAD"
    return value


def fast(text):
    try:
        return F.email(text)
    except F.BadValue:
        return "BAD"


_PIECES = st.sampled_from(
    ["a", "Z", "0", "9", ".", "..", "-", "_", "+", "@", "@@", "xn--", "com", "cn", "例", "é", " ", "\n",
     "!", "'", '"', "[", "]", "1.2.3.4", "localhost", "-a", "a-", "co.uk", "x" * 63, "y" * 64]
)  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
@example("c12@example.com")
@example("a..b@example.com")
@example(".a@example.com")
@example("a@-example.com")
@example("a@example-.com")
@example("a@example.c0m")
@example("a@example.com\n")
@example("a@" + "b" * 64 + ".com")
@example("a@localhost")
@example("a@[127.0.0.1]")
@example(" Wang.Wei+crm@Sub.Example.COM ")
def test_fast_path_agrees_with_django(text):
    assert fast(text) == slow(text)


@settings(max_examples=1000, deadline=None)
@given(st.emails())
def test_fast_path_agrees_on_generated_addresses(text):
    assert fast(text) == slow(text)
