"""Forms of the joining pages. They check the shape of the input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.bounds import RowIdField
from gonghui.core.ethnicity import ETHNICITY_CHOICES
from gonghui.members.models import Education, NewEmploymentForm
from gonghui.orgs.forms import ActorFormMixin, OrgField
from gonghui.portal.forms import RegisterForm, VerifyForm
from gonghui.web import BootstrapFormMixin

from .models import JoinState, PromptState, TransferState
from .services import APPLICATION_FIELDS


class ApplicationFieldsForm(BootstrapFormMixin, forms.Form):
    """The member-roll fields a worker fills in (name and ID number come from the real-name binding)."""

    phone = forms.CharField(
        label=_("联系电话"),
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel", "maxlength": "11"}),
    )
    employer_name = forms.CharField(
        label=_("工作单位"), max_length=128, required=False, help_text=_("骑手、司机等可填所在平台或站点")
    )
    employer_uscc = forms.CharField(
        label=_("单位统一社会信用代码"), max_length=18, required=False, help_text=_("选填，18位")
    )
    new_employment_form = forms.ChoiceField(
        label=_("新就业形态"), choices=NewEmploymentForm.choices, initial=NewEmploymentForm.NONE
    )
    is_migrant_worker = forms.BooleanField(label=_("我是农民工（农业户籍、在城镇务工）"), required=False)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=ETHNICITY_CHOICES, initial="汉族")
    education = forms.ChoiceField(label=_("学历"), choices=[("", _("请选择")), *Education.choices], required=False)

    def service_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in APPLICATION_FIELDS if k in self.cleaned_data}


class IdentityFields(VerifyForm):
    """Real-name binding inside the application form (for a worker not yet verified)."""


class NewAccountFields(RegisterForm):
    """Phone, SMS code and password inside the application form (for a worker without an account)."""


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("未批准原因"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("将通过站内消息和短信告知申请人"),
    )


class ApplicationFilterForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("状态：全部")), *JoinState.choices], initial=""
    )
    org = OrgField(label=_("工会（含下级）"), required=False)
    overdue = forms.BooleanField(label=_("只看超期"), required=False)
    due = forms.ChoiceField(
        label=_("期限"),
        required=False,
        choices=[("", _("期限：全部")), ("overdue", _("已超期")), ("soon", _("两天内到期"))],
    )


class TransferFilterForm(BootstrapFormMixin, forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("状态：全部")), *TransferState.choices])
    direction = forms.ChoiceField(
        label=_("方向"),
        required=False,
        choices=[("", _("转入和转出")), ("in", _("转入本级及下级")), ("out", _("从本级及下级转出"))],
    )


class UnionSearchForm(forms.Form):
    q = forms.CharField(label=_("工作单位或工会名称"), max_length=64, required=False)
    province = forms.CharField(required=False, max_length=6)
    city = forms.CharField(required=False, max_length=6)
    county = forms.CharField(required=False, max_length=6)
    no_union = forms.BooleanField(required=False)

    def region(self) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        for key in ("county", "city", "province"):
            if data.get(key):
                return data[key]
        return ""


class OfficerTransferForm(BootstrapFormMixin, forms.Form):
    to_org = RowIdField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("接转原因"), max_length=255, required=False)


class WorkerTransferForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("接转原因"), max_length=255, required=False, help_text=_("如：更换工作单位、迁居"))


class PromptForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    state = forms.ChoiceField(label=_("处理结果"), choices=PromptState.choices)
    founded_org = OrgField(label=_("新建的工会"), required=False, help_text=_("已建会时可关联新建的基层工会"))
    note = forms.CharField(label=_("备注"), max_length=255, required=False)
