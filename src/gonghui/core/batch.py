"""Batch actions: the same single action applied to several rows an officer ticked.

Each row goes through the single action's own path — the scoped selector that finds it (so a
row out of scope is "does not exist"), then the service with its permission, state checks and
history — in a transaction of its own. A row that fails is reported with its reason and leaves
the others alone: nothing of it is written, and the rows before and after it are done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .bounds import ROW_ID_MAX
from .errors import DomainError, InvalidInput, NotFound

BATCH_MAX = 200


@dataclass(frozen=True)
class BatchItem:
    id: int
    ok: bool
    label: str  # what the officer recognises the row by (a name), "" when it was not found
    message: str  # 成功, or why this row was not done


def clean_ids(values: Iterable[Any]) -> list[int]:
    """The ticked row ids, each once and in the order given; none, too many or a bad id is bad input."""
    ids: list[int] = []
    for value in values:
        try:
            row_id = int(value)
        except (TypeError, ValueError):
            row_id = -1
        if not 1 <= row_id <= ROW_ID_MAX:
            message = _("所选记录编号无效")
            raise InvalidInput(message, code="bad_ids", fields={"ids": [message]})
        if row_id not in ids:
            ids.append(row_id)
    if not ids:
        message = _("请至少选择一条记录")
        raise InvalidInput(message, code="bad_ids", fields={"ids": [message]})
    if len(ids) > BATCH_MAX:
        message = _("一次最多处理 %(max)s 条，已选 %(n)s 条；请分批处理") % {"max": BATCH_MAX, "n": len(ids)}
        raise InvalidInput(message, code="batch_too_large", fields={"ids": [message]})
    return ids


def run_batch(
    ids: list[int],
    *,
    fetch: Callable[[int], Any],
    act: Callable[[Any], Any],
    label: Callable[[Any], str] = str,
) -> list[BatchItem]:
    """fetch(id) then act(row) for each id, each in its own transaction; one result per id."""
    out: list[BatchItem] = []
    for row_id in ids:
        name = ""
        try:
            with transaction.atomic():
                row = fetch(row_id)
                name = label(row)
                act(row)
        except NotFound:
            out.append(BatchItem(row_id, False, name, _("记录不存在或不在您的数据范围内")))
        except DomainError as exc:
            out.append(BatchItem(row_id, False, name, exc.message))
        else:
            out.append(BatchItem(row_id, True, name, _("成功")))
    return out


def batch_summary(items: list[BatchItem]) -> dict[str, int]:
    done = sum(1 for item in items if item.ok)
    return {"done": done, "failed": len(items) - done}
