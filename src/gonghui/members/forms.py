"""Member page forms. They check the shape of the input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.ethnicity import ETHNICITY_CHOICES
from gonghui.orgs.forms import DATE_WIDGET, ActorFormMixin, OrgField
from gonghui.web import BootstrapFormMixin

from .models import Education, IdType, Member, MemberStatus, NewEmploymentForm
from .selectors import MemberFilters
from .services import ALLOWED_STATUS_CHANGES

# How each status change reads as an action (status value → label).
STATUS_ACTIONS = {
    MemberStatus.RETAINED: _("保留会籍"),
    MemberStatus.WITHDRAWN: _("退会"),
    MemberStatus.DECEASED: _("已故"),
    MemberStatus.ACTIVE: _("恢复为会员"),
}


def status_actions_for(member: Member) -> list[tuple[str, str]]:
    """The status changes an officer may make on this membership, as (status, action label)."""
    allowed = ALLOWED_STATUS_CHANGES.get(MemberStatus(member.status), set())
    return [(value, str(label)) for value, label in STATUS_ACTIONS.items() if value in allowed]


MIGRANT_CHOICES = [("", _("是否农民工：全部")), ("1", _("农民工")), ("0", _("非农民工"))]


class MemberFilterForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=64)
    org = OrgField(label=_("工会（含下级）"), required=False)
    status = forms.ChoiceField(
        label=_("会籍状态"), required=False, choices=[("", _("会籍状态：全部")), *MemberStatus.choices]
    )
    migrant = forms.ChoiceField(label=_("农民工"), required=False, choices=MIGRANT_CHOICES)
    new_employment_form = forms.ChoiceField(
        label=_("新就业形态"),
        required=False,
        choices=[("", _("新就业形态：全部")), *NewEmploymentForm.choices],
    )
    join_from = forms.DateField(label=_("入会日期从"), required=False, widget=DATE_WIDGET)
    join_to = forms.DateField(label=_("入会日期至"), required=False, widget=DATE_WIDGET)

    def filters(self) -> MemberFilters:
        if not self.is_bound or not self.is_valid():
            return MemberFilters()
        data = self.cleaned_data
        return MemberFilters(
            q=data["q"].strip(),
            org_id=data["org"].pk if data["org"] else None,
            status=data["status"],
            is_migrant_worker={"1": True, "0": False}.get(data["migrant"]),
            new_employment_form=data["new_employment_form"],
            join_date_from=data["join_from"],
            join_date_to=data["join_to"],
        )

    @property
    def has_advanced(self) -> bool:
        """Whether any filter besides the search box is set (the filter panel opens then)."""
        return self.is_bound and any(self.data.get(k) for k in self.fields if k != "q")


class MemberForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    """Create (with the union) or edit (without; a new ID number only when typed)."""

    org = OrgField(label=_("所在工会"), holds_members=True)
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=24,
        help_text=_("出生日期和性别由证件号码自动得出"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("手机号码"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    ethnicity = forms.ChoiceField(label=_("民族"), choices=ETHNICITY_CHOICES, initial="汉族")
    education = forms.ChoiceField(label=_("学历"), required=False, choices=[("", "—"), *Education.choices])
    employer_name = forms.CharField(label=_("工作单位"), max_length=128, required=False)
    employer_uscc = forms.CharField(label=_("单位统一社会信用代码"), max_length=18, required=False)
    join_date = forms.DateField(label=_("入会日期"), widget=DATE_WIDGET)
    is_migrant_worker = forms.BooleanField(label=_("农民工"), required=False)
    new_employment_form = forms.ChoiceField(
        label=_("新就业形态"), choices=NewEmploymentForm.choices, initial=NewEmploymentForm.NONE
    )

    def __init__(self, *args: Any, member: Member | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        if member is not None:
            del self.fields["org"]
            field = self.fields["id_number"]
            field.required = False
            field.help_text = _("当前：%(masked)s。不修改请留空。") % {"masked": member.id_number_masked}

    @classmethod
    def initial_from(cls, member: Member) -> dict[str, Any]:
        names = [n for n in cls.base_fields if n not in ("org", "id_number")]
        return {n: getattr(member, n) for n in names}

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.member is None:
            data["org"] = data["org"].pk
        elif not data.get("id_number"):
            data.pop("id_number", None)
        return data


class TransferForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    to_org = OrgField(label=_("转入工会"), holds_members=True)
    note = forms.CharField(label=_("备注"), max_length=255, required=False)


class StatusForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("变更为"))
    note = forms.CharField(label=_("说明"), max_length=255, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = status_actions_for(member)


class ImportForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    org = OrgField(label=_("导入到工会"), holds_members=True)
    file = forms.FileField(
        label=_("会员名单文件"),
        help_text=_("XLSX 或 CSV（UTF-8 或 GBK 编码），第一行为表头"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": _("请选择要上传的文件")},
    )
    skip_invalid = forms.BooleanField(
        label=_("跳过错误行"),
        required=False,
        help_text=_("不勾选时，只要有一行出错，整个文件都不导入"),
    )
