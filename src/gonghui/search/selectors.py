"""The header's one search box: members, unions and requests by number, each read through its own
app's scoped selector (so the data scope is the one of the lists they link to), each capped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gonghui.core.pagination import keyset_page
from gonghui.members.search import EXACT_KINDS, SUFFIX_KINDS, normalize_term, search_kind
from gonghui.members.selectors import MemberFilters, member_list_visible_to
from gonghui.orgs.selectors import OrgFilters, org_list_visible_to
from gonghui.rights.selectors import RequestFilters, request_list_visible_to

# Rows per kind on the results page; the rest is one click away in the module's own list.
PER_KIND = 8
MAX_TERM = 64
REQUEST_PREFIX = "WQ"  # rights requests' numbers: WQ20261124-000123


@dataclass
class Found:
    rows: list[Any] = field(default_factory=list)
    more: bool = False


@dataclass
class SearchResults:
    term: str
    members: Found | None = None  # None: the term cannot name one of these
    unions: Found | None = None
    requests: Found | None = None

    @property
    def empty(self) -> bool:
        return not any(found and found.rows for found in (self.members, self.unions, self.requests))


def _capped(rows: list[Any]) -> Found:
    return Found(rows=rows[:PER_KIND], more=len(rows) > PER_KIND)


def search_everything(*, actor, term: str) -> SearchResults:
    """What `term` finds in the actor's scope: a request number finds requests only; a name,
    pinyin initials, last four digits, a phone, ID or card number finds members (as the roll's own
    search reads it); a name or initials finds unions too (as the union picker matches)."""
    term = normalize_term(term)[:MAX_TERM]
    results = SearchResults(term=term)
    if not term:
        return results
    if term.upper().startswith(REQUEST_PREFIX) and len(term) > len(REQUEST_PREFIX):
        requests = request_list_visible_to(actor=actor, filters=RequestFilters(q=term)).order_by("-id")
        results.requests = _capped(list(requests[: PER_KIND + 1]))
        return results
    kind = search_kind(term)
    members, cursor = keyset_page(
        member_list_visible_to(actor=actor, filters=MemberFilters(q=term)), cursor=None, limit=PER_KIND
    )
    results.members = Found(rows=members, more=cursor is not None)
    if kind not in EXACT_KINDS and kind not in SUFFIX_KINDS:
        unions = org_list_visible_to(actor=actor, filters=OrgFilters(q=term)).select_related("parent")
        results.unions = _capped(list(unions[: PER_KIND + 1]))
    return results
