"""Schema pieces shared by every API router: the error shape, input strictness, keyset pages.

The routers live in `<app>/api.py`; this module only holds what they all use, so the error
shape and the list envelope are written once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Model, QuerySet
from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, ValidationInfo, create_model, field_validator
from pydantic_core import PydanticCustomError

from .batch import BATCH_MAX, BatchItem, batch_summary
from .bounds import INT32_MAX, ROW_ID_MAX
from .exports import XLSX_CONTENT_TYPE  # noqa: F401 - the routers describe their XLSX answers with it
from .pagination import MAX_LIMIT, keyset_page
from .queues import QueueSpec, clean_sort, queue_page

DEFAULT_LIMIT = 50


class ErrorDetail(Schema):
    code: str = Field(..., description="机器可读的错误代码，如 not_found、duplicate_member、validation_error")
    message: str = Field(..., description="给人看的中文说明")
    fields: dict[str, list[str]] = Field(..., description="按字段列出的问题；与具体字段无关时为空对象")


class ErrorOut(Schema):
    """所有错误响应的统一格式。"""

    error: ErrorDetail


# ---- bounds every number, date and text of the API must keep (what the database columns hold) ----

Int32 = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]
PositiveInt32 = Annotated[int, Field(ge=0, le=INT32_MAX)]  # PositiveIntegerField
RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]  # an object id (path, query or body)
Year = Annotated[int, Field(ge=2000, le=2100)]  # a working year (campaigns, figures, standards)
BirthYear = Annotated[int, Field(ge=1900, le=2100)]
# Dates a person, a case or a plan can have: date arithmetic (deadlines, ages) stays inside Python's range.
Date = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2100, 12, 31))]
DateTime = Annotated[
    dt.datetime,
    Field(ge=dt.datetime(1900, 1, 1, tzinfo=dt.UTC), le=dt.datetime(2100, 12, 31, tzinfo=dt.UTC)),
]


def _money(max_digits: int) -> Any:
    return Annotated[Decimal, Field(ge=0, max_digits=max_digits, decimal_places=2)]


# Yuan amounts, as their columns hold them: DecimalField(max_digits=N, decimal_places=2).
Money = _money(12)  # medical aid, casework
Money8 = _money(8)  # living standards (元/人·月)
Money10 = _money(10)  # incomes and help in hardship files
Money14 = _money(14)  # campaign budgets and grants


def Text(max_length: int) -> Any:
    """A string of at most `max_length` characters (the column's max_length)."""
    return Annotated[str, Field(max_length=max_length)]


ERROR_DESCRIPTIONS = {
    400: "请求格式不正确（JSON 无法解析、参数类型或取值不符合约定）",
    401: "未登录或 API 令牌无效",
    403: "无权执行此操作（如只读账号修改数据），或会话请求缺少 CSRF 令牌",
    404: "对象不存在或不在本账号的数据范围内",
    409: "与现有数据冲突（如 duplicate_member、duplicate_code）",
    413: "请求体过大",
    422: "取值不符合业务规则，fields 中逐项说明",
    500: "服务器内部错误（已记录日志）",
    503: "数据库暂时不可用，请按 Retry-After 秒数后重试",
}


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """`response=` entries documenting the shared error shape for these statuses."""
    return dict.fromkeys(statuses, ErrorOut)


READ_ERRORS = error_responses(400, 401, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


def _without_nul(value: Any) -> None:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("nul")
    if isinstance(value, list | tuple | set):
        for item in value:
            _without_nul(item)
    if isinstance(value, BaseModel):
        _without_nul(value.__dict__)
    if isinstance(value, dict):
        for key, item in value.items():
            _without_nul(key)
            _without_nul(item)


class InputSchema(Schema):
    """Request bodies: unknown fields are rejected (400), so a misspelt field never passes silently;
    no text may hold a NUL character (PostgreSQL can neither store nor compare one); a required
    text sent blank ("" or spaces) is missing, and answers exactly like a field left out (400
    bad_request, "此项为必填项"), never differently from it."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any, info: ValidationInfo) -> Any:
        _without_nul(value)
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, str) and not value.strip() and field is not None and field.is_required():
            raise PydanticCustomError("missing", "Field required")
        return value


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数，1 至 {MAX_LIMIT}")
    cursor: str | None = Field(None, max_length=512, description="上一页返回的 next_cursor；不传则从第一页开始")


class SortParams(Schema):
    sort: str | None = Field(
        None,
        max_length=16,
        description="排序：urgency（默认：超期的在前，督办的更前，再按期限最近、提交最早）、deadline（期限最近）、"
        "newest（最新）、oldest（最早）、name（姓名，部分队列）；翻页时保持同一排序",
    )


def queue_envelope(qs: QuerySet[Any], page: PageParams, *, spec: QueueSpec, sort: str | None) -> dict[str, Any]:
    """One page of an officer queue in the asked sort (core.queues), in the list shape."""
    rows, next_cursor = queue_page(qs, spec=spec, sort=clean_sort(spec, sort), cursor=page.cursor, limit=page.limit)
    return {"items": rows, "next_cursor": next_cursor}


class BatchIn(InputSchema):
    # Past BATCH_MAX the service answers with the reason in Chinese; the schema bounds only the body.
    ids: list[int] = Field(..., max_length=5 * BATCH_MAX, description=f"记录 id，一次最多 {BATCH_MAX} 条")


class BatchItemOut(Schema):
    id: int
    ok: bool = Field(..., description="是否办理成功")
    message: str = Field(..., description="“成功”，或未办理的原因")


class BatchOut(Schema):
    done: int = Field(..., description="成功条数")
    failed: int = Field(..., description="未办理条数")
    results: list[BatchItemOut] = Field(..., description="每条一行，顺序同 ids")


def batch_envelope(items: list[BatchItem]) -> dict[str, Any]:
    return {**batch_summary(items), "results": [{"id": i.id, "ok": i.ok, "message": i.message} for i in items]}


def keyset_envelope(qs: QuerySet[Any], page: PageParams, *, descending: bool = True) -> dict[str, Any]:
    """One page of `qs` in the list shape `{"items": [...], "next_cursor": "..." | null}`."""
    rows: list[Model]
    rows, next_cursor = keyset_page(qs, cursor=page.cursor, limit=page.limit, descending=descending)
    return {"items": rows, "next_cursor": next_cursor}


_WHOLE_LISTS: dict[type, type[Schema]] = {}


def whole_list_of(item: type[Schema]) -> type[Schema]:
    """The list shape for a list answered whole (short by nature: a timeline, a year's figures):
    the same `{"items": [...], "next_cursor": null}` as a paginated one, so every list in the API
    reads alike and may be paginated later without breaking clients."""
    if item not in _WHOLE_LISTS:
        _WHOLE_LISTS[item] = create_model(
            f"{item.__name__.removesuffix('Out')}List",
            __base__=Schema,
            items=(list[item], ...),  # type: ignore[valid-type]
            next_cursor=(str | None, Field(None, description="整个列表一次返回，总是 null")),
        )
    return _WHOLE_LISTS[item]


def whole_list(rows: Any) -> dict[str, Any]:
    """A list answered whole, in the list shape (see whole_list_of)."""
    return {"items": list(rows), "next_cursor": None}


class DeadlineScheduleOut(Schema):
    """Whether a record's deadlines were counted with their year's official holiday schedule."""

    known: bool = Field(
        ..., description="期限所在年份的国务院节假日安排是否已录入；未录入时期限只按周末和元旦、劳动节、国庆节推算"
    )
    note: str | None = Field(
        ..., description="未录入时在期限旁显示的说明，如“2027 年节假日安排未录入，期限按周末推算……”"
    )


def deadline_schedule(*deadlines: Any) -> DeadlineScheduleOut:
    """The `deadline_schedule` field of a record with these deadlines (None ones are skipped)."""
    from .workdays import schedule_note

    note = schedule_note(*deadlines)
    return DeadlineScheduleOut(known=note is None, note=note)
