"""Pinyin initials for search: 张三 → "zs"."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.core import Pinyin

_SEGMENTER = Pinyin()


@lru_cache(maxsize=100_000)
def _segment_initials(segment: str) -> str:
    letters = lazy_pinyin(segment, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch.lower() for part in letters for ch in part if ch.isalnum())


def name_initials(name: str) -> str:
    # pypinyin reads a word's sound from the word (重庆 chongqing, 银行 yinhang), never from its
    # neighbours, so converting the name word by word, each word once, gives the same letters as
    # converting it whole; names and union names are made of few distinct words, so most are cached.
    if not name:
        return ""
    return "".join(_segment_initials(word) for word in _SEGMENTER.seg(name))[:32]
