"""Text helpers for search: pinyin of Chinese names, normalisation of Latin text.

Search needs, for 张伟: the characters, full pinyin "zhangwei" and initials "zw" — and the same from
any syllable on ("wei", "w") so a part of the name finds it too.
"""

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[0-9a-z\u00c0-\u024f]+")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def fold(text: str) -> str:
    """Lowercase, NFKC (full-width to half-width), accents stripped, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def pinyin_syllables(text: str) -> tuple[str, ...]:
    """Pinyin syllables of the CJK characters in `text` (others dropped), lowercase, no tones."""
    chars = "".join(_CJK.findall(text))
    if not chars:
        return ()
    return tuple(s.lower() for s in lazy_pinyin(chars, style=Style.NORMAL, errors="ignore") if s)


def latin_words(text: str) -> list[str]:
    return _WORD.findall(fold(text))
