"""Pinyin initials for search: 张三 → "zs"."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def name_initials(name: str) -> str:
    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(ch.lower() for part in letters for ch in part if ch.isalnum())[:32]
