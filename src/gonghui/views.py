from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.accounts.permissions import can_access_assistance, can_read
from gonghui.assistance.models import FileState
from gonghui.assistance.selectors import FileFilters, file_list_visible_to
from gonghui.core.calendar_entry import (
    may_enter_schedule,
    read_schedule_upload,
    schedule_enter,
)
from gonghui.core.errors import InvalidInput
from gonghui.core.workbench import workbench_for
from gonghui.core.workdays import schedule_known
from gonghui.members.selectors import subtree_stats
from gonghui.orgs.selectors import org_scope_roots
from gonghui.rights.selectors import RequestFilters, request_list_visible_to
from gonghui.web import BootstrapFormMixin, form_errors_from, officer_view


@login_required
def home(request):
    """The workbench (工作台): what waits for the officer, most urgent first, then the figures of
    their union (see core.workbench for how each module adds its items)."""
    if not can_read(request.user):
        return render(request, "no_scope.html", status=403)
    entries = workbench_for(request.user)
    return render(
        request,
        "home.html",
        {
            "todo": [e for e in entries if e.count],
            "quiet": [e for e in entries if not e.count],
            "figures": union_figures(request.user),
        },
    )


def union_figures(actor) -> list[tuple]:
    """For each root of the actor's scope: the member counters the roll reads (gonghui.stats),
    open rights requests and filed hardship files (each the count of the list its card opens)."""
    out = []
    assistance = can_access_assistance(actor)
    for org in org_scope_roots(actor=actor):
        counts = subtree_stats(org=org)
        by_kind = counts["unions_by_kind"]
        counts["grassroots_unions"] = by_kind.get("grassroots", 0) + by_kind.get("joint_grassroots", 0)
        counts["open_requests"] = request_list_visible_to(
            actor=actor, filters=RequestFilters(org_id=org.pk, open_only=True)
        ).count()
        counts["hardship_files"] = (
            file_list_visible_to(actor=actor, filters=FileFilters(org_id=org.pk, state=FileState.FILED)).count()
            if assistance
            else None
        )
        out.append((org, counts))
    return out


class ScheduleForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年份"), min_value=2000, max_value=2100)
    holidays = forms.CharField(
        label=gettext_lazy("放假安排"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 8, "placeholder": "元旦 2027-01-01 至 2027-01-03\n春节 2027-02-06 至 2027-02-12"}
        ),
        help_text=gettext_lazy("照国务院办公厅通知逐项填写，每行一项：名称 开始日期 至 结束日期"),
    )
    workdays = forms.CharField(
        label=gettext_lazy("调休上班日"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "2027-02-20, 2027-09-26"}),
        help_text=gettext_lazy("通知中周六、周日上班的日期，用逗号或换行分隔"),
    )
    file = forms.FileField(
        label=gettext_lazy("或上传表格"),
        required=False,
        help_text=gettext_lazy(
            "CSV 或 Excel（.xlsx，不超过 1 MB）：名称、开始日期、结束日期三列；名称为“调休上班”的行是调休上班日"
        ),
    )


@officer_view
def calendar_entry(request):
    """节假日安排: enter next year's State Council schedule (top administrators only)."""
    if not may_enter_schedule(request.user):
        raise PermissionDenied(_("只有最上级工会的管理员可以录入节假日安排"))
    this_year = timezone.localdate().year
    form = ScheduleForm(request.POST or None, request.FILES or None, initial={"year": this_year + 1})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            holidays, workdays = data["holidays"], data["workdays"]
            if data.get("file"):
                holidays, workdays = read_schedule_upload(data["file"])
            result = schedule_enter(
                actor=request.user, year=data["year"], holidays_text=holidays, workdays_text=workdays
            )
        except InvalidInput as exc:
            form_errors_from(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(year)d 年节假日安排已录入：放假 %(off)d 天，调休上班 %(on)d 天；%(moved)d 个办理中的期限已按新安排重算。"
                )
                % {"year": result.year, "off": result.holidays, "on": result.workdays, "moved": result.moved},
            )
            return redirect("calendar_entry")
    years = [(y, schedule_known(y)) for y in range(this_year, this_year + 3)]
    return render(request, "calendar_entry.html", {"form": form, "years": years})
