"""One function per paper form, each returning the PDF bytes of that form filled from a record.

The callers (printing.views) have already fetched the record through its scoped selector and
decided how the ID number is shown (`id_number`: in full, audited, for an account with the reveal
right; else masked). These functions only draw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.assistance.models import HardshipCause, HardshipLevel, HealthStatus, HousingSituation, WorkStatus
from gonghui.campaigns.models import AssistanceCampaign, Grant, GrantState, Stage
from gonghui.members.models import Education, Gender, IdType, Member, MemberStatus, NewEmploymentForm
from gonghui.rights.models import ServiceRequest

from .sheet import (
    check,
    grid,
    label,
    listing,
    note,
    opinion,
    render,
    section,
    signatures,
    spacer,
    value,
)

# Column widths (mm) of the A4 portrait grids: 178 mm between the margins.
FOUR = (26, 58, 26, 68)
SIX_WITH_PHOTO = (22, 34, 18, 34, 34, 36)


def day(value: dt.date | dt.datetime | None) -> str:
    """2026年01月10日 (local time for moments); "" for none (left for the pen)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


def money(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:,.2f}"


def _display(choices, key: str) -> str:
    return str(dict(choices).get(key, "")) if key else ""


def campaign_title(campaign: AssistanceCampaign) -> str:
    """2026年送温暖 (a name that starts with its year keeps it once)."""
    year = str(campaign.year)
    return (
        campaign.name
        if campaign.name.startswith(year)
        else _("%(year)s年%(name)s") % {"year": year, "name": campaign.name}
    )


def yes_no(flag: bool) -> str:
    return check([(_("是"), flag), (_("否"), not flag)])


# ---- 入会申请书 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    """What the joining application shows, from an online application or a member record."""

    name: str
    gender: str
    birth_date: dt.date | None
    ethnicity: str
    education: str
    id_type: str
    id_number: str
    phone: str
    employer_name: str
    is_migrant_worker: bool
    new_employment_form: str
    org_name: str
    submitted: dt.date | dt.datetime | None
    decided: dt.date | dt.datetime | None = None
    decision: str = ""
    reference: str = ""


def join_application_pdf(applicant: Applicant) -> bytes:
    a = applicant
    rows = [
        [label(_("姓名")), value(a.name), label(_("性别")), value(_display(Gender.choices, a.gender)),
         value(_("（照片）"), rows=4)],
        [label(_("出生日期")), value(day(a.birth_date)), label(_("民族")), value(a.ethnicity)],
        [label(_("学历")), value(_display(Education.choices, a.education)), label(_("手机号码")), value(a.phone)],
        [label(_("证件类型")), value(_display(IdType.choices, a.id_type)), label(_("证件号码")), value(a.id_number)],
        [label(_("工作单位")), value(a.employer_name, span=4)],
        [label(_("农民工")), value(yes_no(a.is_migrant_worker)), label(_("新就业形态")),
         value(_display(NewEmploymentForm.choices, a.new_employment_form) or _("无"), span=2)],
        [label(_("申请加入")), value(a.org_name, span=4)],
    ]  # fmt: skip
    pledge = _(
        "本人自愿加入中华全国总工会，承认《中国工会章程》，履行会员义务，遵守工会纪律，"
        "按期交纳会费，积极参加工会活动。\n特此申请。"
    )
    blocks = [
        grid(rows, (26, 44, 24, 50, 34)),
        opinion(_("申请人声明"), pledge, signer=_("申请人签字"), stamp=False, date=day(a.submitted), height_mm=40),
        opinion(_("基层工会意见"), a.decision, signer=_("负责人签字"), date=day(a.decided), height_mm=40),
        spacer(3),
        note(_("注：本表由申请人填写（网上申请的由系统据申请信息生成），经基层工会批准后存入会员档案。")),
    ]
    return render(
        title=_("入会申请书"),
        blocks=blocks,
        left_note=_("申请日期：%(d)s") % {"d": day(a.submitted)},
        right_note=_("编号：%(ref)s") % {"ref": a.reference} if a.reference else "",
    )


# ---- 会员登记表 ----------------------------------------------------------------------------------


def member_registration_pdf(member: Member, *, id_number: str, phone: str) -> bytes:
    m = member
    transferred = ""
    source = m.transferred_from
    if source is not None:
        transferred = _("由%(org)s转入（原会员卡号 %(card)s）") % {"org": source.org.name, "card": source.card_number}
    rows = [
        [label(_("姓名")), value(m.name), label(_("性别")), value(m.get_gender_display()),
         value(_("（照片）"), rows=4)],
        [label(_("出生日期")), value(day(m.birth_date)), label(_("民族")), value(m.ethnicity)],
        [label(_("学历")), value(m.get_education_display()), label(_("手机号码")), value(phone)],
        [label(_("证件类型")), value(m.get_id_type_display()), label(_("证件号码")), value(id_number)],
        [label(_("工作单位")), value(m.employer_name, span=4)],
        [label(_("统一社会信用代码")), value(m.employer_uscc, span=4)],
        [label(_("所在工会")), value(m.org.name, span=4)],
        [label(_("入会日期")), value(day(m.join_date)), label(_("会员卡号")), value(m.card_number, span=2)],
        [label(_("会籍状态")), value(check([(str(label_), m.status == key) for key, label_ in MemberStatus.choices]),
                                    span=4)],
        [label(_("农民工")), value(yes_no(m.is_migrant_worker)), label(_("新就业形态")),
         value(m.get_new_employment_form_display(), span=2)],
        [label(_("会籍接转")), value(transferred or _("无"), span=4)],
        [label(_("备注")), value("", span=4)],
    ]  # fmt: skip
    blocks = [
        grid(rows, (28, 44, 24, 48, 34), heights_mm={11: 20}),
        spacer(6),
        signatures([_("填表人"), _("审核人"), _("基层工会（盖章）")], width_mm=178),
    ]
    return render(
        title=_("工会会员登记表"),
        blocks=blocks,
        left_note=_("填报单位：%(org)s") % {"org": m.org.name},
        right_note=_("会员卡号：%(card)s") % {"card": m.card_number},
    )


# ---- 困难职工帮扶审批表 --------------------------------------------------------------------------


def assistance_approval_pdf(grant: Grant, *, id_number: str, phone: str) -> bytes:
    g = grant
    file = g.hardship_file
    member = g.member
    gender = (file.gender if file else member.gender if member else "") or ""
    birth = file.birth_date if file else member.birth_date if member else None
    employer = (file.employer_name if file else member.employer_name if member else "") or ""
    causes = "、".join(_display(HardshipCause.choices, c) for c in (file.causes if file else [])) or ""
    if file and file.cause_note:
        causes = f"{causes}：{file.cause_note}" if causes else file.cause_note
    rows = [
        [label(_("姓名")), value(g.person_name), label(_("性别")), value(_display(Gender.choices, gender)),
         label(_("出生日期")), value(day(birth))],
        [label(_("证件号码")), value(id_number, span=3), label(_("联系电话")), value(phone)],
        [label(_("工作单位")), value(employer, span=3), label(_("所在工会")), value(g.org.name)],
        [label(_("家庭住址")), value(file.address if file else "", span=5)],
        [label(_("困难类别")), value(_display(HardshipLevel.choices, g.level or (file.level if file else ""))),
         label(_("家庭人口")), value(_("%(n)s 人") % {"n": file.household_size} if file else ""),
         label(_("住房情况")), value(_display(HousingSituation.choices, file.housing) if file else "")],
        [label(_("家庭月收入")), value(money(file.monthly_household_income) + _(" 元") if file else ""),
         label(_("人均月收入")), value(money(file.per_capita_income) + _(" 元") if file and file.per_capita_income is not None else ""),
         label(_("档案状态")), value(file.get_state_display() if file else _("未建档"))],
        [label(_("致困原因")), value(causes, span=5)],
    ]  # fmt: skip
    widths = (26, 32, 22, 34, 24, 40)
    household = list(file.household.all()) if file else []
    blocks = [grid(rows, widths)]
    if household:
        blocks += [
            spacer(2),
            section(_("家庭成员情况")),
            spacer(1),
            listing(
                [_("姓名"), _("与本人关系"), _("出生年份"), _("健康状况"), _("就业状况"), _("月收入（元）")],
                [
                    [
                        h.name,
                        h.relation,
                        h.birth_year or "",
                        _display(HealthStatus.choices, h.health),
                        _display(WorkStatus.choices, h.work_status),
                        money(h.monthly_income),
                    ]
                    for h in household
                ],
                (30, 26, 24, 32, 32, 34),
            ),
        ]
    request_rows = [
        [label(_("救助项目")), value(f"{campaign_title(g.campaign)}（{g.campaign.get_type_display()}）", span=3)],
        [label(_("救助事由")), value(g.reason or "", span=3)],
    ]
    if g.child_name or g.school:
        request_rows.append(
            [label(_("子女姓名")), value(g.child_name), label(_("就读学校及学段")),
             value(f"{g.school} {_display(Stage.choices, g.stage)}".strip())]
        )  # fmt: skip
    if g.medical_total is not None:
        request_rows.append(
            [label(_("医疗费用")),
             value(_("总额 %(t)s 元，医保等已报销 %(r)s 元，个人自付 %(s)s 元")
                   % {"t": money(g.medical_total), "r": money(g.medical_reimbursed), "s": money(g.medical_self_paid)},
                   span=3)]
        )  # fmt: skip
    request_rows.append(
        [
            label(_("申请金额")),
            value(_("%(a)s 元") % {"a": money(g.amount)}),
            label(_("申报日期")),
            value(day(g.proposed_at)),
        ]
    )
    blocks += [spacer(2), grid(request_rows, FOUR)]
    proposer = str(g.proposed_by) if g.proposed_by else ""
    grassroots = _("经核实，情况属实，同意申报。（系统申报：%(who)s）") % {"who": proposer} if proposer else ""
    decided = ""
    if g.state in (GrantState.APPROVED, GrantState.PAID):
        decided = _("同意救助，核定金额 %(a)s 元。（审批人：%(who)s）") % {
            "a": money(g.amount),
            "who": str(g.decided_by or ""),
        }
    elif g.state == GrantState.REJECTED:
        decided = _("不同意。理由：%(r)s") % {"r": g.reject_reason}
    blocks += [
        opinion(_("基层工会意见"), grassroots, signer=_("负责人签字"), date=day(g.proposed_at), height_mm=32),
        opinion(
            _("上级工会审批意见"),
            decided,
            signer=_("负责人签字"),
            date=day(g.decided_at) if decided else "",
            height_mm=32,
        ),
    ]
    paid = g.state == GrantState.PAID
    blocks += [
        grid(
            [
                [
                    label(_("发放方式")),
                    value(g.get_pay_method_display() if paid else ""),
                    label(_("实发金额")),
                    value(_("%(a)s 元") % {"a": money(g.paid_amount)} if paid else ""),
                ],
                [
                    label(_("发放日期")),
                    value(day(g.paid_on) if paid else ""),
                    label(_("经办人")),
                    value(g.payer if paid else ""),
                ],
                [label(_("领取人签字")), value("", span=3)],
            ],
            FOUR,
        ),
    ]
    return render(
        title=_("困难职工帮扶审批表"),
        blocks=blocks,
        left_note=_("申报单位：%(org)s") % {"org": g.org.name},
        right_note=_("编号：%(year)s-%(id)06d") % {"year": g.year, "id": g.pk},
    )


# ---- 救助金发放表 --------------------------------------------------------------------------------


def relief_payment_pdf(*, campaign: AssistanceCampaign, org_name: str, grants: Sequence[Grant]) -> bytes:
    total = Decimal("0")
    rows = []
    for n, g in enumerate(grants, start=1):
        paid = g.state == GrantState.PAID
        amount = (g.paid_amount or g.amount) if paid else g.amount
        total += amount
        rows.append(
            [
                n,
                g.person_name,
                g.id_number_masked,
                g.org.name,
                _display(HardshipLevel.choices, g.level),
                money(amount),
                g.get_pay_method_display() if paid else _("待发放"),
                day(g.paid_on) if paid else "",
                "",
            ]
        )
    headers = [
        _("序号"),
        _("姓名"),
        _("证件号码"),
        _("所在工会"),
        _("困难类别"),
        _("金额（元）"),
        _("发放方式"),
        _("发放日期"),
        _("领取人签字"),
    ]
    widths = (13, 22, 40, 62, 22, 25, 22, 28, 31)  # 265 mm: A4 landscape between the margins
    total_row = [_("合计"), _("%(n)s 人") % {"n": len(rows)}, "", "", "", money(total), "", "", ""]
    blocks = [
        listing(headers, rows, widths, total=total_row),
        spacer(6),
        signatures([_("经办人"), _("审核人"), _("负责人"), _("发放单位（盖章）")], width_mm=265),
    ]
    return render(
        title=_("%(campaign)s救助金发放表") % {"campaign": campaign_title(campaign)},
        blocks=blocks,
        left_note=_("发放单位：%(org)s") % {"org": org_name},
        right_note=_("救助类型：%(type)s") % {"type": campaign.get_type_display()},
        wide=True,
    )


# ---- 维权服务受理、办结记录 ----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    what: str
    org: str
    who: str
    note: str


def rights_record_pdf(
    req: ServiceRequest, *, phone: str, accepted_by: str, resolved_by: str, steps: Iterable[Step]
) -> bytes:
    r = req
    is_member = r.member_id is not None
    rows = [
        [label(_("求助人")), value(r.requester_name), label(_("联系电话")), value(phone)],
        [label(_("是否会员")), value(yes_no(is_member)), label(_("涉及人数")),
         value(_("%(n)s 人") % {"n": r.workers_involved})],
        [label(_("用人单位")), value(r.employer_name or "", span=3)],
        [label(_("诉求类别")), value(r.get_category_display()), label(_("来源渠道")), value(r.get_channel_display())],
        [label(_("诉求事项")), value(r.title, span=3)],
        [label(_("情况说明")), value(r.description, span=3)],
    ]  # fmt: skip
    accept_rows = [
        [label(_("受理时间")), value(day(r.accepted_at)), label(_("受理人")), value(accepted_by)],
        [label(_("承办工会")), value(r.handling_org.name if r.handling_org_id else "", span=3)],
        [label(_("复杂程度")), value(r.get_complexity_display()), label(_("办结期限")), value(day(r.resolve_due_at))],
        [label(_("重大劳动事件")), value(yes_no(r.is_major_incident), span=3)],
    ]  # fmt: skip
    if r.reject_reason:
        accept_rows.append([label(_("不予受理理由")), value(r.reject_reason, span=3)])
    blocks = [
        section(_("一、登记")),
        spacer(1),
        grid(rows, FOUR, line_mm=8),
        spacer(2),
        section(_("二、受理")),
        spacer(1),
        grid(accept_rows, FOUR, line_mm=8),
    ]
    step_rows = [[day(s.at), s.what, s.org, s.who, s.note] for s in steps]
    if step_rows:
        blocks += [
            spacer(2),
            section(_("三、办理过程")),
            spacer(1),
            listing(
                [_("日期"), _("事项"), _("工会"), _("经办人"), _("说明")],
                step_rows,
                (28, 24, 40, 22, 64),
                text_columns=(4,),
                pad=4,
            ),
        ]
    done_rows = [
        [label(_("办结时间")), value(day(r.resolved_at)), label(_("办结人")), value(resolved_by)],
        [label(_("办理结果")), value(r.resolution or "", span=3)],
    ]
    blocks += [
        spacer(2),
        section(_("四、办结") if step_rows else _("三、办结")),
        spacer(1),
        grid(done_rows, FOUR, line_mm=8, heights_mm={1: 24} if not r.resolution else None),
        opinion(_("求助人意见"), "", signer=_("求助人签字"), stamp=False, height_mm=22),
        opinion(_("承办工会意见"), "", signer=_("承办人签字"), height_mm=22),
    ]
    return render(
        title=_("职工维权服务受理及办结登记表"),
        blocks=blocks,
        left_note=_("登记日期：%(d)s") % {"d": day(r.created_at)},
        right_note=_("编号：%(ref)s") % {"ref": r.reference},
        footer=_("状态：%(state)s") % {"state": r.get_state_display()},
    )
