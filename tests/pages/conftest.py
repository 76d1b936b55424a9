"""Fixtures for the page tests: a member in district A, and helpers to read responses."""

from __future__ import annotations

import pytest

from gonghui.members.services import member_create
from tests.conftest import member_data

HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def member_a(tree):
    """张三 in 望京科技公司工会 (district A)."""
    return member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=11))


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user
