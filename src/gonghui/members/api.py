"""/api/v1/members: the member roll over HTTP, plus the per-union counts at /orgs/{id}/stats.

Thin: selectors read (scoped to the caller), services write. The plain ID number leaves only
through reveal-id; the plain phone only on the single-member routes, and only to an account with the
reveal right (accounts.personal_data): others read it masked.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from io import BytesIO
from typing import Any, BinaryIO, Literal, cast

import orjson
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params import FileEx, FormEx, P

from gonghui.accounts.personal_data import PHONE_HELP, changes_for_context, phone_for_context
from gonghui.core.api_schemas import (
    DEFAULT_LIMIT,
    READ_ERRORS,
    WRITE_ERRORS,
    XLSX_CONTENT_TYPE,
    Date,
    InputSchema,
    PageParams,
    RowId,
    keyset_envelope,
)
from gonghui.core.errors import DomainError
from gonghui.core.exports import CSV_CONTENT_TYPE, csv_response, xlsx_response
from gonghui.core.pagination import MAX_LIMIT
from gonghui.core.phone import mask_mobile
from gonghui.jobs.api import JobOut
from gonghui.orgs.selectors import org_get_visible
from gonghui.web import client_ip

from .exports import ROLL_CSV_EXPORT, export_members_csv, export_members_xlsx
from .imports import import_template_xlsx, member_import_start
from .models import Member, MemberEvent, Transfer
from .selectors import (
    MemberFilters,
    member_get_visible,
    member_history,
    member_list_page_json,
    member_out_visible,
    subtree_stats,
)
from .services import member_change_status, member_create, member_reveal_id, member_transfer, member_update

router = Router(tags=["会员"])
org_stats_router = Router(tags=["工会组织"])

IdTypeValue = Literal["resident_id", "hk_mo_tw_residence", "foreign_permanent"]
MemberStatusValue = Literal["active", "retained", "transferred", "withdrawn", "deceased"]
NewEmploymentValue = Literal[
    "none", "delivery_rider", "ride_hailing_driver", "courier", "truck_driver", "domestic_worker", "other_platform"
]
EducationValue = Literal["", "primary", "junior", "senior", "junior_college", "bachelor", "master", "doctor"]
GenderValue = Literal["male", "female"]
EventKindValue = Literal[
    "created", "imported", "updated", "status_changed", "transferred_out", "transferred_in", "id_revealed"
]

_ID_TYPE_HELP = "resident_id 居民身份证，hk_mo_tw_residence 港澳台居民居住证，foreign_permanent 外国人永久居留身份证"
_STATUS_HELP = "active 会员，retained 保留会籍，transferred 已转出，withdrawn 已退会，deceased 已故"
_NEW_EMPLOYMENT_HELP = (
    "none 无，delivery_rider 快递外卖骑手，ride_hailing_driver 网约车司机，courier 快递员，"
    "truck_driver 货车司机，domestic_worker 家政服务员，other_platform 其他网络平台从业者"
)
_EDUCATION_HELP = (
    "primary 小学及以下，junior 初中，senior 高中/中专/技校，junior_college 大专，bachelor 本科，"
    "master 硕士研究生，doctor 博士研究生；空字符串表示未填"
)
_XLSX_RESPONSE = {
    "responses": {
        200: {
            "description": "Excel 文件（XLSX）",
            "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


# ---- schemas -------------------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    name: str = Field(..., description="姓名")
    id_type: IdTypeValue = Field(..., description=_ID_TYPE_HELP)
    id_number_masked: str = Field(..., description="脱敏的证件号码，如 110105********1234")
    gender: GenderValue = Field(..., description="性别（由证件号码得出）：male 男，female 女")
    birth_date: dt.date = Field(..., description="出生日期（由证件号码得出）")
    phone_masked: str = Field(..., description="脱敏的手机号码，如 138****8000；未填为空字符串")
    ethnicity: str = Field(..., description="民族，如 汉族")
    education: EducationValue = Field(..., description=_EDUCATION_HELP)
    employer_name: str = Field(..., description="工作单位")
    employer_uscc: str = Field(..., description="单位统一社会信用代码")
    org: int = Field(..., description="所在工会 id")
    org_name: str = Field(..., description="所在工会名称")
    join_date: dt.date = Field(..., description="入会日期")
    card_number: str = Field(..., description="会员卡号（系统生成，唯一）")
    status: MemberStatusValue = Field(..., description=_STATUS_HELP)
    is_migrant_worker: bool = Field(..., description="是否农民工")
    new_employment_form: NewEmploymentValue = Field(..., description=_NEW_EMPLOYMENT_HELP)

    @staticmethod
    def resolve_phone_masked(obj: Member) -> str:
        return mask_mobile(obj.phone) if obj.phone else ""

    @staticmethod
    def resolve_org(obj: Member) -> int:
        return obj.org_id

    @staticmethod
    def resolve_org_name(obj: Member) -> str:
        return obj.org.name


class MemberDetailOut(MemberOut):
    phone: str = Field(..., description=PHONE_HELP)

    @staticmethod
    def resolve_phone(obj: Member, context) -> str:
        return phone_for_context(context, obj.phone)


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None = Field(..., description="下一页游标；已是最后一页时为 null")


class MemberListParams(Schema):
    q: str = Field(
        "",
        max_length=100,
        description="搜索框：姓名（前缀）、拼音首字母（zs 找到张三；多音字姓氏两种读法都可，曾国藩 zgf 或 cgf）、"
        "手机号、完整证件号码、会员卡号、列表中复制的掩码（145****8038、110105********1234）、"
        "姓名或首字母加手机号/证件号后四位（张三8038、zs8038）；只输入后四位时最多返回 20 人。空格和全角字符忽略",
    )
    org: RowId | None = Field(None, description="工会 id：该工会及其全部下级的会员")
    status: MemberStatusValue | None = Field(None, description=_STATUS_HELP)
    is_migrant_worker: bool | None = Field(None, description="是否农民工")
    new_employment_form: NewEmploymentValue | None = Field(None, description=_NEW_EMPLOYMENT_HELP)
    join_date_from: Date | None = Field(None, description="入会日期起（含）YYYY-MM-DD")
    join_date_to: Date | None = Field(None, description="入会日期止（含）YYYY-MM-DD")

    def to_filters(self) -> MemberFilters:
        return MemberFilters(
            q=self.q,
            org_id=self.org,
            status=self.status or "",
            is_migrant_worker=self.is_migrant_worker,
            new_employment_form=self.new_employment_form or "",
            join_date_from=self.join_date_from,
            join_date_to=self.join_date_to,
        )


class MemberCreateIn(InputSchema):
    name: str = Field(..., max_length=64, description="姓名")
    id_type: IdTypeValue = Field("resident_id", description=_ID_TYPE_HELP)
    id_number: str = Field(
        ..., max_length=24, description="证件号码（18位，校验 GB 11643 校验位；出生日期和性别由此得出）"
    )
    phone: str | None = Field(None, max_length=20, description="中国大陆手机号码")
    ethnicity: str | None = Field(None, max_length=16, description="民族（56个民族之一），默认 汉族")
    education: EducationValue | None = Field(None, description=_EDUCATION_HELP)
    employer_name: str | None = Field(None, max_length=128, description="工作单位")
    employer_uscc: str | None = Field(None, max_length=18, description="单位统一社会信用代码（校验 GB 32100 校验位）")
    org: RowId = Field(..., description="所在基层工会或联合基层工会 id")
    join_date: Date = Field(..., description="入会日期 YYYY-MM-DD")
    is_migrant_worker: bool = Field(False, description="是否农民工")
    new_employment_form: NewEmploymentValue = Field("none", description=_NEW_EMPLOYMENT_HELP)


class MemberPatchIn(InputSchema):
    name: str | None = Field(None, max_length=64)
    id_type: IdTypeValue | None = None
    id_number: str | None = Field(None, max_length=24)
    phone: str | None = Field(None, max_length=20)
    ethnicity: str | None = Field(None, max_length=16)
    education: EducationValue | None = None
    employer_name: str | None = Field(None, max_length=128)
    employer_uscc: str | None = Field(None, max_length=18)
    org: RowId | None = Field(None, description="只能是当前工会；调整所在工会请用 transfer")
    join_date: Date | None = None
    is_migrant_worker: bool | None = None
    new_employment_form: NewEmploymentValue | None = None


class TransferIn(InputSchema):
    to_org: RowId = Field(..., description="转入的基层工会或联合基层工会 id")
    note: str = Field("", max_length=255, description="备注")


class TransferOut(Schema):
    id: int
    from_member: int = Field(..., description="原会籍记录 id（现为 transferred）")
    from_org: int = Field(..., description="转出工会 id")
    to_org: int = Field(..., description="转入工会 id")
    note: str
    created_at: dt.datetime
    member: MemberDetailOut = Field(..., description="转入工会的新会籍记录（新的 id 和会员卡号）")

    @staticmethod
    def resolve_from_member(obj: Transfer) -> int:
        return obj.from_member_id

    @staticmethod
    def resolve_from_org(obj: Transfer) -> int:
        return obj.from_org_id

    @staticmethod
    def resolve_to_org(obj: Transfer) -> int:
        return obj.to_org_id

    @staticmethod
    def resolve_member(obj: Transfer) -> Member:
        return obj.to_member


class StatusIn(InputSchema):
    status: MemberStatusValue = Field(..., description=_STATUS_HELP + "（已转出请用 transfer）")
    note: str = Field("", max_length=255, description="备注")


class RevealOut(Schema):
    id_number: str = Field(..., description="完整证件号码")


class EventOut(Schema):
    id: int
    kind: EventKindValue = Field(
        ...,
        description="created 登记入会，imported 批量导入，updated 修改信息，status_changed 会籍变更，"
        "transferred_out 转出，transferred_in 转入，id_revealed 查看完整证件号码",
    )
    kind_label: str = Field(..., description="类型的中文名称")
    member: int = Field(..., description="该记录所属的会籍记录 id（接转前后的记录 id 不同）")
    org_name: str = Field(..., description="当时所在工会")
    actor_name: str | None = Field(..., description="操作人；账号已删除时为 null")
    created_at: dt.datetime
    changes: dict[str, Any] = Field(
        ..., description="字段: [原值, 新值]；证件号码只以脱敏形式出现，手机号码按查看权限脱敏"
    )
    note: str

    @staticmethod
    def resolve_kind_label(obj: MemberEvent) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_member(obj: MemberEvent) -> int:
        return obj.member_id

    @staticmethod
    def resolve_org_name(obj: MemberEvent) -> str:
        return obj.member.org.name

    @staticmethod
    def resolve_actor_name(obj: MemberEvent) -> str | None:
        return str(obj.actor) if obj.actor is not None else None

    @staticmethod
    def resolve_changes(obj: MemberEvent, context) -> dict[str, Any]:
        return changes_for_context(context, obj.changes)


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str | None = Field(..., description="下一页游标；已是最后一页时为 null")


class MembersByStatus(Schema):
    active: int = Field(0, description="会员")
    retained: int = Field(0, description="保留会籍")
    transferred: int = Field(0, description="已转出")
    withdrawn: int = Field(0, description="已退会")
    deceased: int = Field(0, description="已故")


class NewEmploymentCounts(Schema):
    delivery_rider: int = Field(0, description="快递外卖骑手")
    ride_hailing_driver: int = Field(0, description="网约车司机")
    courier: int = Field(0, description="快递员")
    truck_driver: int = Field(0, description="货车司机")
    domestic_worker: int = Field(0, description="家政服务员")
    other_platform: int = Field(0, description="其他网络平台从业者")


class UnionsByKind(Schema):
    federation: int = Field(0, description="地方总工会")
    township: int = Field(0, description="乡镇(街道)工会")
    industry_federation: int = Field(0, description="行业工会联合会")
    regional_federation: int = Field(0, description="区域工会联合会")
    grassroots: int = Field(0, description="基层工会")
    joint_grassroots: int = Field(0, description="联合基层工会")


class OrgStatsOut(Schema):
    members_by_status: MembersByStatus = Field(..., description="本工会及全部下级中各会籍状态的人数")
    migrant_workers: int = Field(..., description="在册会员（active）中的农民工人数")
    new_employment_by_category: NewEmploymentCounts = Field(
        ..., description="在册会员（active）中各类新就业形态劳动者人数"
    )
    unions_by_kind: UnionsByKind = Field(..., description="本工会及全部下级中各类型有效工会的数量")


def _json(data: dict[str, Any]) -> HttpResponse:
    """Plain values (str, int, bool, date, None) as the API's renderer writes them: UTF-8, dates ISO."""
    return HttpResponse(orjson.dumps(data), content_type="application/json; charset=utf-8")


# ---- routes: static paths first, so /members/{id} does not swallow them ----------------------


_PLAIN_LIST_PARAMS = frozenset({"org", "cursor", "limit"})
_DIGITS = re.compile(r"[0-9]{1,18}")


def plain_list_response(request, actor, **path_params) -> HttpResponse | None:
    """`list_members` for its commonest request, without the API framework's parameter parsing.

    A roll read newest-first with no filter but the union (`org`, `cursor`, `limit`, each once,
    well-formed) by an authenticated caller: the same selector, body and headers as
    `list_members`, for half the time of the request (the framework's per-request work cost as
    much as the page itself). None for anything else — other parameters, values the schema
    would have to judge, or an error from the selector — which the framework then answers
    exactly as before (see `gonghui.api.fast_path`).
    """
    params = request.GET
    if not params.keys() <= _PLAIN_LIST_PARAMS or any(len(params.getlist(key)) != 1 for key in params):
        return None
    org, limit = params.get("org"), params.get("limit", str(DEFAULT_LIMIT))
    if (org is not None and not _DIGITS.fullmatch(org)) or not _DIGITS.fullmatch(limit):
        return None
    if not 1 <= int(limit) <= MAX_LIMIT:
        return None
    filters = MemberFilters(org_id=int(org) if org is not None else None)
    try:
        body = member_list_page_json(actor=actor, filters=filters, cursor=params.get("cursor"), limit=int(limit))
    except DomainError:
        return None
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get(
    "",
    url_name="member_list",
    response={200: MemberPage, **READ_ERRORS},
    summary="会员列表与搜索",
    description="参数与页面搜索框相同；org=ID 覆盖该工会的全部下级。按 id 倒序（新登记在前）分页，手机号脱敏。",
)
def list_members(request, params: Query[MemberListParams], page: Query[PageParams]):
    # Values, not model instances, serialised by hand (same JSON as MemberPage; see member_out).
    body = member_list_page_json(actor=request.auth, filters=params.to_filters(), cursor=page.cursor, limit=page.limit)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.post(
    "",
    response={201: MemberDetailOut, **WRITE_ERRORS},
    summary="登记会员",
    description="同一人在任何工会最多有一条在册会籍，重复登记返回 409 duplicate_member。",
)
def create_member(request, payload: MemberCreateIn):
    member = member_create(actor=request.auth, data=payload.model_dump())
    return Status(201, member)


@router.get(
    "/import-template",
    response=READ_ERRORS,
    summary="下载导入模板",
    description="XLSX，表头为中文列名：姓名、证件类型、证件号码、手机号码、民族、学历、工作单位、"
    "单位统一社会信用代码、入会日期、是否农民工、新就业形态。",
    openapi_extra=_XLSX_RESPONSE,
)
def import_template(request):
    return xlsx_response(BytesIO(import_template_xlsx()), filename="会员导入模板.xlsx")


@router.post(
    "/import",
    response={202: JobOut, **WRITE_ERRORS},
    summary="导入会员（XLSX 或 CSV）",
    description="文件在后台校验和导入；返回任务，用 GET /jobs/{id} 查看进度与结果。默认全部通过才导入，"
    "skip_invalid=true 时跳过有问题的行。错误报告见任务的 report_url。",
)
def import_members(
    request,
    file: FileEx[UploadedFile, P(description="XLSX 或 CSV（UTF-8 或 GBK）")],
    org: FormEx[int, P(description="导入到的基层工会或联合基层工会 id")],
    skip_invalid: FormEx[bool, P(description="跳过有问题的行，只导入其余的行；默认全部通过才导入")] = False,
):
    actor = request.auth
    target = org_get_visible(actor=actor, org_id=org)
    job = member_import_start(
        actor=actor, org=target, filename=file.name or "", fileobj=file, skip_invalid=skip_invalid
    )
    return Status(202, job)


@router.get(
    "/export",
    response=READ_ERRORS,
    summary="导出会员名册（XLSX 或 CSV）",
    description="筛选参数与会员列表相同，导出数据范围内符合条件的全部会员；XLSX 的响应头 X-Row-Count 为行数。"
    "前11列与导入模板相同（顺序一致），其后为会员卡号、性别、出生日期、所在工会、组织代码、会籍状态（导入时忽略）。"
    "以 = + - @ 开头的文字在 XLSX 中按文字写入，在 CSV 中前加单引号，打开时不会作为公式执行。",
    openapi_extra={
        "responses": {
            200: {
                "description": "Excel 文件（XLSX）或 CSV 文件",
                "content": {
                    XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}},
                    CSV_CONTENT_TYPE.split(";")[0]: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def export_members(
    request,
    params: Query[MemberListParams],
    format: Literal["xlsx", "csv"] = Query("xlsx", description="xlsx（默认）或 csv（UTF-8，逐行传输，不限行数）"),
    full_id: bool = Query(
        False,
        description="true：证件号码完整导出（需要查看完整证件号码的权限，否则 403；留有审计记录），文件可直接重新导入",
    ),
):
    name = f"会员名册-{timezone.localdate():%Y%m%d}"
    if format == "csv":
        headers, rows = export_members_csv(actor=request.auth, filters=params.to_filters(), full_id=full_id)
        return csv_response(headers, rows, export=ROLL_CSV_EXPORT, filename=f"{name}.csv")
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    count = export_members_xlsx(
        actor=request.auth, filters=params.to_filters(), out=cast(BinaryIO, out), full_id=full_id
    )
    out.seek(0)
    response = xlsx_response(cast(BinaryIO, out), filename=f"{name}.xlsx")
    response["X-Row-Count"] = str(count)
    return response


def plain_detail_response(request, actor, member_id) -> HttpResponse | None:
    """`get_member` before the framework's parsing (see `plain_list_response`): a well-formed id and no
    query string; None for anything else, or an error, which the framework then answers."""
    member_id = str(member_id)
    if request.GET or not _DIGITS.fullmatch(member_id):
        return None
    try:
        return _json(member_out_visible(actor=actor, member_id=int(member_id)))
    except DomainError:
        return None


@router.get(
    "/{member_id}",
    url_name="member_detail",
    response={200: MemberDetailOut, **READ_ERRORS},
    summary="会员详情",
)
def get_member(request, member_id: RowId):
    # Built by hand (same JSON as MemberDetailOut; tests/api compares them): the hot read skips
    # the ORM and the response schema's per-field validation.
    return _json(member_out_visible(actor=request.auth, member_id=member_id))


@router.patch(
    "/{member_id}",
    response={200: MemberDetailOut, **WRITE_ERRORS},
    summary="修改会员信息",
    description="只修改请求中给出的字段；每次修改记入变更记录。调整所在工会请用 transfer。",
)
def update_member(request, member_id: RowId, payload: MemberPatchIn):
    actor = request.auth
    member = member_get_visible(actor=actor, member_id=member_id)
    return member_update(actor=actor, member=member, data=payload.model_dump(exclude_unset=True))


@router.post(
    "/{member_id}/transfer",
    response={200: TransferOut, **WRITE_ERRORS},
    summary="会员接转",
    description="原会籍记录变为 transferred，并在转入工会开立新的会籍记录（新的 id 和会员卡号），变更记录前后相连。",
)
def transfer_member(request, member_id: RowId, payload: TransferIn):
    actor = request.auth
    member = member_get_visible(actor=actor, member_id=member_id)
    return member_transfer(actor=actor, member=member, to_org=payload.to_org, note=payload.note)


@router.post(
    "/{member_id}/status",
    response={200: MemberDetailOut, **WRITE_ERRORS},
    summary="变更会籍状态",
    description="保留会籍、退会、已故或恢复为会员；不允许的变更返回 422 bad_status_change。",
)
def change_member_status(request, member_id: RowId, payload: StatusIn):
    actor = request.auth
    member = member_get_visible(actor=actor, member_id=member_id)
    return member_change_status(actor=actor, member=member, status=payload.status, note=payload.note)


@router.post(
    "/{member_id}/reveal-id",
    response={200: RevealOut, **READ_ERRORS},
    summary="查看完整证件号码",
    description="需要查看权限（只读账号不可），每次调用都写入审计记录和会员变更记录。",
)
def reveal_member_id(request, member_id: RowId):
    actor = request.auth
    member = member_get_visible(actor=actor, member_id=member_id)
    return {"id_number": member_reveal_id(actor=actor, member=member, ip=client_ip(request))}


@router.get(
    "/{member_id}/history",
    response={200: EventPage, **READ_ERRORS},
    summary="会员变更记录",
    description="谁在何时改了什么（新在前），包括接转前后的会籍记录中本账号可见的部分。",
)
def member_events(request, member_id: RowId, page: Query[PageParams]):
    actor = request.auth
    member = member_get_visible(actor=actor, member_id=member_id)
    return keyset_envelope(member_history(actor=actor, member=member), page)


@org_stats_router.get(
    "/{org_id}/stats",
    response={200: OrgStatsOut, **READ_ERRORS},
    summary="工会统计",
    description="本工会及全部下级：各会籍状态人数、农民工人数与各类新就业形态人数（只计在册会员）、各类型有效工会数。",
)
def org_stats(request, org_id: RowId):
    org = org_get_visible(actor=request.auth, org_id=org_id)
    return subtree_stats(org=org)
