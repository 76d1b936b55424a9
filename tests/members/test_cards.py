"""Member card numbers: Luhn check digit, consecutive blocks, and (PostgreSQL) reservation that never waits."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from gonghui.members.cards import allocate_card_numbers, card_number_for, card_numbers_for, luhn_digit
from tests.concurrency import run_parallel


def test_card_numbers_carry_a_luhn_check_digit():
    assert luhn_digit("7992739871") == "3"
    assert card_number_for(1) == "0000000000018"


@given(st.integers(0, 10**12 - 3000), st.integers(0, 2500))
def test_a_block_of_card_numbers_is_card_number_for_each(first, count):
    assert card_numbers_for(first, count) == [card_number_for(seq) for seq in range(first, first + count)]


def test_a_block_is_consecutive_and_the_next_one_follows(db):
    block = allocate_card_numbers(5)
    first = int(block[0][:-1])
    assert block == [card_number_for(seq) for seq in range(first, first + 5)]
    assert allocate_card_numbers(2) == [card_number_for(first + 5), card_number_for(first + 6)]
    assert allocate_card_numbers(0) == []


pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL")


@pg_only
@pytest.mark.django_db(transaction=True)
def test_parallel_blocks_never_overlap():
    blocks = run_parallel([lambda: [allocate_card_numbers(50) for _ in range(20)]] * 4)

    cards = [card for worker in blocks for block in worker for card in block]
    assert len(cards) == len(set(cards)) == 4 * 20 * 50
    for block in (block for worker in blocks for block in worker):
        first = int(block[0][:-1])
        assert block == [card_number_for(seq) for seq in range(first, first + 50)]


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_block_reserved_in_an_open_transaction_does_not_hold_up_others():
    # given a long transaction (an import writing as it validates) that has reserved cards
    reserved, release = threading.Event(), threading.Event()

    def long_import():
        with transaction.atomic():
            cards = allocate_card_numbers(1000)
            reserved.set()
            released_while_open = release.wait(10)
        return cards, released_while_open

    def registration():
        reserved.wait(30)
        cards = allocate_card_numbers(1)
        release.set()  # reached only if the reservation did not wait for the import to end
        return cards

    # when another caller reserves a card while it is still open
    (import_cards, released_while_open), single = run_parallel([long_import, registration])

    # then it got one while the import was still open (with a row lock it would wait for its end)
    assert released_while_open
    assert single[0] not in import_cards
