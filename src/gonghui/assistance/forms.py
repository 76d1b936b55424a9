"""Forms of the assistance pages (officer and worker). They check the shape; services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.members.models import IdType
from gonghui.orgs.forms import ActorFormMixin, OrgField
from gonghui.web import BootstrapFormMixin

from .models import (
    ExitReason,
    FileState,
    HardshipCause,
    HardshipLevel,
    HealthStatus,
    HelpType,
    HousingSituation,
    WorkStatus,
)
from .selectors import FileFilters


def _blank(choices) -> list[tuple[str, Any]]:
    return [("", "—"), *choices.choices]


class FileFilterForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("姓名或证件号码"), required=False, max_length=64)
    org = OrgField(label=_("工会（含下级）"), required=False)
    level = forms.ChoiceField(label=_("困难类别"), required=False, choices=[("", _("全部")), *HardshipLevel.choices])
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *FileState.choices])
    cause = forms.ChoiceField(label=_("致困原因"), required=False, choices=[("", _("全部")), *HardshipCause.choices])
    review = forms.ChoiceField(
        label=_("复核"),
        required=False,
        choices=[
            ("", _("全部")),
            ("due", _("30天内到期或已逾期")),
            ("overdue", _("已逾期")),
            ("soon", _("30天内到期")),
        ],
    )
    source = forms.ChoiceField(
        label=_("来源"),
        required=False,
        choices=[("", _("全部")), ("worker", _("职工申请")), ("officer", _("工会建档"))],
    )

    mine = forms.BooleanField(label=_("我结对帮扶的"), required=False)

    def filters(self) -> FileFilters:
        if not self.is_bound or not self.is_valid():
            return FileFilters()
        d = self.cleaned_data
        org = d.get("org")
        return FileFilters(
            q=d.get("q") or "",
            org_id=org.pk if org else None,
            level=d.get("level") or "",
            state=d.get("state") or "",
            cause=d.get("cause") or "",
            review=d.get("review") or "",
            source=d.get("source") or "",
            paired_with_me=bool(d.get("mine")),
        )


class HouseholdForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    relation = forms.CharField(
        label=_("与本人关系"), max_length=16, required=False, help_text=_("本人、配偶、子女、父母等")
    )
    birth_year = forms.IntegerField(label=_("出生年份"), required=False, min_value=1900, max_value=2100)
    health = forms.ChoiceField(label=_("健康状况"), choices=HealthStatus.choices, initial=HealthStatus.HEALTHY)
    work_status = forms.ChoiceField(label=_("就业状况"), choices=_blank(WorkStatus), required=False)
    monthly_income = forms.DecimalField(
        label=_("月收入（元）"), required=False, min_value=0, max_digits=10, decimal_places=2
    )

    def row(self) -> dict[str, Any] | None:
        d = self.cleaned_data
        if not d or not (d.get("name") or d.get("relation")):
            return None
        return {
            "name": d.get("name") or "",
            "relation": d.get("relation") or "",
            "birth_year": d.get("birth_year"),
            "health": d.get("health") or "healthy",
            "work_status": d.get("work_status") or "",
            "monthly_income": str(d.get("monthly_income") or 0),
        }


HouseholdFormSet = forms.formset_factory(HouseholdForm, extra=2, max_num=20)


def household_rows(formset) -> list[dict[str, Any]]:
    return [row for f in formset.forms if (row := f.row()) is not None]


def household_initial(file) -> list[dict[str, Any]]:
    return [
        {
            "name": h.name,
            "relation": h.relation,
            "birth_year": h.birth_year,
            "health": h.health,
            "work_status": h.work_status,
            "monthly_income": h.monthly_income,
        }
        for h in file.household.all()
    ]


class FactsForm(BootstrapFormMixin, forms.Form):
    """Income, causes and housing (officer create/edit/re-verify, worker application)."""

    other_monthly_income = forms.DecimalField(
        label=_("其他月收入（元）"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=_("养老金、补贴、租金等家庭成员收入以外的收入"),
    )
    household_size = forms.IntegerField(
        label=_("家庭人口"), required=False, min_value=1, max_value=20, help_text=_("未逐一填写家庭成员时填写")
    )
    monthly_household_income = forms.DecimalField(
        label=_("家庭月收入（元）"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=_("未逐一填写家庭成员时填写；填写成员后按成员收入合计"),
    )
    causes = forms.MultipleChoiceField(
        label=_("致困原因（可多选）"), choices=HardshipCause.choices, widget=forms.CheckboxSelectMultiple
    )
    cause_note = forms.CharField(
        label=_("致困情况说明"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    sudden_loss = forms.BooleanField(label=_("因灾害或意外造成突发损失"), required=False)
    housing = forms.ChoiceField(label=_("住房情况"), choices=_blank(HousingSituation), required=False)
    housing_note = forms.CharField(label=_("住房情况说明"), required=False, max_length=255)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Checkboxes, not text boxes (BootstrapFormMixin styles only single checkboxes so).
        self.fields["causes"].widget.attrs["class"] = "form-check-input"

    def facts(self, household: list[dict[str, Any]]) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {
            "household": household,
            "other_monthly_income": str(d.get("other_monthly_income") or 0),
            "causes": d.get("causes") or [],
            "cause_note": d.get("cause_note") or "",
            "sudden_loss": bool(d.get("sudden_loss")),
            "housing": d.get("housing") or "",
            "housing_note": d.get("housing_note") or "",
        }
        if not household:
            out["household_size"] = d.get("household_size")
            out["monthly_household_income"] = (
                str(d["monthly_household_income"]) if d.get("monthly_household_income") is not None else None
            )
        return out


class LevelForm(BootstrapFormMixin, forms.Form):
    level = forms.ChoiceField(label=_("认定困难类别"), choices=_blank(HardshipLevel), required=False)
    level_reason = forms.CharField(
        label=_("认定理由"), required=False, max_length=255, help_text=_("认定类别与系统建议不同时必填")
    )


class PersonForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    org = OrgField(label=_("建档工会"), holds_members=True)
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("证件号码"), max_length=24)
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    employer_name = forms.CharField(label=_("工作单位"), max_length=128, required=False)
    address = forms.CharField(label=_("家庭住址"), max_length=200, required=False)
    region_code = forms.CharField(
        label=_("行政区划代码"), max_length=6, required=False, help_text=_("不填则按建档工会所在地区")
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("org", "id_type", "id_number"):
                del self.fields[name]

    def person(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        if "org" in d:
            d["org"] = d["org"].pk if d["org"] else None
        return {k: v for k, v in d.items() if not (k == "region_code" and not v)}


class VisitForm(BootstrapFormMixin, forms.Form):
    visit_date = forms.DateField(label=_("走访日期"), widget=forms.DateInput(attrs={"type": "date"}))
    visitors = forms.CharField(label=_("走访人员"), max_length=200)
    findings = forms.CharField(label=_("走访情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=255, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("审核意见"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    level = forms.ChoiceField(label=_("调整困难类别"), choices=_blank(HardshipLevel), required=False)
    level_reason = forms.CharField(label=_("调整理由"), required=False, max_length=255)


class ObjectionForm(BootstrapFormMixin, forms.Form):
    content = forms.CharField(label=_("异议内容"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmForm(BootstrapFormMixin, forms.Form):
    pass


class ExitForm(BootstrapFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("脱困原因"), choices=ExitReason.choices)
    exit_date = forms.DateField(label=_("脱困日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), max_length=255, required=False)


class PairingForm(BootstrapFormMixin, forms.Form):
    officer = forms.ChoiceField(label=_("帮扶责任人"))
    start_date = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备注"), max_length=255, required=False)

    def __init__(self, *args: Any, officers=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["officer"]).choices = [("", "—")] + [
            (u.pk, f"{u}（{u.org.name}）") for u in officers
        ]


class PairingVisitForm(BootstrapFormMixin, forms.Form):
    visit_date = forms.DateField(label=_("走访日期"), widget=forms.DateInput(attrs={"type": "date"}))
    content = forms.CharField(label=_("帮扶内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    help_type = forms.ChoiceField(label=_("帮扶形式"), choices=HelpType.choices)
    help_value = forms.DecimalField(
        label=_("折合金额（元）"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    next_steps = forms.CharField(label=_("下一步计划"), max_length=500, required=False)


class StandardForm(BootstrapFormMixin, forms.Form):
    region_code = forms.CharField(
        label=_("行政区划代码"), max_length=6, help_text=_("省、市或县级代码，如 110000、110105")
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    minimum_living = forms.DecimalField(
        label=_("最低生活保障标准（元/人·月）"), min_value=0, max_digits=8, decimal_places=2
    )
    low_income = forms.DecimalField(label=_("低收入标准（元/人·月）"), min_value=0, max_digits=8, decimal_places=2)
    notice_working_days = forms.IntegerField(
        label=_("公示期（工作日）"), required=False, min_value=1, max_value=30, help_text=_("不填为5个工作日")
    )
    note = forms.CharField(label=_("备注"), max_length=255, required=False)


class FiguresForm(ActorFormMixin, BootstrapFormMixin, forms.Form):
    org = OrgField(label=_("工会"), required=False)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)


class ApplyForm(FactsForm):
    """The worker's online application: address plus the facts (household rows in a formset)."""

    address = forms.CharField(label=_("家庭住址"), max_length=200, required=False)
