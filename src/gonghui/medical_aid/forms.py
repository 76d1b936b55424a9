"""Medical-aid page forms: they check the shape of the input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.bounds import RowIdField
from gonghui.orgs.forms import DATE_WIDGET, ActorFormMixin, OrgField
from gonghui.web import BootstrapFormMixin

from .models import AttachmentKind, Category, ClaimState, DeductibleBasis, PaymentMethod, PlanState

MONEY_WIDGET = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


def money_field(label, *, required: bool = True, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=MONEY_WIDGET,
        help_text=help_text,
    )


class PlanForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    organiser = OrgField(label=_("主办工会"), help_text=_("地方总工会或产业、区域工会联合会；计划适用于其全部下级工会"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("名称"), max_length=128)
    contribution = money_field(_("每人每年缴费（元）"))
    enrol_start = forms.DateField(label=_("参保登记开始"), widget=DATE_WIDGET)
    enrol_end = forms.DateField(label=_("参保登记截止"), widget=DATE_WIDGET)
    cover_start = forms.DateField(label=_("保障期开始"), widget=DATE_WIDGET)
    cover_end = forms.DateField(label=_("保障期结束"), widget=DATE_WIDGET)
    deductible = money_field(_("起付线（元）"))
    deductible_basis = forms.ChoiceField(label=_("起付线计算方式"), choices=DeductibleBasis.choices)
    per_claim_cap = money_field(_("单次最高补助（元）"))
    yearly_cap = money_field(_("年度最高补助（元）"), help_text=_("每名参保人在本计划年度内累计"))
    categories = forms.MultipleChoiceField(
        label=_("受理范围"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(
        label=_("说明"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-check-input"
        if locked:  # an open plan: the rules are fixed, only these stay editable
            keep = {"name", "description", "enrol_start", "enrol_end"}
            for name in list(self.fields):
                if name not in keep:
                    del self.fields[name]


def tiers_from_post(data) -> list[dict[str, str | None]]:
    """The tier editor's rows (tier_up_to / tier_percent lists); blank rows are skipped."""
    ups = data.getlist("tier_up_to")
    percents = data.getlist("tier_percent")
    rows = []
    for up, percent in zip(ups, percents, strict=False):
        up, percent = up.strip(), percent.strip()
        if not up and not percent:
            continue
        rows.append({"up_to": up or None, "percent": percent})
    return rows


class BulkEnrolForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    org = OrgField(label=_("工会（含下级）"))
    paid_on = forms.DateField(
        label=_("缴费日期"), required=False, widget=DATE_WIDGET, help_text=_("已统一缴费时填写；可稍后补记")
    )


class SingleEnrolForm(BootstrapFormMixin, forms.Form):
    member = forms.CharField(
        label=_("会员卡号或证件号码"), max_length=32, help_text=_("13位会员卡号，或18位公民身份号码")
    )
    paid_on = forms.DateField(label=_("缴费日期"), required=False, widget=DATE_WIDGET, help_text=_("可稍后补记"))


class ClaimForm(BootstrapFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    hospital = forms.CharField(label=_("医院"), max_length=128)
    diagnosis = forms.CharField(label=_("诊断"), max_length=255)
    admission_date = forms.DateField(label=_("入院（就诊）日期"), widget=DATE_WIDGET)
    discharge_date = forms.DateField(
        label=_("出院日期"), required=False, widget=DATE_WIDGET, help_text=_("住院必填；门诊不填")
    )
    total_cost = money_field(_("医疗总费用（元）"))
    insurance_paid = money_field(_("基本医保报销（元）"), help_text=_("医保结算单上的统筹支付等"))
    other_paid = money_field(_("其他报销（元）"), required=False, help_text=_("大病保险、商业保险、单位补助等"))
    excluded_amount = money_field(
        _("不予补助部分（元）"), required=False, help_text=_("自费药品、不在受理范围的项目等")
    )

    def __init__(self, *args: Any, plan=None, worker: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if plan is not None:
            covered = [c for c in Category.choices if c[0] in plan.categories]
            self.fields["category"].choices = covered  # type: ignore[attr-defined]
        if worker:
            del self.fields["excluded_amount"]

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(BootstrapFormMixin, forms.Form):
    excluded_amount = money_field(_("不予补助部分（元）"), required=False)
    note = forms.CharField(label=_("审核意见"), max_length=500, required=False)


class PayForm(BootstrapFormMixin, forms.Form):
    method = forms.ChoiceField(label=_("发放方式"), choices=PaymentMethod.choices)
    paid_on = forms.DateField(label=_("发放日期"), widget=DATE_WIDGET)
    amount = money_field(_("发放金额（元）"))
    voucher_no = forms.CharField(label=_("凭证号"), max_length=64, required=False, help_text=_("银行转账必填"))
    voucher = forms.FileField(label=_("发放凭证（可选）"), required=False)


class AttachForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("文件"), help_text=_("PDF、JPG 或 PNG，每个不超过 10 MB"))


class ClaimFilterForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("编号或姓名"), required=False, max_length=64)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("状态：全部")), *ClaimState.choices])
    category = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("类别：全部")), *Category.choices])
    org = OrgField(label=_("工会（含下级）"), required=False)
    plan = RowIdField(required=False, widget=forms.HiddenInput)


class PlanFilterForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("状态：全部")), *PlanState.choices])
