"""/api/v1/assistance: hardship files, home visits, living standards, pairings and figures.

Officers (assistance right needed for anything personal; out of scope is 404, no right 403):
files list (masked ID and phone) / detail (audited) / create / update / submit / verify / return /
notice / objection / reverify / exit / decline, visits, pairings and their visits, living
standards, figures (counts only: any officer in scope).
Workers (`/assistance/my/...`, a real-name-verified worker account): apply, list and read their
own applications with the state in plain words.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from gonghui.accounts.personal_data import PHONE_HELP, phone_for_context
from gonghui.core.api_schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    BirthYear,
    Date,
    DeadlineScheduleOut,
    InputSchema,
    Money8,
    Money10,
    PageParams,
    RowId,
    SortParams,
    Year,
    deadline_schedule,
    queue_envelope,
    whole_list,
    whole_list_of,
)
from gonghui.portal.web import require_verified_worker
from gonghui.privacy.models import ConsentPurpose
from gonghui.privacy.services import sensitive_consent
from gonghui.web import client_ip

from . import services
from .models import FileEvent, HardshipFile, HomeVisit, HouseholdMember, LivingStandard, Pairing, PairingVisit
from .selectors import (
    FILE_QUEUE,
    FileFilters,
    assistance_figures,
    file_get_visible,
    file_list_visible_to,
    file_timeline,
    file_view,
    living_standard_get,
    living_standard_list,
    pairing_get_visible,
    pairing_list,
    pairing_visits,
    worker_file_get,
    worker_files,
    worker_state_text,
    worker_steps,
)

router = Router(tags=["困难职工帮扶"])

LevelValue = Literal["deep", "relative", "accident"]
StateValue = Literal["draft", "submitted", "verified", "in_notice", "filed", "returned", "exited", "declined"]
CauseValue = Literal[
    "serious_illness", "disability", "disaster_accident", "unemployment", "schooling", "single_parent", "other"
]
_LEVEL_HELP = "deep 深度困难，relative 相对困难，accident 意外致困"
_STATE_HELP = (
    "draft 草稿/职工申请待核实，submitted 待审核，verified 已审核待公示，in_notice 公示中，filed 已建档，"
    "returned 退回，exited 已解困脱困，declined 不予建档"
)
_CAUSE_HELP = (
    "serious_illness 大病，disability 残疾，disaster_accident 灾害或意外，unemployment 失业，schooling 子女就学，"
    "single_parent 单亲，other 其他"
)


# ---- schemas ---------------------------------------------------------------------------------


class FileOut(Schema):
    """A file in lists: personal data masked."""

    id: int
    name: str
    id_number_masked: str
    phone_masked: str
    org: int = Field(..., alias="org_id")
    org_name: str
    level: str = Field(..., description=_LEVEL_HELP + "；空为未认定")
    state: str = Field(..., description=_STATE_HELP)
    source: str = Field(..., description="officer 工会建档，worker 职工申请")
    causes: list[str]
    per_capita_income: Decimal
    next_review_due: dt.date | None
    filed_at: dt.datetime | None

    @staticmethod
    def resolve_org_name(obj: HardshipFile) -> str:
        return obj.org.name


class HouseholdOut(Schema):
    name: str
    relation: str
    birth_year: int | None
    health: str
    work_status: str
    monthly_income: Decimal


class VisitOut(Schema):
    id: int
    visit_date: dt.date
    visitors: str
    findings: str
    photos: int

    @staticmethod
    def resolve_photos(obj: HomeVisit) -> int:
        return obj.photos.count()


class AssistanceEventOut(Schema):
    kind: str
    kind_label: str
    actor_name: str
    from_state: str
    to_state: str
    changes: dict
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: FileEvent) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_actor_name(obj: FileEvent) -> str:
        return str(obj.actor) if obj.actor else ""


class FileDetailOut(FileOut):
    """A file with its facts (the ID number stays masked; the phone as the reader may see it)."""

    phone: str = Field(..., description=PHONE_HELP)
    gender: str
    birth_date: dt.date
    member: int | None = Field(None, alias="member_id")
    employer_name: str
    address: str
    region_code: str
    suggested_level: str = Field(
        ..., description="系统建议：" + _LEVEL_HELP + "，not_eligible 不符合建档条件，空为无标准"
    )
    level_reason: str
    monthly_household_income: Decimal
    other_monthly_income: Decimal
    household_size: int
    cause_note: str
    sudden_loss: bool
    housing: str
    housing_note: str
    verifying_org: int | None = Field(None, alias="verifying_org_id")
    return_reason: str
    notice_ends_at: dt.datetime | None
    deadline_schedule: DeadlineScheduleOut
    last_reviewed_on: dt.date | None
    exit_reason: str
    exit_date: dt.date | None
    household: list[HouseholdOut]
    visits: list[VisitOut]
    events: list[AssistanceEventOut]

    @staticmethod
    def resolve_deadline_schedule(obj: HardshipFile) -> DeadlineScheduleOut:
        return deadline_schedule(obj.notice_ends_at if obj.state == "in_notice" else None)

    @staticmethod
    def resolve_household(obj: HardshipFile) -> list[HouseholdMember]:
        return list(obj.household.all())

    @staticmethod
    def resolve_visits(obj: HardshipFile) -> list[HomeVisit]:
        return list(obj.visits.all())

    @staticmethod
    def resolve_events(obj: HardshipFile) -> list[FileEvent]:
        return list(obj.events.select_related("actor"))

    @staticmethod
    def resolve_phone(obj, context) -> str:
        return phone_for_context(context, obj.phone)


class FilePage(Schema):
    items: list[FileOut]
    next_cursor: str | None


class HouseholdIn(InputSchema):
    name: str = Field(..., max_length=64)
    relation: str = Field(..., max_length=16, description="与本人关系：本人、配偶、子女、父母……")
    birth_year: BirthYear | None = None
    health: Literal["healthy", "chronic", "serious_illness", "disabled"] = "healthy"
    work_status: Literal["", "employed", "flexible", "unemployed", "retired", "student", "unable", "child"] = ""
    monthly_income: Money10 = Field(Decimal("0"), ge=0)


class FactsIn(InputSchema):
    household: list[HouseholdIn] | None = Field(
        None, description="家庭成员（含本人）；给出时家庭人口和家庭月收入按成员计算（加其他月收入）"
    )
    other_monthly_income: Money10 | None = Field(None, ge=0)
    household_size: int | None = Field(None, ge=1, le=20, description="未给出家庭成员时必填")
    monthly_household_income: Money10 | None = Field(None, ge=0, description="未给出家庭成员时必填")
    causes: list[CauseValue] | None = Field(None, description=_CAUSE_HELP)
    cause_note: str | None = Field(None, max_length=500)
    sudden_loss: bool | None = Field(None, description="因灾害或意外造成突发损失")
    housing: Literal["", "owned", "rented", "public_rental", "with_relatives", "dormitory", "none"] | None = None
    housing_note: str | None = Field(None, max_length=255)


class FileUpdateIn(FactsIn):
    name: str | None = Field(None, max_length=64)
    phone: str | None = Field(None, max_length=20)
    employer_name: str | None = Field(None, max_length=128)
    address: str | None = Field(None, max_length=200)
    region_code: str | None = Field(None, max_length=6)
    level: Literal["", "deep", "relative", "accident"] | None = Field(None, description=_LEVEL_HELP)
    level_reason: str | None = Field(None, max_length=255, description="认定类别与系统建议不同时必填")


class FileCreateIn(FileUpdateIn):
    org: RowId = Field(..., description="建档的基层工会 id")
    name: str = Field(..., max_length=64)  # type: ignore[assignment]
    id_type: Literal["resident_id", "hk_mo_tw_residence", "foreign_permanent"] = "resident_id"
    id_number: str = Field(..., max_length=24)


class VisitIn(InputSchema):
    visit_date: Date
    visitors: str = Field(..., max_length=200)
    findings: str = Field(..., max_length=5000)


class VerifyIn(InputSchema):
    note: str = Field("", max_length=500)
    level: LevelValue | None = Field(None, description="调整认定类别（须同时填写 level_reason）")
    level_reason: str = Field("", max_length=255)


class AssistanceReasonIn(InputSchema):
    reason: str = Field(..., max_length=255)


class ObjectionIn(InputSchema):
    content: str = Field(..., max_length=500, description="公示期收到的异议；档案回到“已审核待公示”复查")


class ReverifyIn(FactsIn):
    level: LevelValue | None = Field(None, description="不传则维持原类别")
    level_reason: str = Field("", max_length=255)
    note: str = Field("", max_length=500)


class ExitIn(InputSchema):
    reason: Literal["income_above_line", "employed", "other"] = Field(
        ..., description="income_above_line 收入超过标准，employed 实现就业，other 其他（须填 note）"
    )
    exit_date: Date | None = None
    note: str = Field("", max_length=255)


class FileListParams(Schema):
    q: str = Field("", max_length=100, description="姓名（前缀）或完整证件号码（按密钥哈希匹配）")
    org: RowId | None = Field(None, description="工会 id：该工会及其下级")
    level: LevelValue | None = None
    state: StateValue | None = None
    cause: CauseValue | None = None
    review: Literal["due", "overdue"] | None = Field(None, description="due 30天内到期或已逾期，overdue 已逾期")
    source: Literal["officer", "worker"] | None = None
    mine: bool = Field(False, description="只看本账号结对帮扶的档案")


class StandardOut(Schema):
    id: int
    region_code: str
    year: int
    minimum_living: Decimal
    low_income: Decimal
    notice_working_days: int | None
    note: str


class StandardIn(InputSchema):
    region_code: str = Field(..., max_length=6, description="GB/T 2260 省、市或县级代码")
    year: Year = Field(..., ge=2000, le=2100)
    minimum_living: Money8 = Field(..., gt=0, description="最低生活保障标准（元/人·月）")
    low_income: Money8 = Field(..., gt=0, description="低收入标准（元/人·月）")
    notice_working_days: int | None = Field(None, ge=1, le=30, description="公示期（工作日），不填为5")
    note: str = Field("", max_length=255)


class PairingVisitOut(Schema):
    id: int
    visit_date: dt.date
    content: str
    help_type: str
    help_value: Decimal
    next_steps: str


class PairingOut(Schema):
    id: int
    file: int = Field(..., alias="file_id")
    file_name: str
    officer: int = Field(..., alias="officer_id")
    officer_name: str
    start_date: dt.date
    end_date: dt.date | None
    is_active: bool
    note: str

    @staticmethod
    def resolve_file_name(obj: Pairing) -> str:
        return obj.file.name

    @staticmethod
    def resolve_officer_name(obj: Pairing) -> str:
        return str(obj.officer)


class PairingIn(InputSchema):
    officer: RowId = Field(..., description="帮扶责任人账号 id（须有帮扶数据权限）")
    start_date: Date | None = None
    note: str = Field("", max_length=255)


class PairingEndIn(InputSchema):
    end_date: Date | None = None


class PairingVisitIn(InputSchema):
    visit_date: Date | None = None
    content: str = Field(..., max_length=5000)
    help_type: Literal["none", "money", "goods", "service"] = Field(
        "none", description="none 看望慰问，money 资金，goods 物资，service 服务"
    )
    help_value: Money10 = Field(Decimal("0"), ge=0)
    next_steps: str = Field("", max_length=500)


class AssistanceFigureRowOut(Schema):
    org_id: int | None
    org_name: str
    files_by_level: dict[str, int]
    files_by_state: dict[str, int]
    filed: int
    review_due: int
    review_overdue: int
    pairings_active: int
    pairing_visits_year: int
    help_value_year: str


class AssistanceFiguresOut(Schema):
    year: int
    total: AssistanceFigureRowOut
    rows: list[AssistanceFigureRowOut]


class WorkerStepOut(Schema):
    label: str
    at: dt.datetime


class WorkerFileOut(Schema):
    id: int
    state: str = Field(..., description=_STATE_HELP)
    state_text: str = Field(..., description="给职工看的状态说明")
    org_name: str
    causes: list[str]
    per_capita_income: Decimal
    level: str
    decline_reason: str
    created_at: dt.datetime
    steps: list[WorkerStepOut]

    @staticmethod
    def resolve_state_text(obj: HardshipFile) -> str:
        return worker_state_text(obj)

    @staticmethod
    def resolve_org_name(obj: HardshipFile) -> str:
        return obj.org.name

    @staticmethod
    def resolve_level(obj: HardshipFile) -> str:
        return obj.level if obj.state in ("filed", "exited") else ""

    @staticmethod
    def resolve_decline_reason(obj: HardshipFile) -> str:
        return obj.return_reason if obj.state == "declined" else ""

    @staticmethod
    def resolve_steps(obj: HardshipFile) -> list[dict]:
        return worker_steps(obj)


class ApplyIn(FactsIn):
    address: str = Field("", max_length=200)
    consent_sensitive: bool = Field(
        False,
        description="单独同意处理敏感个人信息（《个人信息保护法》第二十九条）；首次提供时须为 true，否则 422 consent_required",
    )


def _facts(payload: Schema) -> dict:
    data = payload.model_dump(exclude_unset=True)
    if data.get("household") is not None:
        data["household"] = [{**h, "monthly_income": str(h.get("monthly_income", 0))} for h in data["household"]]
    return data


# ---- worker routes ---------------------------------------------------------------------------


@router.post(
    "/my/applications",
    response={201: WorkerFileOut, **WRITE_ERRORS},
    summary="职工：申请困难职工帮扶",
    description="实名认证的会员在网上申请；申请进入所在工会的待办，工会联系核实并入户走访后报上级审核。",
)
def worker_apply(request, payload: ApplyIn):
    worker = require_verified_worker(request.auth)
    sensitive_consent(
        user=worker.user, purpose=ConsentPurpose.HARDSHIP, agreed=payload.consent_sensitive, ip=client_ip(request)
    )
    data = _facts(payload)
    data.pop("consent_sensitive", None)  # recorded above, not a fact of the file
    file = services.worker_apply(worker=worker, data=data)
    return Status(201, worker_file_get(worker=worker, file_id=file.pk))


@router.get(
    "/my/applications", response={200: whole_list_of(WorkerFileOut), **READ_ERRORS}, summary="职工：我的帮扶申请"
)
def worker_list(request):
    worker = require_verified_worker(request.auth)
    return whole_list(worker_files(worker=worker).order_by("-id"))


@router.get("/my/applications/{file_id}", response={200: WorkerFileOut, **READ_ERRORS}, summary="职工：帮扶申请进度")
def worker_get(request, file_id: RowId):
    worker = require_verified_worker(request.auth)
    return worker_file_get(worker=worker, file_id=file_id)


# ---- officer routes: files -------------------------------------------------------------------


@router.get(
    "/files",
    response={200: FilePage, **READ_ERRORS},
    summary="困难职工档案列表",
    description="数据范围内的档案，证件号码和手机号码脱敏；需要帮扶数据权限。",
)
def file_list(request, params: Query[FileListParams], page: Query[PageParams], order: Query[SortParams]):
    filters = FileFilters(
        q=params.q,
        org_id=params.org,
        level=params.level or "",
        state=params.state or "",
        cause=params.cause or "",
        review=params.review or "",
        source=params.source or "",
        paired_with_me=params.mine,
    )
    qs = file_list_visible_to(actor=request.auth, filters=filters)
    return queue_envelope(qs, page, spec=FILE_QUEUE, sort=order.sort)


def _detail(request, file_id: RowId) -> HardshipFile:
    return file_get_visible(actor=request.auth, file_id=file_id)


@router.post("/files", response={201: FileDetailOut, **WRITE_ERRORS}, summary="建立困难职工档案（草稿）")
def file_create(request, payload: FileCreateIn):
    file = services.file_create(actor=request.auth, data=_facts(payload))
    return Status(201, _detail(request, file.pk))


@router.get(
    "/files/{file_id}",
    response={200: FileDetailOut, **READ_ERRORS},
    summary="困难职工档案详情",
    description="每次查看记入审计日志（查看帮扶个人信息）。",
)
def file_get(request, file_id: RowId):
    return file_view(actor=request.auth, file_id=file_id, ip=client_ip(request), via="api")


@router.patch("/files/{file_id}", response={200: FileDetailOut, **WRITE_ERRORS}, summary="修改档案（草稿或退回）")
def file_update(request, file_id: RowId, payload: FileUpdateIn):
    services.file_update(actor=request.auth, file=_detail(request, file_id), data=_facts(payload))
    return _detail(request, file_id)


@router.get(
    "/files/{file_id}/events", response={200: whole_list_of(AssistanceEventOut), **READ_ERRORS}, summary="档案时间线"
)
def file_events(request, file_id: RowId):
    return whole_list(file_timeline(actor=request.auth, file=_detail(request, file_id)))


@router.post("/files/{file_id}/visits", response={201: VisitOut, **WRITE_ERRORS}, summary="记录入户走访")
def file_visit(request, file_id: RowId, payload: VisitIn):
    visit = services.home_visit_add(actor=request.auth, file=_detail(request, file_id), data=payload.model_dump())
    return Status(201, visit)


@router.get("/files/{file_id}/visits", response={200: whole_list_of(VisitOut), **READ_ERRORS}, summary="入户走访记录")
def file_visits(request, file_id: RowId):
    return whole_list(_detail(request, file_id).visits.all())


def _transition(path: str, summary: str, description: str = ""):
    return router.post(
        "/files/{file_id}/" + path,
        response={200: FileDetailOut, **WRITE_ERRORS},
        summary=summary,
        description=description,
    )


@_transition(
    "submit", "提交审核", "须有入户走访记录、致困原因和认定类别；同一人全国只能有一份在档或审核中的档案（409）。"
)
def file_submit(request, file_id: RowId):
    services.file_submit(actor=request.auth, file=_detail(request, file_id))
    return _detail(request, file_id)


@_transition("verify", "审核通过（县级总工会）", "审核通过后即开始公示，公示期按地区设置（默认5个工作日）。")
def file_verify(request, file_id: RowId, payload: VerifyIn):
    services.file_verify(
        actor=request.auth,
        file=_detail(request, file_id),
        note=payload.note,
        level=payload.level or "",
        level_reason=payload.level_reason,
    )
    return _detail(request, file_id)


@_transition("return", "退回（县级总工会）")
def file_return(request, file_id: RowId, payload: AssistanceReasonIn):
    services.file_return(actor=request.auth, file=_detail(request, file_id), reason=payload.reason)
    return _detail(request, file_id)


@_transition("notice", "重新开始公示（异议复查后）")
def file_notice(request, file_id: RowId):
    services.file_start_notice(actor=request.auth, file=_detail(request, file_id))
    return _detail(request, file_id)


@_transition("objection", "登记公示期异议")
def file_objection(request, file_id: RowId, payload: ObjectionIn):
    services.file_record_objection(actor=request.auth, file=_detail(request, file_id), content=payload.content)
    return _detail(request, file_id)


@_transition("reverify", "年度复核", "更新收入情况和认定类别，下次复核日期为本次复核之日起一年。")
def file_reverify(request, file_id: RowId, payload: ReverifyIn):
    services.file_reverify(actor=request.auth, file=_detail(request, file_id), data=_facts(payload))
    return _detail(request, file_id)


@_transition("exit", "解困脱困")
def file_exit(request, file_id: RowId, payload: ExitIn):
    services.file_exit(
        actor=request.auth,
        file=_detail(request, file_id),
        reason=payload.reason,
        exit_date=payload.exit_date,
        note=payload.note,
    )
    return _detail(request, file_id)


@_transition("decline", "不予建档（草稿或职工申请）")
def file_decline(request, file_id: RowId, payload: AssistanceReasonIn):
    services.file_decline(actor=request.auth, file=_detail(request, file_id), reason=payload.reason)
    return _detail(request, file_id)


# ---- pairings --------------------------------------------------------------------------------


@router.get("/pairings", response={200: whole_list_of(PairingOut), **READ_ERRORS}, summary="结对帮扶列表")
def pairings(request, file: RowId | None = None, mine: bool = False):
    target = _detail(request, file) if file else None
    return whole_list(pairing_list(actor=request.auth, file=target, mine=mine)[:500])


@router.post("/files/{file_id}/pairings", response={201: PairingOut, **WRITE_ERRORS}, summary="安排结对帮扶")
def pairing_create(request, file_id: RowId, payload: PairingIn):
    pairing = services.pairing_create(
        actor=request.auth,
        file=_detail(request, file_id),
        officer_id=payload.officer,
        start_date=payload.start_date,
        note=payload.note,
    )
    return Status(201, pairing_get_visible(actor=request.auth, pairing_id=pairing.pk))


@router.post("/pairings/{pairing_id}/end", response={200: PairingOut, **WRITE_ERRORS}, summary="结束结对")
def pairing_end(request, pairing_id: RowId, payload: PairingEndIn):
    pairing = pairing_get_visible(actor=request.auth, pairing_id=pairing_id)
    services.pairing_end(actor=request.auth, pairing=pairing, end_date=payload.end_date)
    return pairing_get_visible(actor=request.auth, pairing_id=pairing_id)


@router.get(
    "/pairings/{pairing_id}/visits",
    response={200: whole_list_of(PairingVisitOut), **READ_ERRORS},
    summary="帮扶走访记录",
)
def pairing_visit_list(request, pairing_id: RowId):
    pairing = pairing_get_visible(actor=request.auth, pairing_id=pairing_id)
    return whole_list(pairing_visits(actor=request.auth, pairing=pairing))


@router.post("/pairings/{pairing_id}/visits", response={201: PairingVisitOut, **WRITE_ERRORS}, summary="记录帮扶走访")
def pairing_visit_create(request, pairing_id: RowId, payload: PairingVisitIn):
    pairing = pairing_get_visible(actor=request.auth, pairing_id=pairing_id)
    visit: PairingVisit = services.pairing_visit_add(actor=request.auth, pairing=pairing, data=payload.model_dump())
    return Status(201, visit)


# ---- living standards and figures ------------------------------------------------------------


@router.get("/standards", response={200: whole_list_of(StandardOut), **READ_ERRORS}, summary="生活保障标准")
def standards(request, year: Year | None = None):
    return whole_list(living_standard_list(actor=request.auth, year=year))


@router.post(
    "/standards",
    response={201: StandardOut, **WRITE_ERRORS},
    summary="设置生活保障标准",
    description="地方总工会有帮扶数据权限的工作人员设置本地区的标准；同一地区同一年度只有一条（409）。",
)
def standard_create(request, payload: StandardIn):
    return Status(201, services.living_standard_save(actor=request.auth, data=payload.model_dump()))


@router.put("/standards/{standard_id}", response={200: StandardOut, **WRITE_ERRORS}, summary="修改生活保障标准")
def standard_update(request, standard_id: RowId, payload: StandardIn):
    row: LivingStandard = living_standard_get(actor=request.auth, standard_id=standard_id, for_edit=True)
    return services.living_standard_save(actor=request.auth, data=payload.model_dump(), standard=row)


@router.get(
    "/figures",
    response={200: AssistanceFiguresOut, **READ_ERRORS},
    summary="帮扶统计",
    description="所选工会（默认本账号的工会）各直属下级的汇总：已建档按类别、各状态、到期复核、结对和帮扶走访。只含数量。",
)
def figures(request, org: RowId | None = None, year: Year | None = None):
    data = assistance_figures(actor=request.auth, org_id=org, year=year)
    return {"year": data.year, "total": data.total.as_dict(), "rows": [r.as_dict() for r in data.rows]}
