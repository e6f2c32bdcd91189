"""Phone numbers: normalise to E.164 with `phonenumbers`; digits for partial look-ups."""

import re

import phonenumbers

_NON_DIGITS = re.compile(r"\D+")


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, region: str = "CN") -> str:
    """Return `raw` as E.164 ("+8613812345678") or raise InvalidPhone with a reason.

    Accepts any common writing: spaces, dashes, brackets, a leading 0086/+86, full-width digits.
    """
    text = (raw or "").strip()
    if not text:
        return ""
    text = text.translate(_FULLWIDTH)
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_digits(raw: str) -> str:
    return _NON_DIGITS.sub("", (raw or "").translate(_FULLWIDTH))


def national_digits(e164: str) -> str:
    """The national significant number of an E.164 number ("+8613812345678" -> "13812345678")."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return phone_digits(e164)
    return phonenumbers.national_significant_number(number)


def lookup_candidates(raw: str, region: str = "CN") -> list[str]:
    """E.164 forms a caller id may stand for (for exact screen-pop matching)."""
    out = []
    try:
        full = normalize_phone(raw, region)
    except InvalidPhone:
        full = ""
    if full:
        out.append(full)
    return out


def format_phone(e164: str) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_FULLWIDTH = str.maketrans("０１２３４５６７８９＋－（）　", "0123456789+-() ")
