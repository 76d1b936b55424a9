"""Forms of the request pages (officer and worker). They check the shape; services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.core.bounds import INT32_MAX
from gonghui.orgs.forms import ActorFormMixin, OrgField
from gonghui.web import BootstrapFormMixin

from . import facts as fact_schema
from .models import CATEGORY_HELP, RIGHTS_CATEGORIES, SERVICE_CATEGORIES, Category, Channel, Complexity, State
from .selectors import RequestFilters, operator_choices, routable_regions, street_choices


def category_choices() -> list[tuple[Any, Any]]:
    """Grouped: 维权 and 服务, each label followed by its plain explanation."""
    return [
        (_("维权"), [(c.value, c.label) for c in RIGHTS_CATEGORIES]),
        (_("服务"), [(c.value, c.label) for c in SERVICE_CATEGORIES]),
    ]


def category_cards() -> list[dict[str, Any]]:
    return [
        {
            "value": c.value,
            "label": c.label,
            "help": CATEGORY_HELP[c],
            "group": "rights" if c in RIGHTS_CATEGORIES else "service",
        }
        for c in (*RIGHTS_CATEGORIES, *SERVICE_CATEGORIES)
    ]


class _FactsMixin(forms.Form):
    category = forms.ChoiceField(label=_("求助类别"), choices=category_choices)
    title = forms.CharField(label=_("标题"), max_length=120, help_text=_("一句话说明，如：某公司拖欠3个月工资"))
    description = forms.CharField(
        label=_("情况说明"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("发生了什么、什么时候、涉及多少钱、希望工会怎么帮"),
    )
    employer_name = forms.CharField(label=_("用人单位"), max_length=128, required=False)
    region_code = forms.ChoiceField(
        label=_("用人单位所在地区"), required=False, help_text=_("非会员按此转到当地工会办理；会员可不选")
    )
    workers_involved = forms.IntegerField(
        label=_("涉及职工人数"),
        min_value=1,
        max_value=INT32_MAX,
        initial=1,
        help_text=_("10人及以上按重大劳动事件立即上报"),
    )


def _fact_form_field(f: fact_schema.FactField) -> forms.Field:
    common: dict[str, Any] = {"label": f.label, "required": False, "help_text": f.help}
    if f.kind == fact_schema.CHOICE:
        return forms.ChoiceField(choices=[("", _("请选择")), *f.choices], **common)
    if f.kind == fact_schema.DATE:
        return forms.CharField(max_length=10, widget=forms.DateInput(attrs={"type": "date"}), **common)
    if f.kind in (fact_schema.MONEY, fact_schema.COUNT):
        mode = "decimal" if f.kind == fact_schema.MONEY else "numeric"
        return forms.CharField(max_length=20, widget=forms.TextInput(attrs={"inputmode": mode}), **common)
    if f.kind == fact_schema.PHONE:
        return forms.CharField(max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}), **common)
    return forms.CharField(max_length=f.max_len if f.kind != fact_schema.USCC else 24, **common)


class _FactFieldsMixin(forms.Form):
    """The category figures (rights.facts) as form fields named `fact_<name>`; the page shows the
    set of the category picked (every set without JavaScript, each under its category)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for _category, f in fact_schema.all_fact_fields():
            self.fields[f.form_name] = _fact_form_field(f)  # type: ignore[attr-defined]

    def fact_groups(self) -> list[dict[str, Any]]:
        return [
            {
                "category": category,
                "label": Category(category).label,
                "fields": [self[f.form_name] for f in fields],  # type: ignore[index]
            }
            for category, fields in fact_schema.FACT_FIELDS.items()
        ]

    def facts_data(self, data: dict[str, Any]) -> dict[str, Any]:
        """The service's `facts`: the figures of the category picked (others are dropped)."""
        for _category, f in fact_schema.all_fact_fields():
            data.pop(f.form_name, None)
        cleaned = self.cleaned_data  # type: ignore[attr-defined]
        return {
            f.name: cleaned.get(f.form_name)
            for f in fact_schema.fields_for(cleaned.get("category", ""))
            if cleaned.get(f.form_name) not in (None, "")
        }


class _RegionChoicesMixin:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = [("", _("请选择")), *routable_regions()]  # type: ignore[attr-defined]


class FileRequestForm(_RegionChoicesMixin, BootstrapFormMixin, _FactFieldsMixin, _FactsMixin):
    """Worker's online filing (files come from request.FILES['files'])."""

    requester_name = forms.CharField(
        label=_("您的姓名"), max_length=64, required=False, help_text=_("已实名认证的按认证姓名显示")
    )
    requester_phone = forms.CharField(
        label=_("联系电话"), max_length=20, required=False, help_text=_("默认为注册手机号")
    )

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["facts"] = self.facts_data(data)
        return data


_LOCAL_MINUTE = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class RecordCallForm(_RegionChoicesMixin, ActorFormMixin, BootstrapFormMixin, _FactFieldsMixin, _FactsMixin):
    channel = forms.ChoiceField(
        label=_("渠道"), choices=[(Channel.HOTLINE, Channel.HOTLINE.label), (Channel.WALK_IN, Channel.WALK_IN.label)]
    )
    requester_name = forms.CharField(label=_("求助人姓名"), max_length=64)
    requester_phone = forms.CharField(
        label=_("来电号码"), max_length=20, required=False, help_text=_("填写后可查询该号码以往的来电和申请")
    )
    operator = forms.TypedChoiceField(label=_("接线员"), coerce=int, required=False)
    call_started_at = forms.DateTimeField(label=_("通话开始"), required=False, widget=_LOCAL_MINUTE)
    call_ended_at = forms.DateTimeField(label=_("通话结束"), required=False, widget=_LOCAL_MINUTE)
    recording_ref = forms.CharField(label=_("录音编号"), max_length=64, required=False)
    received_at = forms.DateTimeField(
        label=_("来访时间"),
        required=False,
        widget=_LOCAL_MINUTE,
        help_text=_("事后补录时填写；来电以通话开始时间为准，不填为现在"),
    )
    street_org = forms.TypedChoiceField(
        label=_("乡镇(街道)工会（选填）"),
        coerce=int,
        required=False,
        help_text=_("非会员的诉求默认转所在区县总工会；选定街道则直接转该街道工会"),
    )
    id_number = forms.CharField(
        label=_("证件号码（选填）"),
        max_length=24,
        required=False,
        help_text=_("填写后按会员名册查找会员，转到其所在工会"),
    )
    handling_org = OrgField(label=_("承办工会（选填）"), required=False, help_text=_("不选则按会员关系或地区自动分派"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operator"].choices = operator_choices(actor=self.actor)  # type: ignore[attr-defined]
        self.fields["street_org"].choices = [("", _("不指定，转区县总工会")), *street_choices(actor=self.actor)]  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        org = data.pop("handling_org", None)
        data["handling_org"] = org.pk if org else None
        data["facts"] = self.facts_data(data)
        return data


class TrackForm(BootstrapFormMixin, forms.Form):
    """The public tracking page: the case number from the SMS and the phone's last four digits."""

    ref = forms.CharField(label=_("编号"), max_length=32, help_text=_("短信中的编号，如 WQ20261124-000123"))
    last4 = forms.CharField(
        label=_("手机号后4位"), min_length=4, max_length=4, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )


class RequestFilterForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=64)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("状态：全部")), *State.choices])
    category = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("类别：全部")), *Category.choices])
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=[("", _("渠道：全部")), *Channel.choices])
    org = OrgField(label=_("工会（含下级）"), required=False)
    overdue = forms.BooleanField(label=_("只看超期"), required=False)
    due = forms.ChoiceField(
        label=_("期限"),
        required=False,
        choices=[("", _("期限：全部")), ("overdue", _("已超期")), ("soon", _("两天内到期"))],
    )
    awaiting = forms.ChoiceField(
        label=_("待办"),
        required=False,
        choices=[("", _("待办：全部")), ("accept", _("待受理")), ("report", _("交办待反馈"))],
    )
    major = forms.BooleanField(label=_("只看重大劳动事件"), required=False)
    escalated = forms.BooleanField(label=_("提请本工会督办的"), required=False)
    mine = forms.BooleanField(label=_("只看本工会承办的"), required=False)
    open = forms.BooleanField(label=_("只看未办结"), required=False)

    def filters(self) -> RequestFilters:
        if not self.is_bound or not self.is_valid():
            return RequestFilters()
        d = self.cleaned_data
        return RequestFilters(
            q=d["q"].strip(),
            state=d["state"],
            category=d["category"],
            channel=d["channel"],
            org_id=d["org"].pk if d["org"] else None,
            overdue=d["overdue"],
            due=d["due"],
            awaiting=d["awaiting"],
            major=d["major"],
            escalated_to_me=d["escalated"],
            mine_only=d["mine"],
            open_only=d["open"],
        )


class AcceptForm(BootstrapFormMixin, forms.Form):
    complexity = forms.ChoiceField(label=_("复杂程度"), choices=Complexity.choices, initial=Complexity.ORDINARY)
    note = forms.CharField(label=_("受理意见"), max_length=2000, required=False)


class NoteForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)


class TransferForm(BootstrapFormMixin, forms.Form):
    to_org = forms.TypedChoiceField(label=_("转给"), coerce=int)
    note = forms.CharField(label=_("转办说明"), max_length=2000)

    def __init__(self, *args: Any, targets=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_org"].choices = [(o.pk, o.name) for o in targets]  # type: ignore[attr-defined]


class DispatchForm(BootstrapFormMixin, forms.Form):
    to_org = forms.TypedChoiceField(label=_("交办给"), coerce=int)
    instruction = forms.CharField(label=_("交办意见"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    due_days = forms.IntegerField(label=_("反馈期限（工作日）"), min_value=1, max_value=60, required=False)

    def __init__(self, *args: Any, targets=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_org"].choices = [(o.pk, o.name) for o in targets]  # type: ignore[attr-defined]


class ReportForm(BootstrapFormMixin, forms.Form):
    report = forms.CharField(label=_("办理结果"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(BootstrapFormMixin, forms.Form):
    resolution = forms.CharField(label=_("办理结果"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("不予受理理由"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class MessageForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("留言"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class OptionalReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, required=False)
