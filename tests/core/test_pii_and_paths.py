import pytest
from cryptography.exceptions import InvalidTag
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from gonghui.core import pii
from gonghui.core.pinyin import name_initials
from gonghui.core.treepath import STEP_LEN, step, step_number, upper_bound


def test_encryption_round_trip_and_randomized():
    a, b = pii.encrypt("110105194912310021"), pii.encrypt("110105194912310021")
    assert a != b and a.startswith("v1:")
    assert pii.decrypt(a) == pii.decrypt(b) == "110105194912310021"


def test_wrong_key_cannot_decrypt_and_hash_is_keyed():
    token = pii.encrypt("secret")
    digest = pii.keyed_hash("secret")
    with override_settings(PII_KEY="another-key"):
        with pytest.raises(InvalidTag):
            pii.decrypt(token)
        assert pii.keyed_hash("secret") != digest


@given(st.integers(1, 36**STEP_LEN - 1))
def test_steps_round_trip_and_sort_in_order(n):
    assert step_number(step(n)) == n
    if n > 1:
        assert step(n - 1) < step(n)


@given(
    st.lists(st.integers(1, 36**STEP_LEN - 1), min_size=1, max_size=4),
    st.lists(st.integers(1, 36**STEP_LEN - 1), max_size=3),
)
def test_upper_bound_contains_exactly_the_subtree(prefix_steps, tail_steps):
    prefix = "".join(step(n) for n in prefix_steps)
    inside = prefix + "".join(step(n) for n in tail_steps)
    bound = upper_bound(prefix)
    assert prefix <= inside and (bound is None or inside < bound)
    sibling = prefix[:-STEP_LEN] + step(min(prefix_steps[-1] + 1, 36**STEP_LEN - 1))
    if sibling != prefix:
        assert bound is not None and sibling >= bound


def test_pinyin_initials():
    assert name_initials("张三") == "zs"
    assert name_initials("欧阳娜娜") == "oynn"
    assert name_initials("Anna 李") == "annal"
