"""Officer pages of mutual medical aid (/medical-aid/): plans with the tier editor and a payout
calculator, enrolment per union with bulk enrolment, the claims queue, a claim with its payout
breakdown and review actions, and figures per union with a chart."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.accounts.permissions import can_access_assistance, can_write, can_write_assistance
from gonghui.core.errors import DomainError, InvalidInput, NotFound
from gonghui.core.pagination import keyset_page
from gonghui.core.queues import queue_listing
from gonghui.jobs.selectors import job_get_visible
from gonghui.members.selectors import member_current_by_number
from gonghui.orgs.selectors import org_get_visible
from gonghui.web import client_ip, form_errors_from, is_htmx, officer_view, run_action, run_service

from . import enrolment as bulk
from . import services
from .attachments import attachment_response
from .forms import (
    ApproveForm,
    AttachForm,
    BulkEnrolForm,
    ClaimFilterForm,
    ClaimForm,
    PayForm,
    PlanFilterForm,
    PlanForm,
    ReasonForm,
    SingleEnrolForm,
    tiers_from_post,
)
from .models import ClaimState, MedicalAidPlan, PlanState
from .rules import to_money
from .selectors import (
    CLAIM_QUEUE,
    ClaimFilters,
    EnrolmentFilters,
    attachment_get_visible,
    claim_access_log,
    claim_events,
    claim_list,
    claims_by_state,
    enrolment_get_visible,
    enrolment_list,
    enrolment_usage,
    plan_figures,
    plan_get_visible,
    plan_is_managed_by,
    plan_list,
    plan_scope_org,
)

PAGE_SIZE = 50
STATE_CSS: dict[str, str] = {
    ClaimState.SUBMITTED: "warning",
    ClaimState.UNDER_REVIEW: "primary",
    ClaimState.RETURNED: "secondary",
    ClaimState.APPROVED: "info",
    ClaimState.REJECTED: "dark",
    ClaimState.PAID: "success",
}
PLAN_CSS: dict[str, str] = {PlanState.DRAFT: "secondary", PlanState.OPEN: "success", PlanState.CLOSED: "dark"}


def mask_name(name: str) -> str:
    """李四 → 李*, 欧阳娜娜 → 欧***: lists show only the family name's first character."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def _assistance(request) -> None:
    if not can_access_assistance(request.user):
        raise PermissionDenied(_("此账号没有帮扶数据权限"))


def _assistance_write(request) -> None:
    if not can_write_assistance(request.user):
        raise PermissionDenied(
            _("此账号没有帮扶数据权限") if not can_access_assistance(request.user) else _("只读账号不能修改数据")
        )


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return urlencode(merged)


# ---- plans ----------------------------------------------------------------------------------


@require_GET
@officer_view
def plans(request):
    form = PlanFilterForm(request.GET or None)
    year = state = None
    if form.is_bound and form.is_valid():
        year, state = form.cleaned_data["year"], form.cleaned_data["state"]
    rows = list(plan_list(actor=request.user, year=year, state=state or "")[:200])
    return render(
        request,
        "medical_aid/plans.html",
        {"form": form, "rows": [{"plan": p, "css": PLAN_CSS.get(p.state)} for p in rows]},
    )


def _tier_rows(tiers: Any) -> list[dict[str, Any]]:
    rows = [{"up_to": t.get("up_to") or "", "percent": t.get("percent") or ""} for t in tiers]
    while len(rows) < max(4, min(10, len(tiers) + 2)):
        rows.append({"up_to": "", "percent": ""})
    return rows


DEFAULT_TIERS = [
    {"up_to": "10000", "percent": "50"},
    {"up_to": "50000", "percent": "60"},
    {"up_to": None, "percent": "70"},
]


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def plan_create(request):
    year = timezone.localdate().year
    initial = {
        "organiser": request.GET.get("organiser") or getattr(request.user.org, "pk", None),
        "year": year,
        "enrol_start": f"{year}-01-01",
        "enrol_end": f"{year}-03-31",
        "cover_start": f"{year}-01-01",
        "cover_end": f"{year}-12-31",
        "deductible": "1000",
        "per_claim_cap": "30000",
        "yearly_cap": "50000",
        "categories": ["inpatient", "serious_outpatient"],
    }
    form = PlanForm(request.POST or None, actor=request.user, initial=initial)
    tiers = tiers_from_post(request.POST) if request.method == "POST" else DEFAULT_TIERS
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "organiser": form.cleaned_data["organiser"].pk, "tiers": tiers}
        plan = run_service(form, services.plan_create, actor=request.user, data=data)
        if plan is not None:
            messages.success(request, _("已创建计划：%(name)s（草稿）") % {"name": plan.name})
            return redirect("medical_aid:plan", plan.pk)
    return render(
        request,
        "medical_aid/plan_form.html",
        {
            "form": form,
            "plan": None,
            "tiers": _tier_rows(tiers),
            "picked": form.picked_org("organiser"),
            "title": _("新建医疗互助计划"),
        },
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def plan_edit(request, pk: int):
    plan = plan_get_visible(actor=request.user, plan_id=pk)
    if not plan_is_managed_by(actor=request.user, plan=plan):
        raise PermissionDenied(_("只有主办工会及其上级可以修改此计划"))
    if plan.state == PlanState.CLOSED:
        messages.error(request, _("计划已结束，不能修改"))
        return redirect("medical_aid:plan", plan.pk)
    locked = plan.state == PlanState.OPEN
    initial = {f: getattr(plan, f) for f in services.PLAN_FIELDS if f != "tiers"}
    initial["organiser"] = plan.organiser_id
    form = PlanForm(request.POST or None, actor=request.user, initial=initial, locked=locked)
    tiers = tiers_from_post(request.POST) if request.method == "POST" and not locked else plan.tiers
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("organiser", None)
        if not locked:
            data["tiers"] = tiers
        updated = run_service(form, services.plan_update, actor=request.user, plan=plan, data=data)
        if updated is not None:
            messages.success(request, _("已保存"))
            return redirect("medical_aid:plan", plan.pk)
    return render(
        request,
        "medical_aid/plan_form.html",
        {
            "form": form,
            "plan": plan,
            "tiers": _tier_rows(tiers),
            "locked": locked,
            "picked": plan.organiser,
            "title": _("修改计划"),
        },
        status=400 if form.is_bound else 200,
    )


def tier_rows(tiers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tiers as ranges (from, to, percent) for display."""
    rows, lower = [], "0.00"
    for t in tiers:
        rows.append({"from": lower, "to": t.get("up_to"), "percent": t.get("percent")})
        lower = t.get("up_to") or lower
    return rows


@require_GET
@officer_view
def plan_detail(request, pk: int):
    plan = plan_get_visible(actor=request.user, plan_id=pk)
    total, _rows = plan_figures(actor=request.user, plan=plan)
    return render(
        request,
        "medical_aid/plan_detail.html",
        {
            "plan": plan,
            "css": PLAN_CSS.get(plan.state),
            "manages": plan_is_managed_by(actor=request.user, plan=plan) and can_write(request.user),
            "total": total,
            "scope_org": total.org,
            "tier_rows": tier_rows(plan.tiers),
        },
    )


def _plan_action(request, pk: int, service, done: str):
    plan = plan_get_visible(actor=request.user, plan_id=pk)
    run_action(request, service, success=done, actor=request.user, plan=plan)
    return redirect("medical_aid:plan", plan.pk)


@require_POST
@officer_view(write=True)
def plan_open(request, pk: int):
    return _plan_action(request, pk, services.plan_open, _("计划已启动，开始参保登记"))


@require_POST
@officer_view(write=True)
def plan_close(request, pk: int):
    return _plan_action(request, pk, services.plan_close, _("计划已结束"))


@require_GET
@officer_view
def payout_preview(request, pk: int):
    """htmx fragment: the payout of an eligible amount under the plan's rules (nothing saved)."""
    plan = plan_get_visible(actor=request.user, plan_id=pk)
    error, result = "", None
    try:
        eligible = to_money(request.GET.get("eligible") or "0", field="eligible", label=_("可补助金额"))
        assert eligible is not None
        result = services.payout_preview(plan=plan, eligible=eligible)
    except InvalidInput as exc:
        error = exc.message
    return render(request, "medical_aid/_breakdown.html", {"b": result.breakdown if result else None, "error": error})


# ---- enrolment ------------------------------------------------------------------------------


def _base_org(request, plan: MedicalAidPlan):
    org_id = request.GET.get("org") or request.POST.get("org")
    if org_id:
        org = org_get_visible(actor=request.user, org_id=org_id)
        if not org.path.startswith(plan.organiser.path):
            raise NotFound(_("该工会不在此计划范围内"))
        return org
    return plan_scope_org(actor=request.user, plan=plan)


@require_GET
@officer_view
def enrolment(request, pk: int):
    plan = plan_get_visible(actor=request.user, plan_id=pk)
    _assistance(request)
    try:
        org = _base_org(request, plan)
    except NotFound:
        org = plan_scope_org(actor=request.user, plan=plan)
    total, rows = plan_figures(actor=request.user, plan=plan, org=org)
    cursor = request.GET.get("cursor") or None
    q = request.GET.get("q", "").strip()[:64]
    page, next_cursor = keyset_page(
        enrolment_list(actor=request.user, plan=plan, filters=EnrolmentFilters(org_id=org.pk, q=q)),
        cursor=cursor,
        limit=PAGE_SIZE,
    )
    job = None
    if request.GET.get("job"):
        try:
            job = job_get_visible(actor=request.user, job_id=request.GET["job"])
        except NotFound:
            job = None
    form = BulkEnrolForm(actor=request.user, initial={"org": org.pk})
    params = {"org": org.pk, "q": q}
    return render(
        request,
        "medical_aid/enrolment.html",
        {
            "plan": plan,
            "org": org,
            "total": total,
            "rows": rows,
            "enrolments": [{"e": e, "name": mask_name(e.member.name)} for e in page],
            "next_url": f"?{_query(params, cursor=next_cursor)}" if next_cursor else "",
            "first_page": not cursor,
            "q": q,
            "form": form,
            "one_form": SingleEnrolForm(),
            "job": job if job is not None and job.kind == bulk.JOB_KIND else None,
            "window_open": plan.state == PlanState.OPEN and plan.enrol_start <= timezone.localdate() <= plan.enrol_end,
            "can_enrol": can_write_assistance(request.user),
        },
    )


@require_POST
@officer_view(write=True)
def enrol(request, pk: int):
    plan = plan_get_visible(actor=request.user, plan_id=pk)
    _assistance_write(request)
    form = BulkEnrolForm(request.POST, actor=request.user)
    if not form.is_valid():
        messages.error(request, _("请选择工会"))
        return redirect("medical_aid:enrolment", plan.pk)
    org = form.cleaned_data["org"]
    done, outcome = run_action(
        request, bulk.enrol_bulk, actor=request.user, plan=plan, org=org, paid_on=form.cleaned_data["paid_on"]
    )
    if not done:
        return redirect(f"{_url('medical_aid:enrolment', plan.pk)}?org={org.pk}")
    if outcome.job is not None:
        messages.info(request, _("人数较多，已转入后台办理，可在本页查看进度"))
        return redirect(f"{_url('medical_aid:enrolment', plan.pk)}?{_query({'org': org.pk, 'job': outcome.job.pk})}")
    messages.success(request, _("已为 %(n)s 名会员办理参保（已参保的人员不重复登记）") % {"n": outcome.created})
    return redirect(f"{_url('medical_aid:enrolment', plan.pk)}?org={org.pk}")


@require_POST
@officer_view(write=True)
def enrol_one(request, pk: int):
    """Enrol one member, found by card number or ID number in the officer's scope."""
    plan = plan_get_visible(actor=request.user, plan_id=pk)
    _assistance_write(request)
    back = redirect("medical_aid:enrolment", plan.pk)
    form = SingleEnrolForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写会员卡号或证件号码"))
        return back
    member = member_current_by_number(actor=request.user, term=form.cleaned_data["member"])
    if member is None:
        messages.error(request, _("在您的管理范围内找不到该会员（请输入13位会员卡号或18位证件号码）"))
        return back
    run_action(
        request,
        services.enrolment_create,
        success=_("已为 %(name)s 办理参保") % {"name": mask_name(member.name)},
        actor=request.user,
        plan=plan,
        member=member,
        paid_on=form.cleaned_data["paid_on"],
    )
    return redirect(
        f"{_url('medical_aid:enrolment', plan.pk)}?{_query({'org': member.org_id, 'q': member.card_number})}"
    )


@require_GET
@officer_view
def job_progress(request, job_id: int):
    """htmx fragment polled while a bulk enrolment job runs."""
    _assistance(request)
    job = job_get_visible(actor=request.user, job_id=job_id)
    if job.kind != bulk.JOB_KIND:
        raise NotFound(_("任务不存在"))
    return render(request, "medical_aid/_job.html", {"job": job})


@require_POST
@officer_view(write=True)
def enrolment_cancel(request, pk: int):
    _assistance_write(request)
    item = enrolment_get_visible(actor=request.user, enrolment_id=pk)
    run_action(
        request,
        services.enrolment_cancel,
        success=_("已退出本计划"),
        actor=request.user,
        enrolment=item,
        reason=request.POST.get("reason", ""),
    )
    return redirect(f"{_url('medical_aid:enrolment', item.plan_id)}?org={item.union_id}")


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def claim_new(request, pk: int):
    """An officer files a claim for an enrolled member (paper documents brought in)."""
    _assistance_write(request)
    item = enrolment_get_visible(actor=request.user, enrolment_id=pk)
    form = ClaimForm(request.POST or None, request.FILES or None, plan=item.plan)
    if request.method == "POST" and form.is_valid():
        uploads = _uploads(request)
        claim = run_service(
            form, services.claim_create, actor=request.user, enrolment=item, data=form.service_data(), uploads=uploads
        )
        if claim is not None:
            messages.success(request, _("已登记申请 %(ref)s") % {"ref": claim.reference})
            return redirect("medical_aid:claim", claim.pk)
    return render(
        request,
        "medical_aid/claim_form.html",
        {"form": form, "enrolment": item, "usage": enrolment_usage(item)},
        status=400 if form.is_bound else 200,
    )


def _uploads(request) -> list[tuple[str, Any]]:
    uploads: list[tuple[str, Any]] = []
    for kind in ("invoice", "discharge_summary", "settlement", "other"):
        uploads.extend((kind, f) for f in request.FILES.getlist(f"files_{kind}"))
    return uploads


# ---- claims ---------------------------------------------------------------------------------


@require_GET
@officer_view
def claims(request):
    _assistance(request)
    form = ClaimFilterForm(request.GET or None, actor=request.user)
    filters = ClaimFilters()
    error = ""
    if form.is_bound:
        if form.is_valid():
            d = form.cleaned_data
            filters = ClaimFilters(
                state=d["state"],
                category=d["category"],
                q=d["q"],
                org_id=d["org"].pk if d["org"] else None,
                plan_id=d["plan"],
            )
        else:
            error = _("筛选条件有误，请检查")
    cursor = request.GET.get("cursor") or None
    listing: dict[str, Any] = {"rows": [], "first_page": not cursor}
    if not error:
        params = {k: v for k, v in request.GET.items() if k in form.fields or k == "sort"}
        qs = claim_list(actor=request.user, filters=filters)
        listing = queue_listing(qs, spec=CLAIM_QUEUE, params=params, cursor=cursor, limit=PAGE_SIZE)
        error = listing.pop("error")
    rows = listing.pop("rows")
    context = {
        **listing,
        "form": form,
        "picked": form.picked_org("org"),
        "rows": [{"c": c, "name": mask_name(c.enrolment.member.name), "css": STATE_CSS.get(c.state)} for c in rows],
        "error": error,
    }
    if is_htmx(request):
        return render(request, "medical_aid/_claims.html", context)
    return render(request, "medical_aid/claims.html", context)


def _claim_context(request, claim, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    context = {
        "claim": claim,
        "css": STATE_CSS.get(claim.state),
        "b": claim.breakdown or None,
        "events": list(claim_events(claim=claim)),
        "attachments": list(claim.attachments.all()),
        "access_log": claim_access_log(claim=claim),
        "usage": enrolment_usage(claim.enrolment),
        "can_act": can_write_assistance(request.user),
        "approve_form": ApproveForm(prefix="approve", initial={"excluded_amount": claim.excluded_amount}),
        "reject_form": ReasonForm(prefix="reject"),
        "return_form": ReasonForm(prefix="return"),
        "pay_form": PayForm(
            prefix="pay", initial={"paid_on": today, "amount": claim.payout, "method": "bank_transfer"}
        ),
        "attach_form": AttachForm(prefix="attach"),
        "has_invoice": any(a.kind == "invoice" for a in claim.attachments.all()),
    }
    context.update(extra)
    return context


@require_GET
@officer_view
def claim_detail(request, pk: int):
    _assistance(request)
    claim = services.claim_open(actor=request.user, claim_id=pk, ip=client_ip(request))
    return render(request, "medical_aid/claim_detail.html", _claim_context(request, claim))


def _claim_post(request, pk: int, form_class, prefix: str, call, done: str):
    _assistance_write(request)
    from .selectors import claim_get_visible

    claim = claim_get_visible(actor=request.user, claim_id=pk)
    form = form_class(request.POST, request.FILES, prefix=prefix) if form_class else None
    if form is None or form.is_valid():
        try:
            call(claim, form.cleaned_data if form else {})
        except NotFound:
            raise
        except DomainError as exc:
            if form is None:
                messages.error(request, exc.message)
                return redirect("medical_aid:claim", claim.pk)
            form_errors_from(form, exc)
        else:
            messages.success(request, done)
            return redirect("medical_aid:claim", claim.pk)
    claim = claim_get_visible(actor=request.user, claim_id=pk)
    return render(
        request, "medical_aid/claim_detail.html", _claim_context(request, claim, **{f"{prefix}_form": form}), status=400
    )


@require_POST
@officer_view(write=True)
def claim_review(request, pk: int):
    return _claim_post(
        request,
        pk,
        None,
        "review",
        lambda c, d: services.claim_start_review(actor=request.user, claim=c),
        _("已开始审核"),
    )


@require_POST
@officer_view(write=True)
def claim_approve(request, pk: int):
    return _claim_post(
        request,
        pk,
        ApproveForm,
        "approve",
        lambda c, d: services.claim_approve(
            actor=request.user, claim=c, excluded_amount=d["excluded_amount"], note=d["note"]
        ),
        _("已核准补助"),
    )


@require_POST
@officer_view(write=True)
def claim_reject(request, pk: int):
    return _claim_post(
        request,
        pk,
        ReasonForm,
        "reject",
        lambda c, d: services.claim_reject(actor=request.user, claim=c, reason=d["reason"]),
        _("已作不予补助处理"),
    )


@require_POST
@officer_view(write=True)
def claim_return(request, pk: int):
    return _claim_post(
        request,
        pk,
        ReasonForm,
        "return",
        lambda c, d: services.claim_return(actor=request.user, claim=c, reason=d["reason"]),
        _("已退回补充材料"),
    )


@require_POST
@officer_view(write=True)
def claim_pay(request, pk: int):
    return _claim_post(
        request,
        pk,
        PayForm,
        "pay",
        lambda c, d: services.claim_pay(
            actor=request.user,
            claim=c,
            method=d["method"],
            paid_on=d["paid_on"],
            amount=d["amount"],
            voucher_no=d["voucher_no"],
            voucher=d["voucher"],
        ),
        _("已登记发放"),
    )


@require_POST
@officer_view(write=True)
def claim_attach(request, pk: int):
    return _claim_post(
        request,
        pk,
        AttachForm,
        "attach",
        lambda c, d: services.claim_attach(actor=request.user, claim=c, upload=d["file"], kind=d["kind"]),
        _("附件已上传"),
    )


@require_GET
@officer_view
def attachment(request, pk: int, attachment_id: int):
    _assistance(request)
    return attachment_response(attachment_get_visible(actor=request.user, claim_id=pk, attachment_id=attachment_id))


# ---- figures --------------------------------------------------------------------------------


@require_GET
@officer_view
def figures(request, pk: int):
    """Aggregates per union in scope (no personal data: any officer in scope)."""
    plan = plan_get_visible(actor=request.user, plan_id=pk)
    try:
        org = _base_org(request, plan)
    except NotFound:
        org = plan_scope_org(actor=request.user, plan=plan)
    total, rows = plan_figures(actor=request.user, plan=plan, org=org)
    states = claims_by_state(actor=request.user, plan=plan, org=org)
    bars = rows or [total]  # a grassroots union has no child unions: its own figures
    chart = {
        "unions": [r.org.name for r in bars],
        "enrolled": [r.enrolled for r in bars],
        "payouts": [float(r.payouts) for r in bars],
        "states": [{"name": str(ClaimState(s).label), "value": n} for s, n in states.items() if n],
        "labels": {"enrolled": _("参保人数"), "payouts": _("核定补助（元）"), "states": _("申请状态")},
    }
    return render(
        request,
        "medical_aid/figures.html",
        {"plan": plan, "org": org, "total": total, "rows": rows, "chart": chart, "states": states},
    )


def _url(name: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(name, args=args)
