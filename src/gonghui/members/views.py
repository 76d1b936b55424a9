"""Pages of the member roll: search, detail with history, create/edit/transfer/status, import, export."""

from __future__ import annotations

import tempfile
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.accounts.personal_data import changes_for
from gonghui.core.errors import InvalidInput
from gonghui.core.exports import csv_response, xlsx_response
from gonghui.core.pagination import keyset_page
from gonghui.core.phone import mask_mobile
from gonghui.core.queues import total_label
from gonghui.web import client_ip, is_htmx, officer_view, run_service

from . import exports, imports, services
from .forms import ImportForm, MemberFilterForm, MemberForm, StatusForm, TransferForm, status_actions_for
from .models import Education, IdType, Member, MemberEvent, MemberStatus, NewEmploymentForm
from .search import search_notice
from .selectors import member_get_visible, member_history, member_list_visible_to, member_total

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_CSS: dict[str, str] = {
    MemberStatus.ACTIVE: "success",
    MemberStatus.RETAINED: "info",
    MemberStatus.TRANSFERRED: "secondary",
    MemberStatus.WITHDRAWN: "warning",
    MemberStatus.DECEASED: "dark",
}


def member_rows(members: list[Member]) -> list[dict[str, Any]]:
    return [
        {"m": m, "phone_masked": mask_mobile(m.phone) if m.phone else "", "status_css": STATUS_CSS.get(m.status)}
        for m in members
    ]


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return urlencode(merged)


@require_GET
@officer_view
def member_list(request):
    """Search and filters; an htmx request gets only the results fragment (live search)."""
    form = MemberFilterForm(request.GET or None, actor=request.user)
    filters = form.filters()
    cursor = request.GET.get("cursor") or None
    error = ""
    rows: list[Member] = []
    next_cursor = None
    if form.is_bound and not form.is_valid():
        error = _("筛选条件有误，请检查")
    else:
        try:
            rows, next_cursor = keyset_page(
                member_list_visible_to(actor=request.user, filters=filters), cursor=cursor, limit=PAGE_SIZE
            )
        except InvalidInput as exc:
            error = exc.message
    params = {k: v for k, v in request.GET.items() if k in form.fields}
    context = {
        "form": form,
        "picked": form.picked_org("org"),
        "rows": member_rows(rows),
        "error": error,
        "notice": search_notice(filters.q),
        "total": total_label(member_total(actor=request.user, filters=filters)) if not error else "",
        "first_page": not cursor,
        "next_url": f"?{_query(params, cursor=next_cursor)}" if next_cursor else "",
        "first_url": f"?{_query(params)}",
        "export_url": f"?{_query(params)}",
    }
    if is_htmx(request):
        return render(request, "members/_results.html", context)
    return render(request, "members/list.html", context)


@require_GET
@officer_view
def export(request):
    """The roll in scope (with the list's filters) as an XLSX download, or CSV with format=csv."""
    form = MemberFilterForm(request.GET or None, actor=request.user)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("筛选条件有误，请检查"))
        return redirect("members:list")
    name = _("会员名册-%(date)s") % {"date": timezone.localdate().strftime("%Y%m%d")}
    full_id = request.GET.get("full_id") == "1"  # the reveal right only (Forbidden otherwise), audited
    if request.GET.get("format") == "csv":
        headers, rows = exports.export_members_csv(actor=request.user, filters=form.filters(), full_id=full_id)
        return csv_response(headers, rows, export=exports.ROLL_CSV_EXPORT, filename=f"{name}.csv")
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to FileResponse, which closes it
    exports.export_members_xlsx(actor=request.user, filters=form.filters(), out=out, full_id=full_id)
    out.seek(0)
    return xlsx_response(out, filename=f"{name}.xlsx")


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def create(request):
    initial = {"org": request.GET.get("org")}  # the picker shows it only when in scope
    form = MemberForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        member = run_service(form, services.member_create, actor=request.user, data=form.service_data())
        if member is not None:
            messages.success(request, _("已登记会员：%(name)s") % {"name": member.name})
            return redirect("members:detail", member.pk)
    return render(
        request,
        "members/form.html",
        {"form": form, "member": None, "picked": form.picked_org("org"), "title": _("登记会员")},
        status=400 if form.is_bound else 200,
    )


# History: how the recorded fields read in Chinese.
def _labels() -> dict[str, str]:
    labels = {f.name: str(f.verbose_name) for f in Member._meta.fields}
    labels.update(id_number_masked=_("证件号码"), org=_("所在工会"), card_number=_("会员卡号"))
    return labels


_CHOICES = {
    "status": MemberStatus,
    "id_type": IdType,
    "education": Education,
    "new_employment_form": NewEmploymentForm,
}


def _value(field: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field in _CHOICES:
        try:
            return str(_CHOICES[field](value).label)
        except ValueError:
            return str(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def history_rows(*, actor, member: Member) -> list[dict[str, Any]]:
    labels = _labels()
    rows = []
    for event in member_history(actor=actor, member=member)[:200]:
        changes = []
        for field, pair in changes_for(actor, event.changes).items():
            before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
            changes.append(
                {"label": labels.get(field, field), "before": _value(field, before), "after": _value(field, after)}
            )
        where = event.member.org.name if event.member_id != member.pk else ""
        collapsed = event.kind in (MemberEvent.Kind.CREATED, MemberEvent.Kind.IMPORTED)
        rows.append({"event": event, "changes": changes, "where": where, "collapsed": collapsed})
    return rows


@require_GET
@officer_view
def detail(request, member_id: int):
    member = member_get_visible(actor=request.user, member_id=member_id)
    context = {
        "member": member,
        "status_css": STATUS_CSS.get(member.status),
        "history": history_rows(actor=request.user, member=member),
        "can_change_status": bool(status_actions_for(member)),
    }
    return render(request, "members/detail.html", context)


@require_POST
@officer_view
def reveal_id(request, member_id: int):
    """htmx: the full ID number in place of the masked one (audited by the service)."""
    member = member_get_visible(actor=request.user, member_id=member_id)
    number = services.member_reveal_id(actor=request.user, member=member, ip=client_ip(request))
    return render(request, "members/_revealed_id.html", {"number": number})


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def edit(request, member_id: int):
    member = member_get_visible(actor=request.user, member_id=member_id)
    form = MemberForm(request.POST or None, actor=request.user, member=member, initial=MemberForm.initial_from(member))
    if request.method == "POST" and form.is_valid():
        saved = run_service(form, services.member_update, actor=request.user, member=member, data=form.service_data())
        if saved is not None:
            messages.success(request, _("已保存"))
            return redirect("members:detail", member.pk)
    return render(
        request,
        "members/form.html",
        {"form": form, "member": member, "picked": None, "title": _("编辑会员信息")},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def transfer(request, member_id: int):
    member = member_get_visible(actor=request.user, member_id=member_id)
    form = TransferForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        moved = run_service(
            form,
            services.member_transfer,
            actor=request.user,
            member=member,
            to_org=form.cleaned_data["to_org"],
            note=form.cleaned_data["note"],
        )
        if moved is not None:
            messages.success(
                request, _("已办理会员接转：%(name)s 转入 %(org)s") % {"name": member.name, "org": moved.to_org.name}
            )
            return redirect("members:detail", moved.to_member_id)
    return render(
        request,
        "members/transfer.html",
        {"form": form, "member": member, "picked": form.picked_org("to_org")},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def change_status(request, member_id: int):
    member = member_get_visible(actor=request.user, member_id=member_id)
    form = StatusForm(request.POST or None, member=member, initial={"status": request.GET.get("to")})
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.member_change_status,
            actor=request.user,
            member=member,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
        if saved is not None:
            messages.success(request, _("会籍状态已变更"))
            return redirect("members:detail", member.pk)
    return render(
        request,
        "members/status.html",
        {"form": form, "member": member, "status_css": STATUS_CSS.get(member.status)},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def import_upload(request):
    """Upload a member list for a union; the import runs as a job whose page shows progress."""
    initial = {"org": request.GET.get("org")}  # the picker shows it only when in scope
    form = ImportForm(request.POST or None, request.FILES or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = run_service(
            form,
            imports.member_import_start,
            actor=request.user,
            org=form.cleaned_data["org"],
            filename=upload.name,
            fileobj=upload,
            skip_invalid=form.cleaned_data["skip_invalid"],
        )
        if job is not None:
            return redirect("jobs:detail", job.pk)
    return render(
        request,
        "members/import.html",
        {"form": form, "picked": form.picked_org("org")},
        status=400 if form.is_bound else 200,
    )


@require_GET
@officer_view
def import_template(request):
    return xlsx_response(imports.import_template_xlsx(), filename=_("会员导入模板.xlsx"))
