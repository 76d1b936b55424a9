"""The one search box: what a typed term means.

18-character ID shape → exact keyed-hash lookup; 11-digit mobile → phone; 13 digits → card
number; latin letters → pinyin initials prefix (zs → 张三); anything else → name prefix.
"""

from __future__ import annotations

import re

from django.db.models import Q

from gonghui.core.idcard import normalize_id_number
from gonghui.core.phone import normalize_mobile
from gonghui.core.pii import keyed_hash

_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1\d{10}$")
_CARD = re.compile(r"^\d{13}$")
_INITIALS = re.compile(r"^[a-z]{1,32}$")


def search_q(term: str) -> Q:
    term = (term or "").strip()
    if not term:
        return Q()
    upper = normalize_id_number(term)
    if _ID_SHAPE.match(upper):
        return Q(id_number_hash=keyed_hash(upper))
    mobile = normalize_mobile(term)
    if _MOBILE.match(mobile):
        return Q(phone=mobile)
    if _CARD.match(term):
        return Q(card_number=term)
    if _INITIALS.match(term.lower()):
        return Q(name_initials__startswith=term.lower())
    return Q(name__startswith=term)
