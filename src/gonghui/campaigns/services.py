"""Every write of the campaigns app: campaigns, budget allocations down the tree, and grants.

Rights: every write needs the assistance right with write access (`require_assistance_write`).
* campaigns are created and managed by officers whose subtree holds the organiser;
* an allocation is made and approved by an officer of the allocating level (whose subtree holds
  the parent allocation's union); the organiser's own budget is approved by opening the campaign;
* a grant is proposed by an officer whose subtree holds the beneficiary's union, approved or
  rejected by an officer whose subtree holds the union of the allocation it draws on, and paid
  by an officer whose subtree holds the beneficiary's union.

Budget (see models): per allocation, child allocations + own committed grants ≤ amount. Every
change of `allocated_amount` / `committed_amount` / `paid_amount` happens with the allocation row
locked (`select_for_update`) and an `F()` update in the same transaction, so two approvals can
never both spend the last yuan. Lock order: the person's grants (by id), then allocations (child
before parent never happens: only one allocation row is locked per operation).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, overload

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.permissions import require_assistance_write
from gonghui.assistance.models import HardshipFile, HardshipLevel
from gonghui.core.batch import BatchItem, clean_ids, run_batch
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.core.idcard import mask_id_number, parse_id_number
from gonghui.core.pii import encrypt, keyed_hash
from gonghui.members.selectors import person_membership_for
from gonghui.notifications.services import notify, org_officers
from gonghui.orgs.models import MEMBER_HOLDING_KINDS, Org
from gonghui.orgs.selectors import org_get_visible

from .models import (
    ZERO,
    AllocationState,
    AssistanceCampaign,
    BudgetAllocation,
    CampaignState,
    CampaignType,
    Eligibility,
    Grant,
    GrantEvent,
    GrantSource,
    GrantState,
    PayMethod,
    Stage,
)
from .selectors import (
    allocation_for_org,
    allocation_parent_for,
    in_scope,
    person_committed_in_year,
)
from .vouchers import check_voucher

TOPIC = "campaigns"
MAX_AMOUNT = Decimal("1000000")
CENT = Decimal("0.01")


# ---- input helpers -----------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _bad(field: str, message: str, code: str = "validation_error") -> InvalidInput:
    return InvalidInput(message, code=code, fields={field: [message]})


def _text(value: Any, field: str, label: str, *, required: bool = True, max_len: int = 2000) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise _bad(field, _("请填写%(label)s") % {"label": label})
    if len(text) > max_len:
        raise _bad(field, _("%(label)s不能超过%(max)s个字符") % {"label": label, "max": max_len})
    return text


@overload
def parse_money(
    value: Any, field: str, label: str, *, required: Literal[True] = ..., allow_zero: bool = ...
) -> Decimal: ...
@overload
def parse_money(value: Any, field: str, label: str, *, required: bool, allow_zero: bool = ...) -> Decimal | None: ...
def parse_money(
    value: Any, field: str, label: str, *, required: bool = True, allow_zero: bool = False
) -> Decimal | None:
    """The amount in yuan (two places); None only when not `required` and left blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _bad(field, _("请填写%(label)s") % {"label": label})
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _bad(field, _("%(label)s应为金额（元）") % {"label": label}) from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise _bad(field, _("%(label)s最多保留两位小数") % {"label": label})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise _bad(field, _("%(label)s应大于0") % {"label": label})
    if amount > MAX_AMOUNT * 1000:
        raise _bad(field, _("%(label)s过大") % {"label": label})
    return amount.quantize(CENT)


def _date(value: Any, field: str, label: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise _bad(field, _("%(label)s应为日期，如 2026-01-15") % {"label": label}) from None


def _choice(value: Any, choices, field: str, label: str) -> str:
    text = str(value or "").strip()
    if text not in choices.values:
        raise _bad(field, _("%(label)s无效") % {"label": label})
    return text


def _state_conflict(current_label: str, action: str) -> Conflict:
    return Conflict(
        _("当前状态为“%(state)s”，不能%(action)s") % {"state": current_label, "action": action}, code="bad_state"
    )


def parse_standards(raw: Any) -> dict[str, Any]:
    """{"default": "800", "levels": {"deep": "1000"}, "stages": {"primary": "500"}} with valid keys and amounts."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise _bad("standards", _("救助标准格式有误"))
    out: dict[str, Any] = {}
    default = parse_money(raw.get("default"), "standards", _("默认标准"), required=False)
    if default is not None:
        out["default"] = str(default)
    for key, choices, label in (("levels", HardshipLevel, _("困难类别标准")), ("stages", Stage, _("学段标准"))):
        table = raw.get(key) or {}
        if not isinstance(table, dict):
            raise _bad("standards", _("救助标准格式有误"))
        clean = {}
        for name, value in table.items():
            if name not in choices.values:
                raise _bad("standards", _("%(label)s中有无效的项目：%(name)s") % {"label": label, "name": name})
            amount = parse_money(value, "standards", label, required=False)
            if amount is not None:
                clean[name] = str(amount)
        if clean:
            out[key] = clean
    return out


def standard_amount(campaign: AssistanceCampaign, *, level: str = "", stage: str = "") -> Decimal | None:
    """The campaign's standard for a grant: by stage (education aid), else by hardship level, else the default."""
    standards = campaign.standards or {}
    if stage and stage in (standards.get("stages") or {}):
        return Decimal(standards["stages"][stage])
    if level and level in (standards.get("levels") or {}):
        return Decimal(standards["levels"][level])
    if standards.get("default"):
        return Decimal(standards["default"])
    return None


# ---- notifications -----------------------------------------------------------------------------


def _campaign_url(campaign: AssistanceCampaign) -> str:
    return reverse("campaigns:detail", args=[campaign.pk])


def _grant_url(grant: Grant) -> str:
    return reverse("campaigns:grant", args=[grant.pk])


def _tell_org(org: Org | None, *, title: str, body: str = "", url: str = "", skip=None) -> None:
    if org is None:
        return
    notify(
        [u for u in org_officers(org) if skip is None or u.pk != skip.pk], topic=TOPIC, title=title, body=body, url=url
    )


def _tell_worker(grant: Grant, title: str, body: str) -> None:
    """The beneficiary, if they have a real-name bound portal account."""
    from gonghui.portal.models import WorkerAccount

    workers = WorkerAccount.objects.filter(
        id_number_hash=grant.id_number_hash, verified_at__isnull=False
    ).select_related("user")
    notify([w.user for w in workers], topic=TOPIC, title=title, body=body, url="/m/")


# ---- campaigns ---------------------------------------------------------------------------------


def _require_organiser_scope(actor, campaign: AssistanceCampaign) -> None:
    require_assistance_write(actor)
    if not in_scope(actor, campaign.organiser):
        from .selectors import campaign_qs_visible_to

        if campaign_qs_visible_to(actor=actor).filter(pk=campaign.pk).exists():
            raise Forbidden(_("只有组织单位及其上级可以管理本活动"))
        raise NotFound(_("活动不存在"))


def _campaign_fields(data: dict[str, Any], *, partial: bool, campaign: AssistanceCampaign | None) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def has(name: str) -> bool:
        return name in data or not partial

    if has("type"):
        out["type"] = _choice(data.get("type"), CampaignType, "type", _("活动类型"))
    if has("name"):
        out["name"] = _text(data.get("name"), "name", _("活动名称"), max_len=120)
    if has("year"):
        raw_year = data.get("year")
        if raw_year is None:
            raise _bad("year", _("请填写年度"))
        try:
            year = int(raw_year)
        except (TypeError, ValueError):
            raise _bad("year", _("请填写年度")) from None
        if not 2000 <= year <= 2100:
            raise _bad("year", _("年度无效"))
        out["year"] = year
    if has("starts_on"):
        out["starts_on"] = _date(data.get("starts_on"), "starts_on", _("开始日期"))
    if has("ends_on"):
        out["ends_on"] = _date(data.get("ends_on"), "ends_on", _("结束日期"))
    if has("eligibility"):
        out["eligibility"] = _choice(
            data.get("eligibility") or Eligibility.FILED_ONLY, Eligibility, "eligibility", _("救助对象")
        )
    if has("yearly_cap"):
        out["yearly_cap"] = parse_money(data.get("yearly_cap"), "yearly_cap", _("每人年度救助上限"), required=False)
    if has("standards"):
        out["standards"] = parse_standards(data.get("standards"))
    if has("description"):
        out["description"] = _text(data.get("description"), "description", _("说明"), required=False, max_len=5000)
    starts = out.get("starts_on", campaign.starts_on if campaign else None)
    ends = out.get("ends_on", campaign.ends_on if campaign else None)
    if starts and ends and ends < starts:
        raise _bad("ends_on", _("结束日期不能早于开始日期"))
    new_year = out.get("year", campaign.year if campaign else None)
    if starts and new_year and starts.year not in (new_year, new_year - 1) and ("starts_on" in out or "year" in out):
        raise _bad("year", _("年度与活动时间不符"))
    return out


def campaign_create(
    *, actor, organiser: Org, data: dict[str, Any], budget: Any, now: dt.datetime | None = None
) -> AssistanceCampaign:
    """A draft campaign with the organiser's total budget (a draft root allocation)."""
    require_assistance_write(actor)
    organiser = org_get_visible(actor=actor, org_id=organiser.pk)
    if organiser.kind in MEMBER_HOLDING_KINDS:
        raise _bad("organiser", _("活动应由总工会或乡镇(街道)工会等上级工会组织"))
    fields = _campaign_fields(data, partial=False, campaign=None)
    amount = parse_money(budget, "budget", _("活动预算"), allow_zero=True)
    now = _now(now)
    with transaction.atomic():
        campaign = AssistanceCampaign.objects.create(
            organiser=organiser, created_by=actor, created_at=now, state=CampaignState.DRAFT, **fields
        )
        BudgetAllocation.objects.create(
            campaign=campaign, org=organiser, amount=amount, created_by=actor, created_at=now, note=_("活动总预算")
        )
    return campaign


def campaign_update(
    *, actor, campaign: AssistanceCampaign, data: dict[str, Any], budget: Any = None
) -> AssistanceCampaign:
    """Change a draft campaign freely; an open one keeps its type, year and eligibility."""
    _require_organiser_scope(actor, campaign)
    with transaction.atomic():
        campaign = AssistanceCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state == CampaignState.CLOSED:
            raise _state_conflict(campaign.get_state_display(), _("修改"))
        if campaign.state == CampaignState.OPEN:
            fixed = [
                name
                for name in ("type", "year", "eligibility")
                if name in data and data[name] != getattr(campaign, name)
            ]
            if fixed:
                raise Conflict(
                    _("活动已启动，不能修改类型、年度和救助对象"),
                    code="campaign_open",
                    fields={n: [_("活动已启动，不能修改")] for n in fixed},
                )
        fields = _campaign_fields(data, partial=True, campaign=campaign)
        for name, value in fields.items():
            setattr(campaign, name, value)
        if fields:
            campaign.save(update_fields=[*fields, "updated_at"])
        if budget is not None and budget != "":
            amount = parse_money(budget, "budget", _("活动预算"), allow_zero=True)
            root = BudgetAllocation.objects.select_for_update().get(campaign=campaign, parent__isnull=True)
            if amount < root.allocated_amount + root.committed_amount:
                message = _("预算不能少于已下拨和已批准的金额（%(used)s 元）") % {
                    "used": root.allocated_amount + root.committed_amount
                }
                raise Conflict(message, code="budget_below_used", fields={"budget": [message]})
            BudgetAllocation.objects.filter(pk=root.pk).update(amount=amount)
    return campaign


def campaign_open(*, actor, campaign: AssistanceCampaign, now: dt.datetime | None = None) -> AssistanceCampaign:
    """Start the campaign: its total budget is approved and grants may be proposed."""
    _require_organiser_scope(actor, campaign)
    now = _now(now)
    with transaction.atomic():
        campaign = (
            AssistanceCampaign.objects.select_for_update(of=("self",)).select_related("organiser").get(pk=campaign.pk)
        )
        if campaign.state != CampaignState.DRAFT:
            raise _state_conflict(campaign.get_state_display(), _("启动"))
        root = BudgetAllocation.objects.select_for_update().get(campaign=campaign, parent__isnull=True)
        if root.amount <= 0:
            raise InvalidInput(_("请先填写活动预算"), code="no_budget", fields={"budget": [_("请先填写活动预算")]})
        root.state, root.approved_by, root.approved_at = AllocationState.APPROVED, actor, now
        root.save(update_fields=["state", "approved_by", "approved_at"])
        campaign.state, campaign.opened_at = CampaignState.OPEN, now
        campaign.save(update_fields=["state", "opened_at", "updated_at"])
        for allocation in campaign.allocations.exclude(pk=root.pk).select_related("org"):
            _tell_org(
                allocation.org,
                title=_("帮扶活动已启动：%(name)s") % {"name": campaign.name},
                url=_campaign_url(campaign),
                skip=actor,
            )
    return campaign


def campaign_close(*, actor, campaign: AssistanceCampaign, now: dt.datetime | None = None) -> AssistanceCampaign:
    """End the campaign: no more proposals or approvals (approved grants can still be paid)."""
    _require_organiser_scope(actor, campaign)
    now = _now(now)
    with transaction.atomic():
        campaign = AssistanceCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state != CampaignState.OPEN:
            raise _state_conflict(campaign.get_state_display(), _("结束"))
        waiting = campaign.grants.filter(state=GrantState.PROPOSED).count()
        if waiting:
            raise Conflict(_("还有 %(n)s 份申报待审批，请先审批或撤销") % {"n": waiting}, code="grants_pending")
        campaign.state, campaign.closed_at = CampaignState.CLOSED, now
        campaign.save(update_fields=["state", "closed_at", "updated_at"])
    return campaign


# ---- allocations -------------------------------------------------------------------------------


def _require_allocating_level(actor, parent: BudgetAllocation) -> None:
    require_assistance_write(actor)
    if not in_scope(actor, parent.org):
        raise Forbidden(_("只有上级（分配方）工会可以分配和批准预算"))


def _require_campaign_live(campaign: AssistanceCampaign, action: str) -> None:
    if campaign.state == CampaignState.CLOSED:
        raise _state_conflict(campaign.get_state_display(), action)


def allocation_create(
    *, actor, campaign: AssistanceCampaign, org: Org, amount: Any, note: str = "", now: dt.datetime | None = None
) -> BudgetAllocation:
    """Allocate part of the nearest allocation above `org` to it (a draft until approved)."""
    require_assistance_write(actor)
    org = org_get_visible(actor=actor, org_id=org.pk)
    value = parse_money(amount, "amount", _("分配金额"))
    note = _text(note, "note", _("说明"), required=False, max_len=200)
    _require_campaign_live(campaign, _("分配预算"))
    if not org.path.startswith(campaign.organiser.path) or org.pk == campaign.organiser_id:
        raise _bad("org", _("只能分配给组织单位的下级工会"))
    if not org.is_active:
        raise _bad("org", _("该工会已撤销"))
    if campaign.allocations.filter(org=org).exists():
        raise Conflict(_("该工会已有本活动的预算分配"), code="duplicate_allocation", fields={"org": [_("已有分配")]})
    parent = allocation_parent_for(campaign=campaign, org=org)
    if parent is None:  # cannot happen: the organiser holds the root
        raise NotFound(_("预算分配不存在"))
    _require_allocating_level(actor, parent)
    if campaign.allocations.filter(org__path__startswith=org.path).exclude(org=org).exists():
        raise Conflict(_("该工会的下级已有本活动的预算分配，请在其上级之间调整"), code="allocation_nesting")
    now = _now(now)
    try:
        with transaction.atomic():
            locked = BudgetAllocation.objects.select_for_update().get(pk=parent.pk)
            if locked.state != AllocationState.APPROVED:
                raise Conflict(_("上级预算尚未批准，不能继续分配"), code="allocation_not_approved")
            if value > locked.available:
                message = _("超出可分配金额：%(org)s 尚可分配 %(left)s 元") % {
                    "org": parent.org.name,
                    "left": locked.available,
                }
                raise Conflict(message, code="allocation_exceeds_parent", fields={"amount": [message]})
            allocation = BudgetAllocation.objects.create(
                campaign=campaign, org=org, parent=locked, amount=value, note=note, created_by=actor, created_at=now
            )
            BudgetAllocation.objects.filter(pk=locked.pk).update(allocated_amount=F("allocated_amount") + value)
            if campaign.state == CampaignState.OPEN:
                _tell_org(
                    org,
                    title=_("收到帮扶预算分配：%(name)s %(amount)s 元（待批准）")
                    % {"name": campaign.name, "amount": value},
                    url=_campaign_url(campaign),
                    skip=actor,
                )
    except IntegrityError:
        raise Conflict(_("该工会已有本活动的预算分配"), code="duplicate_allocation") from None
    return allocation


def allocation_update(*, actor, allocation: BudgetAllocation, amount: Any, note: str | None = None) -> BudgetAllocation:
    """Change the amount of a draft allocation (its parent's free money permitting)."""
    require_assistance_write(actor)
    if allocation.parent_id is None:
        raise Conflict(_("活动总预算请在活动中修改"), code="root_allocation")
    value = parse_money(amount, "amount", _("分配金额"))
    with transaction.atomic():
        parent = (
            BudgetAllocation.objects.select_for_update(of=("self",)).select_related("org").get(pk=allocation.parent_id)
        )
        _require_allocating_level(actor, parent)
        current = BudgetAllocation.objects.select_for_update().get(pk=allocation.pk)
        _require_campaign_live(allocation.campaign, _("修改分配"))
        if current.state != AllocationState.DRAFT:
            raise Conflict(_("已批准的分配不能修改金额"), code="bad_state")
        if value < current.allocated_amount:
            raise Conflict(_("金额不能少于该工会已下拨的金额"), code="allocation_below_used")
        delta = value - current.amount
        if delta > parent.available:
            message = _("超出可分配金额：%(org)s 尚可分配 %(left)s 元") % {
                "org": parent.org.name,
                "left": parent.available,
            }
            raise Conflict(message, code="allocation_exceeds_parent", fields={"amount": [message]})
        BudgetAllocation.objects.filter(pk=parent.pk).update(allocated_amount=F("allocated_amount") + delta)
        current.amount = value
        fields = ["amount"]
        if note is not None:
            current.note = _text(note, "note", _("说明"), required=False, max_len=200)
            fields.append("note")
        current.save(update_fields=fields)
    return current


def allocation_delete(*, actor, allocation: BudgetAllocation) -> None:
    """Withdraw a draft allocation that has nothing below it; its money returns to the parent."""
    require_assistance_write(actor)
    if allocation.parent_id is None:
        raise Conflict(_("活动总预算不能删除"), code="root_allocation")
    with transaction.atomic():
        parent = BudgetAllocation.objects.select_for_update().get(pk=allocation.parent_id)
        _require_allocating_level(actor, parent)
        current = BudgetAllocation.objects.select_for_update().get(pk=allocation.pk)
        if current.state != AllocationState.DRAFT or current.children.exists() or current.grants.exists():
            raise Conflict(_("只能撤回未批准、未使用的分配"), code="bad_state")
        BudgetAllocation.objects.filter(pk=parent.pk).update(allocated_amount=F("allocated_amount") - current.amount)
        current.delete()


def allocation_approve(*, actor, allocation: BudgetAllocation, now: dt.datetime | None = None) -> BudgetAllocation:
    """The allocating level approves an allocation; grants may then be made under it."""
    require_assistance_write(actor)
    if allocation.parent_id is None:
        raise Conflict(_("活动总预算在启动活动时批准"), code="root_allocation")
    now = _now(now)
    with transaction.atomic():
        current = (
            BudgetAllocation.objects.select_for_update(of=("self",))
            .select_related("org", "parent__org", "campaign")
            .get(pk=allocation.pk)
        )
        parent = current.parent
        if parent is None:  # checked above on the caller's copy; the locked row says the same
            raise Conflict(_("活动总预算在启动活动时批准"), code="root_allocation")
        _require_allocating_level(actor, parent)
        _require_campaign_live(current.campaign, _("批准分配"))
        if current.state != AllocationState.DRAFT:
            raise _state_conflict(current.get_state_display(), _("批准"))
        if parent.state != AllocationState.APPROVED:
            raise Conflict(_("上级预算尚未批准"), code="allocation_not_approved")
        current.state, current.approved_by, current.approved_at = AllocationState.APPROVED, actor, now
        current.save(update_fields=["state", "approved_by", "approved_at"])
        _tell_org(
            current.org,
            title=_("帮扶预算已批准：%(name)s %(amount)s 元")
            % {"name": current.campaign.name, "amount": current.amount},
            url=_campaign_url(current.campaign),
            skip=actor,
        )
    return current


# ---- grants ------------------------------------------------------------------------------------


def _event(grant: Grant, kind: str, actor, now: dt.datetime, note: str = "", data: dict | None = None) -> None:
    GrantEvent.objects.create(grant=grant, kind=kind, actor=actor, note=note, data=data or {}, created_at=now)


def _scoped_file(actor, pk: Any) -> HardshipFile:
    from gonghui.accounts.scope import scope_q

    try:
        return HardshipFile.objects.filter(scope_q(actor, "org__path")).select_related("org").get(pk=int(pk))
    except (HardshipFile.DoesNotExist, TypeError, ValueError):
        raise _bad("hardship_file", _("困难职工档案不存在或不在管理范围内")) from None


def _check_cap(
    actor, campaign: AssistanceCampaign, grant_hash: str, amount: Decimal, exclude_pk: int | None = None
) -> None:
    """The yearly cap counts the person's grants everywhere; the refusal names only the money the
    actor may see (grants outside their scope are neither counted out loud nor placed)."""
    if campaign.yearly_cap is None:
        return
    held = person_committed_in_year(id_number_hash=grant_hash, year=campaign.year, exclude_pk=exclude_pk)
    if held + amount <= campaign.yearly_cap:
        return
    held_in_scope = person_committed_in_year(
        id_number_hash=grant_hash, year=campaign.year, exclude_pk=exclude_pk, visible_to=actor
    )
    if held_in_scope == held:
        message = _("超过每人年度救助上限 %(cap)s 元：本年度已获救助 %(held)s 元，本次 %(amount)s 元") % {
            "cap": campaign.yearly_cap,
            "held": held,
            "amount": amount,
        }
    else:
        message = _("超过每人年度救助上限 %(cap)s 元：本次 %(amount)s 元，加上此人本年度已获的救助将超过上限") % {
            "cap": campaign.yearly_cap,
            "amount": amount,
        }
    raise Conflict(message, code="yearly_cap_exceeded", fields={"amount": [message]})


def _check_file_eligible(file: HardshipFile | None) -> None:
    if file is not None and file.state != "filed":
        raise Conflict(
            _("困难职工档案当前状态为“%(state)s”，只有已建档的困难职工可以获得救助")
            % {"state": file.get_state_display()},
            code="not_eligible",
        )


def grant_propose(
    *, actor, campaign: AssistanceCampaign, data: dict[str, Any], now: dt.datetime | None = None, quiet: bool = False
) -> Grant:
    """Propose a grant for a filed hardship worker (`hardship_file`) or an applicant
    (`person_name`, `id_number`, `org`, `reason`); the amount defaults to the campaign's standard."""
    require_assistance_write(actor)
    if campaign.state != CampaignState.OPEN:
        raise _state_conflict(campaign.get_state_display(), _("申报救助"))
    now = _now(now)
    file: HardshipFile | None = None
    if data.get("hardship_file"):
        file = _scoped_file(actor, data["hardship_file"])
        _check_file_eligible(file)
        org, name, level, member = file.org, file.name, file.level, file.member
        id_hash, id_enc, id_masked = file.id_number_hash, file.id_number_encrypted, file.id_number_masked
        source = GrantSource.HARDSHIP_FILE
        reason = _text(data.get("reason"), "reason", _("救助事由"), required=False)
    else:
        if campaign.eligibility != Eligibility.OPEN:
            raise Conflict(_("本活动仅限已建档的困难职工，请从困难职工档案中选择"), code="not_eligible")
        name = _text(data.get("person_name"), "person_name", _("姓名"), max_len=64)
        try:
            facts = parse_id_number(str(data.get("id_number") or ""))
        except Exception as exc:  # ValidationError with a Chinese message
            message = getattr(exc, "messages", [str(exc)])[0]
            raise _bad("id_number", message) from None
        if not data.get("org"):
            raise _bad("org", _("请选择所在工会"))
        try:
            org = org_get_visible(actor=actor, org_id=data["org"])
        except NotFound:
            raise _bad("org", _("所选工会不存在或不在您的管理范围内")) from None
        id_hash, id_enc, id_masked = keyed_hash(facts.number), encrypt(facts.number), mask_id_number(facts.number)
        member = person_membership_for(actor=actor, id_number_hash=id_hash)
        level = ""
        source = GrantSource.APPLICATION
        reason = _text(data.get("reason"), "reason", _("救助事由"))
    if not in_scope(actor, org):
        raise _bad("org", _("所选工会不存在或不在您的管理范围内"))
    if not org.path.startswith(campaign.organiser.path):
        raise _bad("org", _("该工会不在本活动的范围内"))

    extra: dict[str, Any] = {}
    stage = ""
    if campaign.type == CampaignType.EDUCATION_AID:
        extra["child_name"] = _text(data.get("child_name"), "child_name", _("子女姓名"), max_len=64)
        extra["school"] = _text(data.get("school"), "school", _("就读学校"), max_len=128)
        stage = extra["stage"] = _choice(data.get("stage"), Stage, "stage", _("学段"))
    if campaign.type == CampaignType.MEDICAL_RELIEF:
        total = parse_money(data.get("medical_total"), "medical_total", _("医疗费用总额"))
        reimbursed = parse_money(
            data.get("medical_reimbursed"), "medical_reimbursed", _("医保等已报销"), allow_zero=True
        )
        if reimbursed > total:
            raise _bad("medical_reimbursed", _("已报销金额不能大于医疗费用总额"))
        extra.update(medical_total=total, medical_reimbursed=reimbursed, medical_self_paid=total - reimbursed)
    standard = standard_amount(campaign, level=level, stage=stage)
    if standard is None:
        amount = parse_money(data.get("amount"), "amount", _("救助金额"))
    else:
        amount = parse_money(data.get("amount"), "amount", _("救助金额"), required=False) or standard
    by_stage = campaign.standards.get("stages") or {}
    if campaign.type == CampaignType.EDUCATION_AID and stage in by_stage and amount != standard:
        raise _bad(
            "amount",
            _("金秋助学按学段标准发放：%(stage)s %(amount)s 元") % {"stage": Stage(stage).label, "amount": standard},
        )
    if campaign.type == CampaignType.MEDICAL_RELIEF and amount > extra["medical_self_paid"]:
        raise _bad("amount", _("救助金额不能超过个人自付部分（%(v)s 元）") % {"v": extra["medical_self_paid"]})
    if amount > MAX_AMOUNT:
        raise _bad("amount", _("救助金额过大"))

    allocation = allocation_for_org(campaign=campaign, org=org)
    if allocation is None or allocation.state != AllocationState.APPROVED:
        raise Conflict(
            _("%(org)s 的预算尚未批准，不能申报") % {"org": (allocation.org if allocation else org).name},
            code="allocation_not_approved",
        )
    if Grant.objects.filter(
        campaign=campaign, id_number_hash=id_hash, state__in=["proposed", "approved", "paid"]
    ).exists():
        raise Conflict(
            _("%(name)s 在本活动中已有救助记录（每人每个活动限一次）") % {"name": name}, code="duplicate_grant"
        )
    _check_cap(actor, campaign, id_hash, amount)
    try:
        with transaction.atomic():
            grant = Grant.objects.create(
                campaign=campaign,
                allocation=allocation,
                org=org,
                year=campaign.year,
                source=source,
                hardship_file=file,
                member=member,
                person_name=name,
                id_number_encrypted=id_enc,
                id_number_hash=id_hash,
                id_number_masked=id_masked,
                level=level or "",
                reason=reason,
                amount=amount,
                proposed_by=actor,
                proposed_at=now,
                **extra,
            )
            _event(grant, GrantEvent.Kind.PROPOSED, actor, now, data={"amount": str(amount)})
            if not quiet:
                _tell_org(
                    allocation.org,
                    title=_("新的救助申报待审批：%(campaign)s") % {"campaign": campaign.name},
                    body=_("%(org)s 申报 1 人，%(amount)s 元") % {"org": org.name, "amount": amount},
                    url=_grant_url(grant),
                    skip=actor,
                )
    except IntegrityError:
        raise Conflict(
            _("%(name)s 在本活动中已有救助记录（每人每个活动限一次）") % {"name": name}, code="duplicate_grant"
        ) from None
    return grant


def _lock_person(grant: Grant) -> Grant:
    """Lock all the person's grants of the year (so cap checks serialise), return this one fresh."""
    rows = list(
        Grant.objects.select_for_update()
        .filter(id_number_hash=grant.id_number_hash, year=grant.year)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if grant.pk not in rows:
        raise NotFound(_("救助记录不存在"))
    return Grant.objects.select_related("campaign", "allocation__org", "org", "hardship_file").get(pk=grant.pk)


def _require_decider(actor, grant: Grant) -> None:
    require_assistance_write(actor)
    if not in_scope(actor, grant.allocation.org):
        raise Forbidden(_("只有预算所在的工会（%(org)s）及其上级可以审批") % {"org": grant.allocation.org.name})


def grant_approve(*, actor, grant: Grant, note: str = "", now: dt.datetime | None = None) -> Grant:
    """Approve a proposed grant: eligibility, the yearly cap, and the allocation's money, checked
    and committed under locks (the person's grants, then the allocation row)."""
    _require_decider(actor, grant)
    now = _now(now)
    with transaction.atomic():
        grant = _lock_person(grant)
        if grant.state != GrantState.PROPOSED:
            raise _state_conflict(grant.get_state_display(), _("批准"))
        # Four eyes on money (as for medical-aid claims): whoever proposed a grant does not also approve it.
        if grant.proposed_by_id is not None and grant.proposed_by_id == actor.pk:
            raise Forbidden(_("不能批准自己申报的救助，请由其他工作人员审批"))
        if grant.campaign.state != CampaignState.OPEN:
            raise _state_conflict(grant.campaign.get_state_display(), _("批准救助"))
        if grant.source == GrantSource.HARDSHIP_FILE:
            _check_file_eligible(grant.hardship_file)
        _check_cap(actor, grant.campaign, grant.id_number_hash, grant.amount, exclude_pk=grant.pk)
        allocation = BudgetAllocation.objects.select_for_update().get(pk=grant.allocation_id)
        if allocation.state != AllocationState.APPROVED:
            raise Conflict(_("预算分配尚未批准"), code="allocation_not_approved")
        if grant.amount > allocation.available:
            raise Conflict(
                _("预算不足：%(org)s 尚余 %(left)s 元，本次需 %(amount)s 元")
                % {"org": grant.allocation.org.name, "left": allocation.available, "amount": grant.amount},
                code="budget_exceeded",
            )
        BudgetAllocation.objects.filter(pk=allocation.pk).update(committed_amount=F("committed_amount") + grant.amount)
        grant.state, grant.decided_by, grant.decided_at = GrantState.APPROVED, actor, now
        grant.save(update_fields=["state", "decided_by", "decided_at"])
        note = _text(note, "note", _("审批意见"), required=False)
        _event(grant, GrantEvent.Kind.APPROVED, actor, now, note=note, data={"amount": str(grant.amount)})
        _tell_org(
            grant.org,
            title=_("救助已批准：%(name)s %(amount)s 元") % {"name": grant.person_name, "amount": grant.amount},
            body=grant.campaign.name,
            url=_grant_url(grant),
            skip=actor,
        )
    return grant


def grant_reject(*, actor, grant: Grant, reason: str, now: dt.datetime | None = None) -> Grant:
    _require_decider(actor, grant)
    reason = _text(reason, "reason", _("不批准理由"))
    now = _now(now)
    with transaction.atomic():
        grant = Grant.objects.select_for_update(of=("self",)).select_related("campaign", "org").get(pk=grant.pk)
        if grant.state != GrantState.PROPOSED:
            raise _state_conflict(grant.get_state_display(), _("不批准"))
        grant.state, grant.decided_by, grant.decided_at, grant.reject_reason = GrantState.REJECTED, actor, now, reason
        grant.save(update_fields=["state", "decided_by", "decided_at", "reject_reason"])
        _event(grant, GrantEvent.Kind.REJECTED, actor, now, note=reason)
        _tell_org(
            grant.org,
            title=_("救助申报未获批准：%(name)s") % {"name": grant.person_name},
            body=reason,
            url=_grant_url(grant),
            skip=actor,
        )
    return grant


def grant_pay(
    *,
    actor,
    grant: Grant,
    method: str,
    paid_on: Any,
    paid_amount: Any = None,
    payer: str = "",
    voucher=None,
    now: dt.datetime | None = None,
) -> Grant:
    """Record the payment of an approved grant (at most the approved amount; the rest returns to
    the allocation), with an optional voucher (PDF/JPG/PNG)."""
    require_assistance_write(actor)
    if not in_scope(actor, grant.org):
        raise NotFound(_("救助记录不存在"))
    method = _choice(method, PayMethod, "method", _("发放方式"))
    day = _date(paid_on, "paid_on", _("发放日期"))
    now = _now(now)
    if day > timezone.localdate(now):
        raise _bad("paid_on", _("发放日期不能晚于今天"))
    payer = _text(payer, "payer", _("经办人"), required=False, max_len=64)
    voucher_meta = check_voucher(voucher) if voucher is not None else None
    with transaction.atomic():
        grant = (
            Grant.objects.select_for_update(of=("self",))
            .select_related("campaign", "org", "allocation")
            .get(pk=grant.pk)
        )
        if grant.state != GrantState.APPROVED:
            raise _state_conflict(grant.get_state_display(), _("登记发放"))
        value = parse_money(paid_amount, "paid_amount", _("实发金额"), required=False) or grant.amount
        if value > grant.amount:
            raise _bad("paid_amount", _("实发金额不能超过批准金额 %(amount)s 元") % {"amount": grant.amount})
        if day < grant.campaign.starts_on - dt.timedelta(days=366):
            raise _bad("paid_on", _("发放日期早于活动时间"))
        BudgetAllocation.objects.select_for_update().filter(pk=grant.allocation_id).first()
        BudgetAllocation.objects.filter(pk=grant.allocation_id).update(
            committed_amount=F("committed_amount") - (grant.amount - value), paid_amount=F("paid_amount") + value
        )
        grant.state = GrantState.PAID
        grant.pay_method, grant.paid_on, grant.paid_amount, grant.payer = method, day, value, payer
        grant.paid_by, grant.paid_recorded_at = actor, now
        fields = ["state", "pay_method", "paid_on", "paid_amount", "payer", "paid_by", "paid_recorded_at"]
        if voucher_meta is not None:
            name, content_type = voucher_meta
            voucher.seek(0)
            grant.voucher.save(name, voucher, save=False)
            grant.voucher_name, grant.voucher_type, grant.voucher_size = name, content_type, voucher.size
            fields += ["voucher", "voucher_name", "voucher_type", "voucher_size"]
        grant.save(update_fields=fields)
        _event(
            grant,
            GrantEvent.Kind.PAID,
            actor,
            now,
            data={"amount": str(value), "method": method, "paid_on": day.isoformat()},
        )
        _tell_worker(
            grant,
            _("工会救助已发放：%(campaign)s") % {"campaign": grant.campaign.name},
            _("%(amount)s 元，%(method)s，%(day)s")
            % {"amount": value, "method": PayMethod(method).label, "day": day.isoformat()},
        )
    return grant


def grant_pay_many(
    *, actor, ids: list[int], method: str, paid_on: Any, payer: str = "", now: dt.datetime | None = None
) -> list[BatchItem]:
    """Record the payment of several approved grants at their approved amounts (same method, day
    and payer), each exactly as grant_pay in its own transaction; one that cannot be paid (out of
    scope, not approved) is reported and the rest go on."""
    from .selectors import grant_get_visible

    require_assistance_write(actor)
    return run_batch(
        clean_ids(ids),
        fetch=lambda pk: grant_get_visible(actor=actor, pk=pk),
        act=lambda grant: grant_pay(actor=actor, grant=grant, method=method, paid_on=paid_on, payer=payer, now=now),
        label=lambda grant: grant.person_name,
    )


def grant_cancel(*, actor, grant: Grant, reason: str, now: dt.datetime | None = None) -> Grant:
    """Withdraw a proposed grant (its union) or an approved one (the approving level); an approved
    grant's money returns to the allocation. Paid grants cannot be cancelled."""
    require_assistance_write(actor)
    reason = _text(reason, "reason", _("撤销原因"))
    now = _now(now)
    with transaction.atomic():
        grant = (
            Grant.objects.select_for_update(of=("self",))
            .select_related("campaign", "org", "allocation__org")
            .get(pk=grant.pk)
        )
        if grant.state == GrantState.PROPOSED:
            if not in_scope(actor, grant.org):
                raise NotFound(_("救助记录不存在"))
        elif grant.state == GrantState.APPROVED:
            if not in_scope(actor, grant.allocation.org):
                raise Forbidden(_("已批准的救助只能由审批工会撤销"))
            BudgetAllocation.objects.select_for_update().filter(pk=grant.allocation_id).first()
            BudgetAllocation.objects.filter(pk=grant.allocation_id).update(
                committed_amount=F("committed_amount") - grant.amount
            )
        else:
            raise _state_conflict(grant.get_state_display(), _("撤销"))
        grant.state, grant.cancel_reason, grant.cancelled_by, grant.cancelled_at = (
            GrantState.CANCELLED,
            reason,
            actor,
            now,
        )
        grant.save(update_fields=["state", "cancel_reason", "cancelled_by", "cancelled_at"])
        _event(grant, GrantEvent.Kind.CANCELLED, actor, now, note=reason)
        _tell_org(
            grant.org,
            title=_("救助已撤销：%(name)s") % {"name": grant.person_name},
            body=reason,
            url=_grant_url(grant),
            skip=actor,
        )
    return grant


def grant_propose_many(
    *, actor, campaign: AssistanceCampaign, file_ids: list[int], now: dt.datetime | None = None
) -> tuple[list[Grant], list[tuple[int, str]]]:
    """Propose standard grants for several filed hardship files; each succeeds or fails alone."""
    require_assistance_write(actor)
    made: list[Grant] = []
    failed: list[tuple[int, str]] = []
    for pk in file_ids:
        try:
            made.append(grant_propose(actor=actor, campaign=campaign, data={"hardship_file": pk}, now=now, quiet=True))
        except (Conflict, InvalidInput) as exc:
            failed.append((pk, exc.message))
    # One message per deciding union instead of one per person.
    by_allocation: dict[int, list[Grant]] = {}
    for grant in made:
        by_allocation.setdefault(grant.allocation_id, []).append(grant)
    for grants in by_allocation.values():
        with transaction.atomic():
            _tell_org(
                grants[0].allocation.org,
                title=_("新的救助申报待审批：%(campaign)s") % {"campaign": campaign.name},
                body=_("申报 %(n)s 人，合计 %(amount)s 元")
                % {"n": len(grants), "amount": sum((g.amount for g in grants), start=ZERO)},
                url=reverse("campaigns:grants") + f"?campaign={campaign.pk}&state=proposed",
                skip=actor,
            )
    return made, failed
