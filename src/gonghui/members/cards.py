"""Member card numbers (会员卡号): 12-digit sequence plus a Luhn check digit, allocated in blocks."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from .models import CardNumberCounter


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
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
