"""Member card numbers (会员卡号): 12-digit sequence plus a Luhn check digit, allocated in blocks."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F

from .models import CardNumberCounter

_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # 2d with its digits summed


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for `digits` (the rightmost digit is doubled)."""
    values = list(map(int, digits[::-1]))
    total = sum(map(_DOUBLED.__getitem__, values[0::2])) + sum(values[1::2])
    return str((10 - total % 10) % 10)


def card_number_for(seq: int) -> str:
    body = f"{seq:012d}"
    return body + luhn_digit(body)


def reserve_card_sequence(count: int) -> int:
    """Reserve `count` consecutive card sequence numbers and return the first; safe under concurrent callers.

    PostgreSQL: from a sequence (migration members.0006), never rolled back and never waiting on
    another transaction, so it may be called inside a long one (an import writes as it validates);
    a rolled-back caller leaves a gap. SQLite: the counter row, in the caller's transaction.
    """
    if count <= 0:
        raise ValueError("count must be positive")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT members_reserve_card_numbers(%s)", [count])
            return cur.fetchone()[0] - count + 1
    with transaction.atomic():
        counter, _ = CardNumberCounter.objects.select_for_update().get_or_create(pk=1)
        CardNumberCounter.objects.filter(pk=1).update(last=F("last") + count)
        return counter.last + 1


def allocate_card_numbers(count: int) -> list[str]:
    """Reserve `count` consecutive card numbers."""
    if count <= 0:
        return []
    start = reserve_card_sequence(count)
    return [card_number_for(seq) for seq in range(start, start + count)]
