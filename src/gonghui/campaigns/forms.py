"""Forms of the campaign pages. They check the shape; the services check the rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.models import HardshipLevel
from gonghui.core.bounds import RowIdField
from gonghui.orgs.forms import DATE_WIDGET, ActorFormMixin, OrgField
from gonghui.web import BootstrapFormMixin

from .models import CampaignState, CampaignType, Eligibility, GrantState, PayMethod, Stage

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # str | lazy str; a dev-only (stubs) package

MONEY_WIDGET = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


def _money_field(label, *, required: bool = False, help_text: StrOrPromise = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, min_value=0, max_digits=14, decimal_places=2, widget=MONEY_WIDGET,
        help_text=help_text,
    )  # fmt: skip


class CampaignForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    type = forms.ChoiceField(label=_("活动类型"), choices=CampaignType.choices)
    name = forms.CharField(label=_("活动名称"), max_length=120)
    organiser = OrgField(label=_("组织单位"), help_text=_("本活动在该工会及其下级范围内开展"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE_WIDGET)
    eligibility = forms.ChoiceField(label=_("救助对象"), choices=Eligibility.choices)
    budget = _money_field(_("活动总预算（元）"), required=True)
    yearly_cap = _money_field(
        _("每人年度救助上限（元）"), help_text=_("同一人本年度在所有活动中获得的救助合计不超过此数；不填则不限")
    )
    default_standard = _money_field(_("默认救助标准（元/人）"))
    description = forms.CharField(
        label=_("说明"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, editing=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for level in HardshipLevel:
            self.fields[f"level_{level.value}"] = _money_field(level.label)
        for stage in Stage:
            self.fields[f"stage_{stage.value}"] = _money_field(stage.label)
        for name, field in self.fields.items():
            if name.startswith(("level_", "stage_")):
                field.widget.attrs["class"] = "form-control"
        self.editing = editing
        if editing is not None:
            del self.fields["organiser"]
            if editing.state != CampaignState.DRAFT:
                for name in ("type", "year", "eligibility"):
                    self.fields[name].disabled = True

    @classmethod
    def initial_for(cls, campaign, budget) -> dict[str, Any]:
        standards = campaign.standards or {}
        data = {
            "type": campaign.type,
            "name": campaign.name,
            "year": campaign.year,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "eligibility": campaign.eligibility,
            "budget": budget,
            "yearly_cap": campaign.yearly_cap,
            "default_standard": standards.get("default"),
            "description": campaign.description,
        }
        for key, value in (standards.get("levels") or {}).items():
            data[f"level_{key}"] = value
        for key, value in (standards.get("stages") or {}).items():
            data[f"stage_{key}"] = value
        return data

    def level_fields(self):
        return [self[f"level_{level.value}"] for level in HardshipLevel]

    def stage_fields(self):
        return [self[f"stage_{stage.value}"] for stage in Stage]

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        standards: dict[str, Any] = {
            "default": d.get("default_standard"),
            "levels": {lv.value: d[f"level_{lv.value}"] for lv in HardshipLevel if d.get(f"level_{lv.value}")},
            "stages": {st.value: d[f"stage_{st.value}"] for st in Stage if d.get(f"stage_{st.value}")},
        }
        data = {
            "type": d["type"],
            "name": d["name"],
            "year": d["year"],
            "starts_on": d["starts_on"],
            "ends_on": d["ends_on"],
            "eligibility": d["eligibility"],
            "yearly_cap": d.get("yearly_cap"),
            "standards": standards,
            "description": d.get("description", ""),
        }
        if self.editing is not None and self.editing.state != CampaignState.DRAFT:
            for name in ("type", "year", "eligibility"):
                data.pop(name)
        return data


class CampaignFilterForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    type = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("类型：全部")), *CampaignType.choices])
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("状态：全部")), *CampaignState.choices])


class AllocationForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    org = OrgField(label=_("分配给（下级工会）"))
    amount = _money_field(_("金额（元）"), required=True)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class AllocationEditForm(BootstrapFormMixin, forms.Form):
    amount = _money_field(_("金额（元）"), required=True)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class GrantFilterForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("姓名"), required=False, max_length=64)
    campaign = RowIdField(required=False, widget=forms.HiddenInput)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("状态：全部")), *GrantState.choices])
    type = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("类型：全部")), *CampaignType.choices])
    org = OrgField(label=_("工会（含下级）"), required=False)


class ProposeForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    """One grant: from a filed hardship file, or (open campaigns) an application."""

    source = forms.ChoiceField(
        label=_("救助对象来源"),
        choices=[("file", _("困难职工档案")), ("application", _("个人申请"))],
        widget=forms.RadioSelect,
        initial="file",
    )
    hardship_file = forms.TypedChoiceField(label=_("困难职工"), required=False, coerce=int, empty_value=None)
    person_name = forms.CharField(label=_("姓名"), required=False, max_length=64)
    id_number = forms.CharField(label=_("身份证号码"), required=False, max_length=24)
    org = OrgField(label=_("所在工会"), required=False)
    reason = forms.CharField(
        label=_("救助事由"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    amount = _money_field(_("救助金额（元）"), help_text=_("不填则按活动标准"))
    child_name = forms.CharField(label=_("子女姓名"), required=False, max_length=64)
    school = forms.CharField(label=_("就读学校"), required=False, max_length=128)
    stage = forms.ChoiceField(label=_("学段"), required=False, choices=[("", "—"), *Stage.choices])
    medical_total = _money_field(_("医疗费用总额（元）"))
    medical_reimbursed = _money_field(_("医保等已报销（元）"))

    def __init__(self, *args: Any, campaign, files, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        cast(forms.TypedChoiceField, self.fields["hardship_file"]).choices = [("", _("请选择"))] + [
            (f.pk, f"{f.name} · {f.id_number_masked} · {f.org.name} · {f.get_level_display()}") for f in files
        ]
        self.fields["source"].widget.attrs["class"] = "form-check-input"
        if campaign.eligibility != Eligibility.OPEN:
            cast(forms.ChoiceField, self.fields["source"]).choices = [("file", _("困难职工档案"))]
        if not campaign.is_education:
            for name in ("child_name", "school", "stage"):
                del self.fields[name]
        if not campaign.is_medical:
            for name in ("medical_total", "medical_reimbursed"):
                del self.fields[name]

    def service_data(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        source = d.pop("source")
        org = d.pop("org", None)
        if source == "file":
            for name in ("person_name", "id_number"):
                d.pop(name, None)
        else:
            d.pop("hardship_file", None)
            d["org"] = org.pk if org else None
        return {k: v for k, v in d.items() if v not in (None, "")}


class ApproveForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("审批意见"), required=False, max_length=2000)


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class BatchPayForm(BootstrapFormMixin, forms.Form):
    """The payment of several approved grants at their approved amounts."""

    method = forms.ChoiceField(label=_("发放方式"), choices=PayMethod.choices)
    paid_on = forms.DateField(label=_("发放日期"), widget=DATE_WIDGET)
    payer = forms.CharField(label=_("经办人"), required=False, max_length=64)


class PayForm(BootstrapFormMixin, forms.Form):
    method = forms.ChoiceField(label=_("发放方式"), choices=PayMethod.choices)
    paid_on = forms.DateField(label=_("发放日期"), widget=DATE_WIDGET)
    paid_amount = _money_field(_("实发金额（元）"), help_text=_("不填则为批准金额"))
    payer = forms.CharField(label=_("经办人"), required=False, max_length=64)
    voucher = forms.FileField(
        label=_("发放凭证（选填）"),
        required=False,
        help_text=_("PDF、JPG 或 PNG，不超过 5 MB"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
