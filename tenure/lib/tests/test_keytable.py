from hypothesis import given
from hypothesis import strategies as st

from tenure.lib import keytable
from tenure.lib.keytable import KeyTable


def test_finds_exactly_the_keys_it_holds():
    pairs = [
        ("C00000001", 1),
        ("C00000002", 2),
        ("客户-7", 7),
        ("x" * 100, 100),
        ("a\0", 5),
        ("a", 6),
        ("", 9),
    ]
    table = KeyTable(pairs)
    assert len(table) == len(pairs)
    asked = [
        "C00000002",
        "C0000000",
        "C000000021",
        "客户-7",
        "客户",
        "x" * 100,
        "x" * 99,
        "a\0",
        "a",
        "",
        "b",
    ]
    assert table.find(asked) == {"C00000002": 2, "客户-7": 7, "x" * 100: 100, "a\0": 5, "a": 6, "": 9}
    assert KeyTable([]).find(["a"]) == {}


@given(
    st.dictionaries(st.text(max_size=12), st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=60),
    st.lists(st.text(max_size=12), max_size=60),
)
def test_finds_what_a_dict_finds(mapping, extra):
    table = KeyTable(mapping.items())
    asked = [*mapping, *extra]
    assert table.find(asked) == {k: mapping[k] for k in asked if k in mapping}


def test_long_keys_stay_out_of_the_array(monkeypatch):
    monkeypatch.setattr(keytable, "WIDTH_LIMIT", 4)
    table = KeyTable([("abcd", 1), ("abcde", 2)])
    assert table._width == 4 and table.find(["abcde", "abcd", "abc"]) == {"abcde": 2, "abcd": 1}
