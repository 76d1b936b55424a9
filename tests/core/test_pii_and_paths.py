import hashlib
import hmac

import pytest
from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

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


@given(st.text(max_size=40))
def test_keyed_hash_is_hmac_sha256_under_the_derived_key(value):
    # Stored hashes must never change: it is exactly HMAC-SHA256 with the key derived for it.
    mac_key = hashlib.sha256(b"gonghui:pii:hmac:" + settings.PII_KEY.encode()).digest()
    assert pii.keyed_hash(value) == hmac.new(mac_key, value.encode(), hashlib.sha256).hexdigest()


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
    assert name_initials("") == ""


def _whole_name_initials(name: str) -> str:
    """The letters of the name converted in one call, as before words were cached."""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch.lower() for part in letters for ch in part if ch.isalnum())[:32]


def test_pinyin_initials_word_by_word_equal_the_whole_name():
    from gonghui.demo.generator import NationalPlanner

    planner = NationalPlanner(seed=7, unions=800, members=6000)
    names = [p.name for p in planner.build()] + [m.name for m in planner.iter_members()]
    names += ["重庆银行股份有限公司工会", "单雄信", "解放路街道总工会", "曾参", "长春市长江路", "行长", "银行行长",
              "A座3号楼工会（2）", "Zhang 三 李四", "乐乐", "覃", "朝阳区朝阳门"]  # fmt: skip
    assert len(names) > 6000
    assert [name_initials(n) for n in names] == [_whole_name_initials(n) for n in names]


@given(st.text(alphabet="重庆银行长单解曾参乐朝阳门张三李四会计都市大厦A b1（）·", max_size=40))
def test_pinyin_initials_of_any_mix_equal_the_whole_name(name):
    assert name_initials(name) == _whole_name_initials(name)
