"""Member card numbers (会员卡号): 12-digit sequence plus a Luhn check digit, allocated in blocks."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F

from .models import CardNumberCounter

_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # 2d with its digits summed


def _luhn_sum(digits: str, *, rightmost_doubled: bool) -> int:
    values = list(map(int, digits[::-1]))
    doubled, plain = (values[0::2], values[1::2]) if rightmost_doubled else (values[1::2], values[0::2])
    return sum(map(_DOUBLED.__getitem__, doubled)) + sum(plain)


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for `digits` (the rightmost digit is doubled)."""
    return str(-_luhn_sum(digits, rightmost_doubled=True) % 10)


def card_number_for(seq: int) -> str:
    body = f"{seq:012d}"
    return body + luhn_digit(body)


# The last three digits' part of the Luhn sum, for every ending 000-999 (the rightmost is doubled).
_ENDING_SUMS = tuple(_luhn_sum(f"{n:03d}", rightmost_doubled=True) for n in range(1000))


def card_numbers_for(first: int, count: int) -> list[str]:
    """`card_number_for` of `count` consecutive sequence numbers from `first`, the Luhn sum of
    the leading nine digits taken once per thousand (an import numbers a card per row)."""
    cards: list[str] = []
    seq, end = first, first + count
    while seq < end:
        lead, ending = divmod(seq, 1000)
        head = f"{lead:09d}"
        lead_sum = _luhn_sum(head, rightmost_doubled=False)  # its rightmost is the card's fourth from the right
        stop = min(end, (lead + 1) * 1000)
        cards += [f"{head}{n:03d}{-(lead_sum + _ENDING_SUMS[n]) % 10}" for n in range(ending, ending + stop - seq)]
        seq = stop
    return cards


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
    return card_numbers_for(reserve_card_sequence(count), count)
