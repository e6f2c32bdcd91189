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


_READINGS_SCRIPT = """
import hashlib, os, sys
if sys.argv[1] == "tenure":
    from tenure.lib.text import char_readings
    char_readings("张")
    assert os.environ.get("PYPINYIN_NO_PHRASES") == "1"
else:
    os.environ.pop("PYPINYIN_NO_PHRASES", None)
from pypinyin import Style, pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
assert bool(PHRASES_DICT) == (sys.argv[1] == "pypinyin")
out = hashlib.sha256()
for code in sorted(PINYIN_DICT):
    char = chr(code)
    if sys.argv[1] == "tenure":
        readings = char_readings(char)
    else:
        got = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
        readings = tuple(r.lower() for r in (got[0] if got else []) if r)
    out.update(f"{code}:{','.join(readings)};".encode())
print(len(PINYIN_DICT), out.hexdigest())
"""


def test_char_readings_without_phrases_equal_pypinyins_for_every_character():
    """char_readings loads pypinyin without its phrase dictionary (~1 s at start-up): every character
    pypinyin knows has the readings pypinyin gives with the dictionary loaded (each in its own
    process: pypinyin reads the setting once, on import)."""
    import subprocess
    import sys

    runs = [
        subprocess.Popen([sys.executable, "-c", _READINGS_SCRIPT, which], stdout=subprocess.PIPE, text=True)
        for which in ("tenure", "pypinyin")
    ]
    answers = [run.communicate(timeout=300)[0].split() for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert answers[0] == answers[1]
    assert int(answers[0][0]) > 40_000
