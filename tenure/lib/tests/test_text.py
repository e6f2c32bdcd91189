import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.lib import text
from tenure.lib.text import fold


def slow_fold(value):
    """fold() without its fast path: the definition it must agree with."""
    value = unicodedata.normalize("NFKC", value or "").lower()
    value = "".join(c for c in unicodedata.normalize("NFD", value) if unicodedata.category(c) != "Mn")
    return text._SPACE.sub(" ", value).strip()


_NAMES = st.text(
    alphabet=st.sampled_from(
        "张王李曾单伟芳静丽 abcXYZ09-_.@'\t\u3000ＡＢ１éüÅ\uf900\u4dbf\u3400\u9fff\u00a0"
    )
)


@settings(max_examples=2000, deadline=None)
@given(_NAMES)
def test_fold_fast_path_agrees_with_the_definition(value):
    assert fold(value) == slow_fold(value)


@settings(max_examples=1000, deadline=None)
@given(st.text())
def test_fold_agrees_with_the_definition_on_any_text(value):
    assert fold(value) == slow_fold(value)


def test_fold_examples():
    assert fold("  张伟  ") == "张伟"
    assert fold("John  SMITH") == "john smith"
    assert fold("Ｊｏｈｎ Ｓｍｉｔｈ") == "john smith"
    assert fold("Zoë") == "zoe"
    assert fold(None) == ""
