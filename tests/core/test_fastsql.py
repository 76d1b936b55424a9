"""core.fastsql: prepared hot reads keep working across reconnects and failed statements."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection

from gonghui.core import fastsql


@pytest.mark.django_db(transaction=True)
def test_a_prepared_read_survives_a_failed_statement_and_a_reconnect():
    assert fastsql.fetchone("SELECT %s + 1", [1]) == (2,)
    with pytest.raises(DatabaseError):
        fastsql.fetchall("SELECT * FROM no_such_table WHERE id = %s", [1])
    assert fastsql.fetchall("SELECT %s + 1", [2]) == [(3,)]
    connection.close()
    assert fastsql.fetchone("SELECT %s + 1", [3]) == (4,)
    assert fastsql.fetchall("SELECT %s + 1", [4]) == [(5,)]
