"""Officer pages of hardship files (/assistance/): list, file detail with timeline and actions,
create/edit forms, living standards and figures. All reads and writes go through selectors and
services; pages with personal hardship data need the assistance right (403 otherwise)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.accounts.permissions import can_access_assistance, can_write_assistance, require_assistance
from gonghui.core.errors import DomainError
from gonghui.core.queues import queue_listing
from gonghui.core.regions import region_full_name
from gonghui.web import client_ip, officer_view, run_service

from . import services
from .forms import (
    ConfirmForm,
    ExitForm,
    FactsForm,
    FiguresForm,
    FileFilterForm,
    HouseholdFormSet,
    LevelForm,
    NoteForm,
    ObjectionForm,
    PairingForm,
    PairingVisitForm,
    PersonForm,
    ReasonForm,
    StandardForm,
    VisitForm,
    household_initial,
    household_rows,
)
from .models import (
    EDITABLE_STATES,
    ExitReason,
    FileState,
    HardshipCause,
    HardshipFile,
    HardshipLevel,
    HelpType,
    HousingSituation,
    VisitPhoto,
)
from .rules import standard_for
from .selectors import (
    FILE_QUEUE,
    assistance_figures,
    file_access_log,
    file_get_visible,
    file_list_visible_to,
    file_timeline,
    file_view,
    in_scope,
    living_standard_get,
    living_standard_list,
    pairing_get_visible,
    pairing_list,
    pairing_officer_choices,
    verifying_org_for,
)

PAGE_SIZE = 50
STATE_CSS: dict[str, str] = {
    FileState.DRAFT: "secondary",
    FileState.SUBMITTED: "primary",
    FileState.VERIFIED: "info",
    FileState.IN_NOTICE: "warning",
    FileState.FILED: "success",
    FileState.RETURNED: "danger",
    FileState.EXITED: "dark",
    FileState.DECLINED: "dark",
}


def _need_right(request) -> None:
    if not can_access_assistance(request.user):
        raise PermissionDenied(_("此账号没有帮扶数据权限"))


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return urlencode(merged)


def _rows(files: list[HardshipFile], today: dt.date) -> list[dict[str, Any]]:
    return [
        {
            "f": f,
            "state_css": STATE_CSS.get(f.state, "secondary"),
            "overdue": f.state == FileState.FILED and f.next_review_due is not None and f.next_review_due < today,
            "due_soon": f.state == FileState.FILED
            and f.next_review_due is not None
            and today <= f.next_review_due <= today + dt.timedelta(days=30),
        }
        for f in files
    ]


@require_GET
@officer_view
def file_list(request):
    _need_right(request)
    form = FileFilterForm(request.GET or None, actor=request.user)
    cursor = request.GET.get("cursor") or None
    listing: dict[str, Any] = {"rows": [], "error": "", "first_page": not cursor}
    if form.is_bound and not form.is_valid():
        listing["error"] = _("筛选条件有误，请检查")
    else:
        params = {k: v for k, v in request.GET.items() if k in form.fields or k == "sort"}
        qs = file_list_visible_to(actor=request.user, filters=form.filters())
        listing = queue_listing(qs, spec=FILE_QUEUE, params=params, cursor=cursor, limit=PAGE_SIZE)
    files = listing.pop("rows")
    return render(
        request,
        "assistance/list.html",
        {
            **listing,
            "form": form,
            "picked": form.picked_org("org"),
            "rows": _rows(files, timezone.localdate()),
            "can_file": can_write_assistance(request.user),
        },
    )


def _file_forms(request, file: HardshipFile | None, *, creating: bool):
    data = request.POST if request.method == "POST" else None
    initial_person: dict[str, Any] = {}
    initial_facts: dict[str, Any] = {}
    initial_level: dict[str, Any] = {}
    household: list[dict[str, Any]] = []
    if file is not None:
        initial_person = {k: getattr(file, k) for k in ("name", "phone", "employer_name", "address", "region_code")}
        initial_facts = {
            k: getattr(file, k)
            for k in ("other_monthly_income", "household_size", "monthly_household_income", "causes", "cause_note",
                      "sudden_loss", "housing", "housing_note")
        }  # fmt: skip
        initial_level = {"level": file.level, "level_reason": file.level_reason}
        household = household_initial(file)
    elif request.GET.get("org"):
        initial_person = {"org": request.GET.get("org")}
    person = PersonForm(data, actor=request.user, editing=not creating, initial=initial_person, prefix="p")
    facts = FactsForm(data, initial=initial_facts, prefix="f")
    level = LevelForm(data, initial=initial_level, prefix="l")
    # Bound: the posted rows are the whole truth (with `initial`, rows equal to it would count
    # as "unchanged" and be dropped).
    hh = HouseholdFormSet(data, initial=None if data is not None else (household or None), prefix="h")
    return person, facts, level, hh


def _render_file_form(request, file, person, facts, level, hh, status=200):
    return render(
        request,
        "assistance/form.html",
        {
            "file": file,
            "person": person,
            "facts": facts,
            "level": level,
            "household": hh,
            "picked": person.picked_org("org") if "org" in person.fields else None,
            "levels": HardshipLevel.choices,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def file_create(request):
    _need_right(request)
    require_assistance(request.user)
    person, facts, level, hh = _file_forms(request, None, creating=True)
    if request.method == "POST":
        if all([person.is_valid(), facts.is_valid(), level.is_valid(), hh.is_valid()]):
            data = {**person.person(), **facts.facts(household_rows(hh)), **level.cleaned_data}
            created = run_service(person, services.file_create, actor=request.user, data=data)
            if created is not None:
                messages.success(request, _("已建立档案（草稿），请录入入户走访记录后提交审核"))
                return redirect("assistance:detail", created.pk)
        return _render_file_form(request, None, person, facts, level, hh, status=400)
    return _render_file_form(request, None, person, facts, level, hh)


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def file_edit(request, pk: int):
    _need_right(request)
    file = file_get_visible(actor=request.user, file_id=pk)
    if file.state not in EDITABLE_STATES:
        messages.error(request, _("当前状态不能修改档案"))
        return redirect("assistance:detail", pk)
    person, facts, level, hh = _file_forms(request, file, creating=False)
    if request.method == "POST":
        if all([person.is_valid(), facts.is_valid(), level.is_valid(), hh.is_valid()]):
            data = {**person.person(), **facts.facts(household_rows(hh)), **level.cleaned_data}
            if run_service(person, services.file_update, actor=request.user, file=file, data=data) is not None:
                messages.success(request, _("档案已保存"))
                return redirect("assistance:detail", pk)
        return _render_file_form(request, file, person, facts, level, hh, status=400)
    return _render_file_form(request, file, person, facts, level, hh)


def _action_forms(actor, file: HardshipFile, data=None, which: str = "") -> dict[str, Any]:
    """The forms this actor may use on this file now (bound only for the posted one)."""

    def bind(name: str):
        return data if name == which else None

    if not can_write_assistance(actor):
        return {}
    out: dict[str, Any] = {}
    today = timezone.localdate().isoformat()
    verifier = file.verifying_org or verifying_org_for(file.org)
    is_verifier = verifier is not None and in_scope(actor, verifier)
    if file.state in EDITABLE_STATES:
        out["submit"] = ConfirmForm(bind("submit"), prefix="submit")
        out["decline"] = ReasonForm(bind("decline"), prefix="decline")
    if file.state in (*EDITABLE_STATES, FileState.SUBMITTED, FileState.FILED):
        out["visit"] = VisitForm(bind("visit"), prefix="visit", initial={"visit_date": today})
    if file.state == FileState.SUBMITTED and is_verifier:
        out["verify"] = NoteForm(bind("verify"), prefix="verify")
    if file.state in (FileState.SUBMITTED, FileState.VERIFIED) and is_verifier:
        out["return"] = ReasonForm(bind("return"), prefix="return")
    if file.state == FileState.VERIFIED and is_verifier:
        out["notice"] = ConfirmForm(bind("notice"), prefix="notice")
    if file.state == FileState.IN_NOTICE:
        out["objection"] = ObjectionForm(bind("objection"), prefix="objection")
    if file.state == FileState.FILED:
        out["exit"] = ExitForm(bind("exit"), prefix="exit", initial={"exit_date": today})
        out["pair"] = PairingForm(
            bind("pair"),
            prefix="pair",
            officers=list(pairing_officer_choices(actor=actor, file=file)),
            initial={"start_date": today},
        )
    return out


ACTION_LABELS = {
    "submit": gettext_lazy("提交审核"),
    "decline": pgettext_lazy("按钮", "不予建档"),
    "visit": gettext_lazy("记录入户走访"),
    "verify": gettext_lazy("审核通过并开始公示"),
    "return": pgettext_lazy("按钮", "退回"),
    "notice": gettext_lazy("重新开始公示"),
    "objection": gettext_lazy("登记公示异议"),
    "exit": gettext_lazy("解困脱困"),
    "pair": gettext_lazy("安排结对帮扶"),
}


CHANGE_LABELS = {
    "name": gettext_lazy("姓名"),
    "phone_masked": gettext_lazy("手机号码"),
    "employer_name": gettext_lazy("工作单位"),
    "address": gettext_lazy("家庭住址"),
    "region_code": gettext_lazy("行政区划代码"),
    "monthly_household_income": gettext_lazy("家庭月收入"),
    "other_monthly_income": gettext_lazy("其他月收入"),
    "household_size": gettext_lazy("家庭人口"),
    "per_capita_income": gettext_lazy("人均月收入"),
    "causes": gettext_lazy("致困原因"),
    "sudden_loss": gettext_lazy("突发损失"),
    "housing": gettext_lazy("住房情况"),
    "level": gettext_lazy("认定类别"),
    "suggested_level": gettext_lazy("系统建议"),
    "household": gettext_lazy("家庭成员"),
    "next_review_due": gettext_lazy("下次复核"),
    "visit_date": gettext_lazy("走访日期"),
    "photos": gettext_lazy("附件数"),
    "working_days": gettext_lazy("公示工作日"),
    "ends": gettext_lazy("公示截止"),
    "officer": gettext_lazy("帮扶责任人"),
    "exit_reason": gettext_lazy("脱困原因"),
    "exit_date": gettext_lazy("脱困日期"),
    "help_type": gettext_lazy("帮扶形式"),
    "help_value": gettext_lazy("折合金额"),
}


def _change_rows(changes: dict[str, Any]) -> list[tuple[str, str]]:
    """Readable "what changed" lines: [before, after] pairs as "before → after"."""
    causes = dict(HardshipCause.choices)
    levels = {**dict(HardshipLevel.choices), "not_eligible": _("不符合建档条件")}

    def show(key: str, value: Any) -> str:
        if value in (None, "", []):
            return "—"
        if key == "causes" and isinstance(value, list):
            return "、".join(str(causes.get(c, c)) for c in value)
        if key in ("level", "suggested_level"):
            return str(levels.get(value, value))
        if key == "housing":
            return str(dict(HousingSituation.choices).get(value, value))
        if key == "exit_reason":
            return str(dict(ExitReason.choices).get(value, value))
        if key == "help_type":
            return str(dict(HelpType.choices).get(value, value))
        if isinstance(value, bool):
            return str(_("是") if value else _("否"))
        return str(value)

    rows = []
    for key, value in (changes or {}).items():
        label = str(CHANGE_LABELS.get(key, key))
        if (isinstance(value, list) and len(value) == 2 and key != "causes") or (
            key == "causes"
            and isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, list | None) for v in value)
        ):
            rows.append((label, f"{show(key, value[0])} → {show(key, value[1])}"))
        else:
            rows.append((label, show(key, value)))
    return rows


def _detail_context(request, file: HardshipFile, action_forms: dict[str, Any], failed: str = "") -> dict[str, Any]:
    today = timezone.localdate()
    pairings = list(pairing_list(actor=request.user, file=file).prefetch_related("visits"))
    std = standard_for(file.region_code, today.year)
    return {
        "file": file,
        "state_css": STATE_CSS.get(file.state, "secondary"),
        "household": list(file.household.all()),
        "visits": list(file.visits.prefetch_related("photos")),
        "timeline": [
            {"e": e, "changes": _change_rows(e.changes)} for e in file_timeline(actor=request.user, file=file)
        ],
        "access_log": file_access_log(actor=request.user, file=file),
        "pairings": [
            {
                "p": p,
                "visits": list(p.visits.all()),
                "visit_form": PairingVisitForm(prefix=f"pv{p.pk}", initial={"visit_date": today.isoformat()})
                if p.is_active and (p.officer_id == request.user.pk or can_write_assistance(request.user))
                else None,
                "can_end": p.is_active and can_write_assistance(request.user),
            }
            for p in pairings
        ],
        "forms": action_forms,
        "labels": ACTION_LABELS,
        "failed": failed,
        "standard": std,
        "region_name": region_full_name(file.region_code),
        "verifier": file.verifying_org or verifying_org_for(file.org),
        "overdue": file.state == FileState.FILED and file.next_review_due and file.next_review_due < today,
        "notice_end_day": timezone.localtime(file.notice_ends_at - dt.timedelta(seconds=1)).date()
        if file.notice_ends_at
        else None,
        "can_edit": file.state in EDITABLE_STATES and can_write_assistance(request.user),
        "can_reverify": file.state == FileState.FILED and can_write_assistance(request.user),
    }


@require_GET
@officer_view
def file_detail(request, pk: int):
    _need_right(request)
    file = file_view(actor=request.user, file_id=pk, ip=client_ip(request))
    return render(request, "assistance/detail.html", _detail_context(request, file, _action_forms(request.user, file)))


@require_POST
@officer_view(write=True)
def file_action(request, pk: int, action: str):
    """One POST endpoint per action; on refusal the detail page re-renders with the form's errors."""
    _need_right(request)
    if action not in ACTION_LABELS:
        raise Http404(_("页面不存在"))
    file = file_get_visible(actor=request.user, file_id=pk)
    forms_now = _action_forms(request.user, file, request.POST, action)
    form = forms_now.get(action)
    if form is None:
        raise PermissionDenied(_("当前状态或账号不能进行此操作"))
    if form.is_valid():
        d = form.cleaned_data
        actor = request.user
        calls = {
            "submit": lambda: services.file_submit(actor=actor, file=file),
            "decline": lambda: services.file_decline(actor=actor, file=file, reason=d["reason"]),
            "visit": lambda: services.home_visit_add(
                actor=actor, file=file, data=d, photos=request.FILES.getlist("photos")
            ),
            "verify": lambda: services.file_verify(
                actor=actor, file=file, note=d["note"], level=d["level"], level_reason=d["level_reason"]
            ),
            "return": lambda: services.file_return(actor=actor, file=file, reason=d["reason"]),
            "notice": lambda: services.file_start_notice(actor=actor, file=file),
            "objection": lambda: services.file_record_objection(actor=actor, file=file, content=d["content"]),
            "exit": lambda: services.file_exit(
                actor=actor, file=file, reason=d["reason"], exit_date=d["exit_date"], note=d["note"]
            ),
            "pair": lambda: services.pairing_create(
                actor=actor, file=file, officer_id=d["officer"], start_date=d["start_date"], note=d["note"]
            ),
        }
        if run_service(form, calls[action]) is not None:
            messages.success(request, _("已完成：%(action)s") % {"action": ACTION_LABELS[action]})
            return redirect("assistance:detail", pk)
    file = file_get_visible(actor=request.user, file_id=pk)
    return render(
        request,
        "assistance/detail.html",
        _detail_context(request, file, {**_action_forms(request.user, file), action: form}, failed=action),
        status=400,
    )


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def file_reverify(request, pk: int):
    _need_right(request)
    file = file_get_visible(actor=request.user, file_id=pk)
    if file.state != FileState.FILED:
        messages.error(request, _("只有已建档的档案可以复核"))
        return redirect("assistance:detail", pk)
    _person, facts, level, hh = _file_forms(request, file, creating=False)
    if request.method == "POST" and all([facts.is_valid(), level.is_valid(), hh.is_valid()]):
        data = {**facts.facts(household_rows(hh)), **level.cleaned_data, "note": request.POST.get("note", "")}
        if run_service(facts, services.file_reverify, actor=request.user, file=file, data=data) is not None:
            messages.success(request, _("年度复核已完成"))
            return redirect("assistance:detail", pk)
    return render(
        request,
        "assistance/reverify.html",
        {"file": file, "facts": facts, "level": level, "household": hh},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@officer_view
def pairing_visit(request, pk: int):
    _need_right(request)
    pairing = pairing_get_visible(actor=request.user, pairing_id=pk)
    form = PairingVisitForm(request.POST, prefix=f"pv{pairing.pk}")
    if form.is_valid():
        try:
            services.pairing_visit_add(actor=request.user, pairing=pairing, data=form.cleaned_data)
            messages.success(request, _("帮扶走访已记录"))
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message) from None
            messages.error(request, exc.message)
    else:
        messages.error(
            request, _("帮扶走访记录有误：%(e)s") % {"e": "; ".join(str(m) for ms in form.errors.values() for m in ms)}
        )
    return redirect("assistance:detail", pairing.file_id)


@require_POST
@officer_view(write=True)
def pairing_end(request, pk: int):
    _need_right(request)
    pairing = pairing_get_visible(actor=request.user, pairing_id=pk)
    try:
        services.pairing_end(actor=request.user, pairing=pairing, end_date=request.POST.get("end_date") or None)
        messages.success(request, _("已结束结对"))
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
    return redirect("assistance:detail", pairing.file_id)


@require_GET
@officer_view
def visit_photo(request, pk: int, photo_pk: int):
    """A visit photo, served only after the file's scope and the right are checked."""
    _need_right(request)
    file = file_get_visible(actor=request.user, file_id=pk)
    photo = VisitPhoto.objects.filter(pk=photo_pk, visit__file=file).first()
    if photo is None:
        raise Http404(_("附件不存在"))
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type, filename=photo.original_name)


@require_http_methods(["GET", "POST"])
@officer_view
def standards(request, pk: int | None = None):
    """Living standards: every officer reads them; federation officers with the right edit."""
    current = living_standard_get(actor=request.user, standard_id=pk, for_edit=True) if pk else None
    initial = (
        {k: getattr(current, k) for k in ("region_code", "year", "minimum_living", "low_income",
                                           "notice_working_days", "note")}
        if current
        else {"year": timezone.localdate().year}
    )  # fmt: skip
    form = StandardForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form, services.living_standard_save, actor=request.user, data=form.cleaned_data, standard=current
        )
        if saved is not None:
            messages.success(request, _("生活保障标准已保存"))
            return redirect("assistance:standards")
    rows = [{"s": s, "region": region_full_name(s.region_code)} for s in living_standard_list(actor=request.user)]
    return render(
        request,
        "assistance/standards.html",
        {"form": form, "rows": rows, "current": current},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@officer_view
def figures(request):
    """Counts per union (no personal data: any officer in scope may read them)."""
    form = FiguresForm(request.GET or None, actor=request.user)
    org_id = year = None
    if form.is_bound and form.is_valid():
        org_id = form.cleaned_data["org"].pk if form.cleaned_data.get("org") else None
        year = form.cleaned_data.get("year")
    data = assistance_figures(actor=request.user, org_id=org_id, year=year)
    levels = list(HardshipLevel.choices)
    chart = {
        "unions": [r.org.name for r in data.rows],
        "series": [
            {"name": str(label), "data": [r.files_by_level.get(v, 0) for r in data.rows]} for v, label in levels
        ],
    }
    return render(
        request,
        "assistance/figures.html",
        {
            "form": form,
            "picked": form.picked_org("org"),
            "data": data,
            "levels": levels,
            "chart": chart,
            "causes": HardshipCause.choices,
        },
    )
