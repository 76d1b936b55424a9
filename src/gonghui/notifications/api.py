"""/api/v1/notifications: the signed-in account's own inbox (officers and workers alike)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema

from gonghui.core.api_schemas import READ_ERRORS, WRITE_ERRORS, InputSchema, PageParams, RowId, keyset_envelope

from .selectors import inbox, unread_count
from .services import mark_read

router = Router(tags=["消息通知"])


class NotificationOut(Schema):
    id: int
    topic: str = Field(..., description="类别，如 join.approved、rights.accepted、rights.overdue")
    title: str = Field(..., description="标题")
    body: str = Field(..., description="内容")
    url: str = Field(..., description="相关页面的站内路径；没有时为空字符串")
    created_at: dt.datetime
    read_at: dt.datetime | None = Field(..., description="已读时间；未读为 null")
    unread: bool = Field(..., description="是否未读")

    @staticmethod
    def resolve_unread(obj) -> bool:
        return obj.read_at is None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None = Field(..., description="下一页游标；已是最后一页时为 null")


class InboxParams(Schema):
    unread: bool | None = Field(None, description="true 只看未读，false 只看已读；不传为全部")


class UnreadOut(Schema):
    unread: int = Field(..., description="未读消息条数")


class MarkReadIn(InputSchema):
    ids: list[RowId] | None = Field(None, description="要标为已读的消息 id；不是自己的 id 会被忽略")
    all: bool = Field(False, description="true 时把全部未读消息标为已读（忽略 ids）")


class MarkReadOut(Schema):
    marked: int = Field(..., description="本次标为已读的条数")
    unread: int = Field(..., description="剩余未读条数")


@router.get(
    "",
    response={200: NotificationPage, **READ_ERRORS},
    summary="我的消息",
    description="只返回当前账号自己的消息，按时间倒序分页。",
)
def list_notifications(request, params: Query[InboxParams], page: Query[PageParams]):
    qs = inbox(request.auth)
    if params.unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif params.unread is False:
        qs = qs.filter(read_at__isnull=False)
    return keyset_envelope(qs, page)


@router.get("/unread-count", response={200: UnreadOut, **READ_ERRORS}, summary="未读消息数")
def get_unread_count(request):
    return {"unread": unread_count(request.auth)}


@router.post(
    "/mark-read",
    response={200: MarkReadOut, **WRITE_ERRORS},
    summary="标为已读",
    description="传 ids 标记指定消息，或 all=true 标记全部；只影响自己的消息。",
)
def post_mark_read(request, payload: MarkReadIn):
    marked = mark_read(user=request.auth) if payload.all else mark_read(user=request.auth, ids=payload.ids or [])
    return {"marked": marked, "unread": unread_count(request.auth)}
