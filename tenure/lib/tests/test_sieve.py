import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenure.lib.sieve import Sieve


@given(st.lists(st.text(max_size=20), max_size=300), st.lists(st.text(max_size=20), max_size=300))
def test_every_key_added_is_passed(added, others):
    sieve = Sieve(bits=1 << 12)
    sieve.add(added)
    assert sieve.maybe(added) == added  # in order, duplicates kept
    passed = sieve.maybe(others + added)
    assert passed[len(passed) - len(added) :] == added


def test_keys_never_added_are_mostly_not_passed():
    sieve = Sieve(bits=1 << 20)
    sieve.add(f"SO{i:09d}" for i in range(50_000))
    others = [f"SX{i:09d}" for i in range(50_000)]
    # Two probes in 2**20 bits at 50k keys: about 0.9% pass.
    assert len(sieve.maybe(others)) < 1_500
    assert Sieve(bits=64).maybe(others) == []  # nothing added, nothing passed


@pytest.mark.parametrize("bits", [0, 100, 32])
def test_the_size_is_a_power_of_two(bits):
    with pytest.raises(ValueError):
        Sieve(bits=bits)
