"""/api/v1/orgs: the union tree over HTTP. Thin: selectors read, services write."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from gonghui.core.api_schemas import READ_ERRORS, WRITE_ERRORS, Date, InputSchema, PageParams, RowId, keyset_envelope
from gonghui.core.errors import InvalidInput

from .models import Org
from .selectors import OrgFilters, org_get_visible, org_list_visible_to
from .services import org_create, org_deactivate, org_move, org_update

router = Router(tags=["工会组织"])

OrgKindValue = Literal[
    "federation", "township", "industry_federation", "regional_federation", "grassroots", "joint_grassroots"
]
FederationLevelValue = Literal["", "national", "provincial", "city", "county"]

_KIND_HELP = (
    "federation 地方总工会，township 乡镇(街道)工会，industry_federation 行业工会联合会，"
    "regional_federation 区域工会联合会，grassroots 基层工会，joint_grassroots 联合基层工会"
)
_LEVEL_HELP = "地方总工会的层级：national 全国，provincial 省级，city 市级，county 县级；其他类型为空"


class OrgOut(Schema):
    id: int
    name: str = Field(..., description="名称")
    code: str = Field(..., description="组织代码（全局唯一）")
    kind: OrgKindValue = Field(..., description=_KIND_HELP)
    federation_level: FederationLevelValue = Field(..., description=_LEVEL_HELP)
    parent: int | None = Field(..., description="上级工会 id；顶层为 null")
    region_code: str = Field(..., description="GB/T 2260 行政区划代码（6位）")
    uscc: str = Field(..., description="工会法人统一社会信用代码；未登记为空字符串")
    chair_name: str = Field(..., description="工会主席")
    contact_phone: str = Field(..., description="联系电话")
    founded_on: dt.date | None = Field(..., description="成立日期")
    term_start: dt.date | None = Field(..., description="本届开始日期")
    term_end: dt.date | None = Field(..., description="换届日期")
    is_active: bool = Field(..., description="是否有效（撤销后为 false）")
    member_count: int = Field(..., description="本工会直属的在册会员数")
    term_overdue: bool = Field(..., description="换届已逾期")
    term_due_soon: bool = Field(..., description="90天内到期换届")
    depth: int = Field(..., description="在组织树中的层级，顶层为1")

    @staticmethod
    def resolve_parent(obj: Org) -> int | None:
        return obj.parent_id


class OrgPage(Schema):
    items: list[OrgOut]
    next_cursor: str | None = Field(..., description="下一页游标；已是最后一页时为 null")


class OrgListParams(Schema):
    parent: RowId | None = Field(None, description="只列出该工会的直接下级；不传则列出数据范围内的全部工会")
    kind: OrgKindValue | None = Field(None, description="按类型筛选")
    q: str = Field("", max_length=100, description="名称、拼音首字母或组织代码")
    term: Literal["overdue", "due_soon"] | None = Field(
        None, description="换届筛选：overdue 已逾期，due_soon 90天内到期"
    )
    include_inactive: bool = Field(False, description="包含已撤销的工会")


class OrgFieldsIn(InputSchema):
    name: str = Field(..., max_length=128, description="名称")
    code: str = Field(..., max_length=32, description="组织代码：2至32位字母、数字、下划线或连字符，全局唯一")
    kind: OrgKindValue = Field(..., description=_KIND_HELP)
    federation_level: FederationLevelValue | None = Field(None, description=_LEVEL_HELP)
    region_code: str = Field(..., max_length=6, description="GB/T 2260 行政区划代码（6位）")
    uscc: str | None = Field(None, max_length=18, description="工会法人统一社会信用代码（可选，校验 GB 32100 校验位）")
    chair_name: str | None = Field(None, max_length=64, description="工会主席")
    contact_phone: str | None = Field(None, max_length=20, description="联系电话")
    founded_on: Date | None = Field(None, description="成立日期 YYYY-MM-DD")
    term_start: Date | None = Field(None, description="本届开始日期 YYYY-MM-DD")
    term_end: Date | None = Field(None, description="换届日期 YYYY-MM-DD")


class OrgCreateIn(OrgFieldsIn):
    parent: RowId | None = Field(..., description="上级工会 id；null 表示新建顶层组织（仅超级管理员）")


class OrgPatchIn(InputSchema):
    name: str | None = Field(None, max_length=128)
    code: str | None = Field(None, max_length=32)
    kind: OrgKindValue | None = None
    federation_level: FederationLevelValue | None = None
    region_code: str | None = Field(None, max_length=6)
    uscc: str | None = Field(None, max_length=18)
    chair_name: str | None = Field(None, max_length=64)
    contact_phone: str | None = Field(None, max_length=20)
    founded_on: Date | None = None
    term_start: Date | None = None
    term_end: Date | None = None
    parent: RowId | None = Field(None, description="只能是当前上级；调整上级请用 POST /orgs/{id}/move")


class OrgMoveIn(InputSchema):
    parent: RowId = Field(..., description="新的上级工会 id（不能是自身或其下级）")


@router.get(
    "",
    response={200: OrgPage, **READ_ERRORS},
    summary="工会列表",
    description="不传 parent 时列出数据范围内的全部工会；parent=ID 列出其直接下级。按 id 升序分页。",
)
def list_orgs(request, params: Query[OrgListParams], page: Query[PageParams]):
    if params.parent is not None:
        org_get_visible(actor=request.auth, org_id=params.parent)
    filters = OrgFilters(
        parent_id=params.parent,
        kind=params.kind or "",
        q=params.q,
        term=params.term or "",
        include_inactive=params.include_inactive,
    )
    qs = org_list_visible_to(actor=request.auth, filters=filters)
    return keyset_envelope(qs, page, descending=False)


@router.post(
    "",
    response={201: OrgOut, **WRITE_ERRORS},
    summary="新建工会",
    description="在数据范围内的上级工会之下新建；基层工会之下不能再设下级。",
)
def create_org(request, payload: OrgCreateIn):
    actor = request.auth
    parent = org_get_visible(actor=actor, org_id=payload.parent) if payload.parent is not None else None
    org = org_create(actor=actor, parent=parent, data=payload.model_dump(exclude={"parent"}))
    return Status(201, org)


@router.get("/{org_id}", response={200: OrgOut, **READ_ERRORS}, summary="工会详情")
def get_org(request, org_id: RowId):
    return org_get_visible(actor=request.auth, org_id=org_id)


@router.patch(
    "/{org_id}",
    response={200: OrgOut, **WRITE_ERRORS},
    summary="修改工会",
    description="只修改请求中给出的字段。调整上级请用 move。",
)
def update_org(request, org_id: RowId, payload: OrgPatchIn):
    actor = request.auth
    org = org_get_visible(actor=actor, org_id=org_id)
    data = payload.model_dump(exclude_unset=True)
    if "parent" in data and data.pop("parent") != org.parent_id:
        raise InvalidInput(_("调整上级工会请使用“移动”操作"), code="use_move", fields={"parent": [_("请使用移动操作")]})
    return org_update(actor=actor, org=org, data=data)


@router.post(
    "/{org_id}/move",
    response={200: OrgOut, **WRITE_ERRORS},
    summary="移动工会（连同全部下级）",
    description="把工会及其整个下级移到另一个上级之下；不能移到自身或其下级之下（422 move_into_self）。",
)
def move_org(request, org_id: RowId, payload: OrgMoveIn):
    actor = request.auth
    org = org_get_visible(actor=actor, org_id=org_id)
    new_parent = org_get_visible(actor=actor, org_id=payload.parent)
    return org_move(actor=actor, org=org, new_parent=new_parent)


@router.post(
    "/{org_id}/deactivate",
    response={200: OrgOut, **WRITE_ERRORS},
    summary="撤销工会",
    description="只有没有有效下级工会、没有在册会员的工会可以撤销（否则 409 org_not_empty）。",
)
def deactivate_org(request, org_id: RowId):
    actor = request.auth
    org = org_get_visible(actor=actor, org_id=org_id)
    return org_deactivate(actor=actor, org=org)
