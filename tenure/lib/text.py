"""Text helpers for search: pinyin of Chinese names, normalisation of Latin text.

Search needs, for 张伟: the characters, full pinyin "zhangwei" and initials "zw" — and the same from
any syllable on ("wei", "w") so a part of the name finds it too.
"""

import os
import re
import unicodedata
from functools import cache

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[0-9a-z\u00c0-\u024f]+")
# Text that NFKC, NFD and the accent filter all leave alone: CJK unified ideographs (not the
# compatibility block, which NFKC maps) and printable ASCII. Most imported names are one or the other.
_FOLD_STABLE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\x20-\x7e]*")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def fold(text: str) -> str:
    """Lowercase, NFKC (full-width to half-width), accents stripped, spaces collapsed."""
    if text and _FOLD_STABLE.fullmatch(text):
        return _SPACE.sub(" ", text.lower()).strip()  # the same result without two normalisations
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return _SPACE.sub(" ", text).strip()


@cache
def char_readings(char: str) -> tuple[str, ...]:
    """Every pinyin reading of one character, the most common first (lowercase, no tones).

    Cached per character (about 20k CJK characters in use): a name then costs a few dict look-ups
    instead of a pypinyin phrase analysis, which matters when an import indexes a million names.
    """
    # Imported on first use, without its phrase dictionary: loading it costs ~1 s of CPU in every
    # process, and it never changes a single character's readings (no phrase of one character;
    # tests/test_text.py compares every character pypinyin knows with and without it). Should
    # pypinyin be imported elsewhere first, with phrases, the answers are the same.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style, pinyin

    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(r.lower() for r in (readings[0] if readings else []) if r)


def pinyin_syllables(text: str) -> tuple[str, ...]:
    """Pinyin syllables (most common reading) of the CJK characters in `text`; others dropped."""
    return tuple(r[0] for r in (char_readings(c) for c in _CJK.findall(text or "")) if r)


def surname_readings(text: str) -> tuple[str, ...]:
    """All readings of the first CJK character: surnames are often read unusually (曾 zeng, 单 shan)."""
    chars = _CJK.findall(text or "")
    return char_readings(chars[0]) if chars else ()


def latin_words(text: str) -> list[str]:
    return _WORD.findall(fold(text))
