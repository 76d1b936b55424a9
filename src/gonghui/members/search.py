"""The one search box: what a typed term means, and the columns it is matched against.

The term is read as officers type it: full-width characters as half-width, spaces anywhere
ignored (`卜 军`, `１３８…`). Then:

* 18-character ID shape → exact keyed-hash lookup; 11-digit mobile → phone; 13 digits → card number;
* a masked value copied from a list → its person: `145****8038` (phone prefix and last four),
  `110105********1234` (the stored masked ID number, through its last four);
* a name or initials followed by 4 digits (`张三 8038`, `zs8038`) → that name whose phone or ID
  number ends so;
* 4 digits alone → phone or ID number ending so, at most LAST4_ALONE_CAP members: four digits
  match one person in ten thousand, so a city's roll holds hundreds (`search_notice` says so);
* latin letters → pinyin initials prefix, by the surname's own reading or the everyday one
  (曾国藩: zgf or cgf; see core.pinyin.person_initials);
* anything else → name prefix.

`search_keys` computes the stored columns (initials, second reading, last four digits) of a
member row: every path that writes members (services, import, demo) calls it.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q
from django.utils.translation import gettext as _

from gonghui.core.idcard import normalize_id_number
from gonghui.core.phone import normalize_mobile
from gonghui.core.pii import keyed_hash
from gonghui.core.pinyin import everyday_surname_prefixes, person_initials

_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1\d{10}$")
_CARD = re.compile(r"^\d{13}$")
_INITIALS = re.compile(r"^[a-z]{1,32}$")
_LAST4 = re.compile(r"^\d{3}[\dX]$")
_MASKED_PHONE = re.compile(r"^(1\d{2})\*{4}(\d{4})$")
_MASKED_ID = re.compile(r"^[\dA-Z]{2,6}\*{4,12}[\dA-Z]{3}[\dX]$")
_NAME_LAST4 = re.compile(r"^(?P<name>\D+?)(?P<last4>\d{3}[\dXx])$")
_SPACES = re.compile(r"\s+")

# Four digits alone: this many members at most (a page), with a notice to add a name.
LAST4_ALONE_CAP = 20

# Kinds of term: the exact ones match a handful of rows through their own index; the prefix ones
# may match a large share of the roll (a common surname), which the list selector plans for; the
# suffix ones match about one row in ten thousand through the last-four indexes.
EXACT_KINDS = frozenset({"id_number", "phone", "card_number"})
PREFIX_KINDS = frozenset({"initials", "name"})
SUFFIX_KINDS = frozenset({"masked_phone", "masked_id", "name_last4", "last4"})


def normalize_term(term: str) -> str:
    """Full-width as half-width (NFKC: `１３８` → `138`, `＊` → `*`), all spaces removed."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", term or ""))


def search_kind(term: str) -> str:
    """What the term is: "" (empty), id_number, phone, card_number, masked_phone, masked_id,
    name_last4, last4, initials or name."""
    term = normalize_term(term)
    if not term:
        return ""
    upper = term.upper()
    if _ID_SHAPE.match(normalize_id_number(term)):
        return "id_number"
    if _MOBILE.match(normalize_mobile(term)):
        return "phone"
    if _CARD.match(term):
        return "card_number"
    if _MASKED_PHONE.match(term):
        return "masked_phone"
    if _MASKED_ID.match(upper):
        return "masked_id"
    if _LAST4.match(upper):
        return "last4"
    match = _NAME_LAST4.match(term)
    if match and _name_part_kind(match.group("name")):
        return "name_last4"
    if _INITIALS.match(term.lower()):
        return "initials"
    return "name"


def _name_part_kind(part: str) -> str:
    if _INITIALS.match(part.lower()):
        return "initials"
    if "*" in part:
        return ""
    return "name"


def _initials_q(initials: str) -> Q:
    q = Q(name_initials__startswith=initials)
    # The second reading is stored for few names (polyphonic surnames); ask for it only when the
    # typed letters can begin one, so other searches keep their one-column plan.
    if any(initials.startswith(p) or p.startswith(initials) for p in everyday_surname_prefixes()):
        # The partial index's own condition, repeated: PostgreSQL uses a partial index only for a
        # query that states its condition (it cannot infer it from the LIKE), else it scans the roll.
        q |= Q(name_initials_alt__startswith=initials) & ~Q(name_initials_alt="")
    return q


def _last4_q(last4: str) -> Q:
    return Q(phone_last4=last4) | Q(id_last4=last4)


def search_q(term: str) -> Q:
    term = normalize_term(term)
    kind = search_kind(term)
    if kind == "id_number":
        return Q(id_number_hash=keyed_hash(normalize_id_number(term)))
    if kind == "phone":
        return Q(phone=normalize_mobile(term))
    if kind == "card_number":
        return Q(card_number=term)
    if kind == "masked_phone":
        prefix, last4 = _MASKED_PHONE.match(term).groups()  # type: ignore[union-attr]
        return Q(phone_last4=last4, phone__startswith=prefix)
    if kind == "masked_id":
        masked = term.upper()
        return Q(id_last4=masked[-4:], id_number_masked=masked)
    if kind == "last4":
        return _last4_q(term.upper())
    if kind == "name_last4":
        name, last4 = term[:-4], term[-4:].upper()
        named = _initials_q(name.lower()) if _name_part_kind(name) == "initials" else Q(name__startswith=name)
        return named & _last4_q(last4)
    if kind == "initials":
        return _initials_q(term.lower())
    if kind == "name":
        return Q(name__startswith=term)
    return Q()


def prefix_count_q(term: str) -> Q:
    """search_q for sizing a prefix search: initials by the first reading only, which an index-only
    range counts (the second reading adds at most the few names that hold one)."""
    term = normalize_term(term)
    if search_kind(term) == "initials":
        return Q(name_initials__startswith=term.lower())
    return search_q(term)


def search_notice(term: str) -> str:
    """What a results page should say about the search itself ("" for nothing)."""
    if search_kind(term) == "last4":
        return _("仅凭后四位查找，最多显示 %(n)d 人；在数字前加上姓名或拼音首字母（如“张三 8038”）可缩小范围。") % {
            "n": LAST4_ALONE_CAP
        }
    return ""


def search_keys(*, name: str, phone: str, id_number_masked: str) -> dict[str, str]:
    """The member row's search columns: name_initials, name_initials_alt, phone_last4, id_last4."""
    primary, alternative = person_initials(name)
    return {
        "name_initials": primary,
        "name_initials_alt": alternative,
        "phone_last4": phone[-4:] if len(phone) >= 4 else "",
        "id_last4": id_number_masked[-4:] if len(id_number_masked) > 10 else "",
    }
