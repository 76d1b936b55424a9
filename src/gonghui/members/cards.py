"""Member card numbers (会员卡号): 12-digit sequence plus a Luhn check digit, allocated in blocks."""

from __future__ import annotations

from django.db import transaction
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


def allocate_card_numbers(count: int) -> list[str]:
    """Reserve `count` consecutive card numbers; safe under concurrent callers."""
    if count <= 0:
        return []
    with transaction.atomic():
        counter, _ = CardNumberCounter.objects.select_for_update().get_or_create(pk=1)
        CardNumberCounter.objects.filter(pk=1).update(last=F("last") + count)
        start = counter.last + 1
    return [card_number_for(seq) for seq in range(start, start + count)]
