"""Fixtures for joining: real-name workers and their applications, made through the services."""

from __future__ import annotations

import itertools

import pytest
from tests.conftest import id_number, make_worker

from gonghui.joining.services import application_submit

_phones = itertools.count(13700000001)

APPLICATION = {
    "phone": "13700000000",
    "ethnicity": "汉族",
    "education": "senior",
    "employer_name": "望京快送有限公司",
    "employer_uscc": "",
    "is_migrant_worker": True,
    "new_employment_form": "delivery_rider",
}


@pytest.fixture
def new_worker(db):
    """A factory: a real-name bound worker account with a fresh phone and ID number."""

    def make(seq: int, name: str = "李四"):
        return make_worker(str(next(_phones)), name=name, id_no=id_number(seq))

    return make


@pytest.fixture
def apply(db):
    """A factory: the worker applies to the union (data overrides the defaults)."""

    def submit(worker, org, **data):
        return application_submit(worker=worker, org=org, data={**APPLICATION, **data})

    return submit
