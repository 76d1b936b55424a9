"""Fixtures of the casework and report tests (loaded with `pytest_plugins` by those modules)."""

from __future__ import annotations

import pytest

from tests.casework.support import accepted, file_request, resolved, worker_in


@pytest.fixture
def worker_a(tree):
    return worker_in(tree.union_a1)


@pytest.fixture
def open_request(tree, worker_a):
    """An accepted request of worker_a held by 望京科技公司工会 (district A)."""
    return accepted(file_request(worker_a), tree.officer_a)


@pytest.fixture
def resolved_request(tree, worker_a):
    return resolved(file_request(worker_a), tree.officer_a)
