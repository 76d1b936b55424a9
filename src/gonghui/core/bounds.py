"""What the database columns hold: the bounds every API schema and form keeps to.

A number past these reaches the database as an error (PostgreSQL: out of range; SQLite: a Python
OverflowError before the query even runs), so inputs are refused at the edge with a clear message.
The API's constrained types (core.api_schemas) and RowIdField for forms are built on them.
"""

from __future__ import annotations

from typing import Any

from django import forms

INT32_MAX = 2**31 - 1  # IntegerField / PositiveIntegerField on PostgreSQL
ROW_ID_MAX = 2**63 - 1  # BigAutoField; SQLite cannot even compare a larger integer
TEXT_MAX = 5000  # free text (TextField): what one request may write


class RowIdField(forms.IntegerField):
    """An object id picked in a form (a hidden input): 1 … 2^63−1."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ROW_ID_MAX)
        super().__init__(**kwargs)
