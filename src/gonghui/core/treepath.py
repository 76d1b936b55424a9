"""Materialized paths for the union tree.

A node's path is its parent's path plus a fixed-width base-36 step, so a whole subtree is
one indexed range scan: ``path >= P AND path < upper(P)``. Ranges (not LIKE) use the index
on both PostgreSQL and SQLite.
"""

from __future__ import annotations

from django.db.models import Q

STEP_LEN = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_CHILDREN = len(ALPHABET) ** STEP_LEN


def step(n: int) -> str:
    """The n-th step (1-based) as a fixed-width base-36 string."""
    if not 0 < n < MAX_CHILDREN:
        raise ValueError("tree step out of range")
    out = []
    for _ in range(STEP_LEN):
        n, r = divmod(n, len(ALPHABET))
        out.append(ALPHABET[r])
    return "".join(reversed(out))


def step_number(segment: str) -> int:
    n = 0
    for ch in segment:
        n = n * len(ALPHABET) + ALPHABET.index(ch)
    return n


def upper_bound(path: str) -> str | None:
    """Smallest path-alphabet string greater than every string that starts with path.

    The path read as a base-36 number plus one ("00AZ" -> "00B0"). Only alphanumerics are
    compared, so the range holds under any database collation, not just "C".
    None when the path is all "Z" (no upper bound needed).
    """
    chars = list(path)
    for i in range(len(chars) - 1, -1, -1):
        idx = ALPHABET.index(chars[i])
        if idx + 1 < len(ALPHABET):
            chars[i] = ALPHABET[idx + 1]
            return "".join(chars[: i + 1])
    return None


def subtree_q(path: str, field: str = "path") -> Q:
    """Q for every node whose path starts with `path` (the node itself included)."""
    upper = upper_bound(path)
    q = Q(**{f"{field}__gte": path})
    return q & Q(**{f"{field}__lt": upper}) if upper is not None else q


def depth_of(path: str) -> int:
    return len(path) // STEP_LEN
