from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.bounds import RowIdField
from gonghui.core.errors import NotFound
from gonghui.web import BootstrapFormMixin

from .models import FederationLevel, Org, OrgKind
from .selectors import org_get_visible

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrgField(RowIdField):
    """A union in the actor's scope, picked with the autocomplete (`_org_picker.html`)."""

    widget = forms.HiddenInput

    def __init__(self, *, holds_members: bool = False, **kwargs: Any) -> None:
        self.holds_members = holds_members
        self.actor = None
        kwargs.setdefault("error_messages", {"required": _("请选择工会"), "invalid": _("请选择工会")})
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Org | None:  # type: ignore[override]
        pk = super().clean(value)
        if pk is None:
            return None
        try:
            return org_get_visible(actor=self.actor, org_id=pk)
        except NotFound:
            raise forms.ValidationError(_("所选工会不存在或不在您的管理范围内")) from None


class ActorFormMixin:
    """Forms that pick unions know who is asking, so choices stay in scope."""

    def __init__(self, *args: Any, actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field, OrgField):
                field.actor = actor

    def picked_org(self, name: str) -> Org | None:
        """The union currently chosen in field `name` (bound value or initial), if visible."""
        bound = self[name]  # type: ignore[index]
        value = bound.value()
        if isinstance(value, Org):
            return value
        try:
            return org_get_visible(actor=self.actor, org_id=value) if value not in (None, "") else None
        except NotFound:
            return None


class OrgForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=128)
    code = forms.CharField(
        label=_("组织代码"), max_length=32, help_text=_("全平台唯一，2至32位字母、数字、下划线或连字符")
    )
    kind = forms.ChoiceField(label=_("类型"), choices=OrgKind.choices)
    federation_level = forms.ChoiceField(
        label=_("总工会层级"),
        choices=[("", _("（非地方总工会不填）")), *FederationLevel.choices],
        required=False,
    )
    region_code = forms.CharField(
        label=_("行政区划代码"),
        max_length=6,
        help_text=_("6位 GB/T 2260 代码，如 110105"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    uscc = forms.CharField(label=_("工会法人统一社会信用代码"), max_length=18, required=False)
    chair_name = forms.CharField(label=_("工会主席"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    founded_on = forms.DateField(label=_("成立日期"), required=False, widget=DATE_WIDGET)
    term_start = forms.DateField(label=_("本届开始日期"), required=False, widget=DATE_WIDGET)
    term_end = forms.DateField(label=_("换届日期"), required=False, widget=DATE_WIDGET)

    @classmethod
    def initial_from(cls, org: Org) -> dict[str, Any]:
        return {name: getattr(org, name) for name in cls.base_fields}


class OrgMoveForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    parent = OrgField(label=_("新的上级工会"))


class OrgSearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=64)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部类型")), *OrgKind.choices])
    term = forms.ChoiceField(
        label=_("换届"),
        required=False,
        choices=[("", _("全部")), ("overdue", _("换届已逾期")), ("due_soon", _("90天内到期"))],
    )
