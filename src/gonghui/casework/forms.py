"""Forms of the casework pages and the reports. They check the shape of the input; the services
(casework.services) check the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.forms import DATE_WIDGET, ActorFormMixin, OrgField
from gonghui.rights.models import Category
from gonghui.web import BootstrapFormMixin

from .models import (
    AidType,
    FollowUpMethod,
    LegalAidOutcome,
    LegalAidStage,
    MediationResult,
)
from .selectors import OverdueFilters, ReportFilters

MONEY_WIDGET = forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"})
YES_NO = [("1", _("是")), ("0", _("否"))]
YES_NO_UNKNOWN = [("", _("未表态")), ("1", _("满意")), ("0", _("不满意"))]
SCORES = [(str(n), label) for n, label in ((5, _("5分 非常满意")), (4, _("4分 满意")), (3, _("3分 一般")),
                                           (2, _("2分 不满意")), (1, _("1分 非常不满意")))]  # fmt: skip


class RadioFormMixin(BootstrapFormMixin):
    """BootstrapFormMixin, with radio buttons styled as Bootstrap check inputs."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs["class"] = "form-check-input mt-0"


def _bool(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


def _money(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=0, max_digits=12, decimal_places=2, widget=MONEY_WIDGET
    )


class LegalAidForm(BootstrapFormMixin, forms.Form):
    aid_type = forms.ChoiceField(label=_("援助方式"), choices=AidType.choices)
    lawyer_name = forms.CharField(label=_("承办律师/法律工作者"), max_length=64)
    agency_name = forms.CharField(label=_("律师事务所/援助机构"), max_length=128)
    lawyer_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    stage = forms.ChoiceField(label=_("所处阶段"), choices=LegalAidStage.choices)
    case_number = forms.CharField(label=_("案号"), max_length=64, required=False)
    opened_on = forms.DateField(label=_("援助开始日期"), widget=DATE_WIDGET, initial=timezone.localdate)
    closed_on = forms.DateField(label=_("结案日期"), widget=DATE_WIDGET, required=False)
    outcome = forms.ChoiceField(label=_("结果"), choices=LegalAidOutcome.choices, initial=LegalAidOutcome.PENDING)
    amount_claimed = _money(_("主张金额（元）"))
    amount_recovered = _money(_("挽回金额（元）"))
    notes = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("amount_claimed", "amount_recovered"):
            if data[name] is None:
                data[name] = 0
        return data


class MediationForm(BootstrapFormMixin, forms.Form):
    worker_party = forms.CharField(label=_("职工一方"), max_length=255, help_text=_("如：李四等3名职工"))
    employer_name = forms.CharField(label=_("用人单位"), max_length=128)
    employer_uscc = forms.CharField(label=_("用人单位统一社会信用代码"), max_length=18, required=False)
    employer_representative = forms.CharField(label=_("用人单位代表"), max_length=64, required=False)
    mediator_name = forms.CharField(label=_("调解员"), max_length=64)
    mediator_org = forms.CharField(label=_("调解组织"), max_length=128)
    started_on = forms.DateField(label=_("开始调解日期"), widget=DATE_WIDGET, initial=timezone.localdate)
    notes = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class MediationSessionForm(BootstrapFormMixin, forms.Form):
    held_on = forms.DateField(label=_("调解日期"), widget=DATE_WIDGET, initial=timezone.localdate)
    place = forms.CharField(label=_("地点"), max_length=128)
    attendees = forms.CharField(label=_("参加人员"), max_length=255)
    summary = forms.CharField(label=_("调解情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class MediationResultForm(BootstrapFormMixin, forms.Form):
    result = forms.ChoiceField(label=_("调解结果"), choices=MediationResult.choices)
    agreement_amount = _money(_("协议金额（元）"))
    agreement_date = forms.DateField(label=_("协议日期"), widget=DATE_WIDGET, required=False)
    performed = forms.ChoiceField(
        label=_("协议履行情况"), required=False, choices=[("", _("未知")), ("1", _("已履行")), ("0", _("尚未履行"))]
    )
    performed_on = forms.DateField(label=_("履行日期"), widget=DATE_WIDGET, required=False)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["performed"] = _bool(data["performed"])
        return data


class FollowUpForm(RadioFormMixin, forms.Form):
    method = forms.ChoiceField(label=_("回访方式"), choices=FollowUpMethod.choices)
    contacted = forms.ChoiceField(label=_("联系上职工"), choices=YES_NO, widget=forms.RadioSelect, initial="1")
    satisfied = forms.ChoiceField(label=_("职工是否表示满意"), choices=YES_NO_UNKNOWN, required=False)
    answer = forms.CharField(
        label=_("职工反馈"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    score = forms.ChoiceField(
        label=_("职工在电话中给出的评分"),
        required=False,
        choices=[("", _("未评分（可由职工网上评价）")), *SCORES],
        help_text=_("职工尚未网上评价时，可按回访中的答复代为记录"),
    )
    comment = forms.CharField(
        label=_("评价内容"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "data": {
                "method": data["method"],
                "contacted": data["contacted"] == "1",
                "satisfied": _bool(data["satisfied"]),
                "answer": data["answer"],
            },
            "score": int(data["score"]) if data["score"] else None,
            "comment": data["comment"],
        }


class RatingForm(RadioFormMixin, forms.Form):
    """The worker's rating online, and the officer's record of it from a call."""

    score = forms.TypedChoiceField(label=_("评分"), choices=SCORES, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("评价内容"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OverdueFilterForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    org = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    within = OrgField(label=_("工会（含下级）"), required=False)
    escalated = forms.BooleanField(label=_("只看已督办"), required=False)
    major = forms.BooleanField(label=_("只看重大劳动事件"), required=False)

    def filters(self) -> OverdueFilters:
        if not self.is_bound or not self.is_valid():
            return OverdueFilters()
        data = self.cleaned_data
        return OverdueFilters(
            org_id=data["org"],
            within_id=data["within"].pk if data["within"] else None,
            escalated=data["escalated"],
            major=data["major"],
        )


class ReportFilterForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    date_from = forms.DateField(label=_("受理日期从"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("至"), required=False, widget=DATE_WIDGET)
    category = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("全部类别")), *Category.choices])
    org = OrgField(label=_("统计工会"), required=False, help_text=_("按其直属下级工会分行统计"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        if start and end and (end - start) > dt.timedelta(days=3 * 366):
            self.add_error("date_to", _("统计区间不能超过3年"))
        return data

    def filters(self) -> ReportFilters:
        default = ReportFilters.this_year()
        if not self.is_bound or not self.is_valid():
            return default
        data = self.cleaned_data
        start = data["date_from"] or default.date_from
        end = data["date_to"] or max(default.date_to, start)
        if end < start:
            end = start
        return ReportFilters(
            date_from=start,
            date_to=end,
            category=data["category"],
            org_id=data["org"].pk if data["org"] else None,
        )
