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


# Kinds of term: the exact ones match a handful of rows through their own index; the prefix ones
# may match a large share of the roll (a common surname), which the list selector plans for.
EXACT_KINDS = frozenset({"id_number", "phone", "card_number"})
PREFIX_KINDS = frozenset({"initials", "name"})


def search_kind(term: str) -> str:
    """What the term is: "" (empty), id_number, phone, card_number, initials or name."""
    term = (term or "").strip()
    if not term:
        return ""
    if _ID_SHAPE.match(normalize_id_number(term)):
        return "id_number"
    if _MOBILE.match(normalize_mobile(term)):
        return "phone"
    if _CARD.match(term):
        return "card_number"
    if _INITIALS.match(term.lower()):
        return "initials"
    return "name"


def search_q(term: str) -> Q:
    term = (term or "").strip()
    kind = search_kind(term)
    if kind == "id_number":
        return Q(id_number_hash=keyed_hash(normalize_id_number(term)))
    if kind == "phone":
        return Q(phone=normalize_mobile(term))
    if kind == "card_number":
        return Q(card_number=term)
    if kind == "initials":
        return Q(name_initials__startswith=term.lower())
    if kind == "name":
        return Q(name__startswith=term)
    return Q()
