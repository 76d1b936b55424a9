"""Officer pages of the assistance campaigns (/campaigns/): campaigns, the allocation tree,
grants with their action forms, the payment roll download and the budget dashboards."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.accounts.models import AuditLog
from gonghui.accounts.permissions import can_access_assistance, can_write_assistance, require_assistance
from gonghui.accounts.services import audit
from gonghui.assistance.models import HardshipLevel
from gonghui.core.errors import InvalidInput, NotFound
from gonghui.core.exports import xlsx_response
from gonghui.core.pagination import keyset_page
from gonghui.core.queues import queue_listing
from gonghui.orgs.selectors import org_get_visible
from gonghui.web import batch_response, client_ip, officer_view, run_action, run_service

from . import services
from .exports import payment_roll_xlsx, roll_filename
from .forms import (
    AllocationEditForm,
    AllocationForm,
    ApproveForm,
    BatchPayForm,
    CampaignFilterForm,
    CampaignForm,
    GrantFilterForm,
    PayForm,
    ProposeForm,
    ReasonForm,
)
from .models import (
    AllocationState,
    AssistanceCampaign,
    CampaignState,
    Grant,
    GrantState,
)
from .selectors import (
    GRANT_QUEUE,
    CampaignFilters,
    GrantFilters,
    allocation_get_visible,
    allocation_list_visible,
    campaign_figures,
    campaign_get_visible,
    campaign_list_visible_to,
    campaign_manageable,
    candidate_files,
    grant_access_history,
    grant_get_for_view,
    grant_get_visible,
    grant_history,
    grant_list_visible_to,
    in_scope,
    payment_roll,
    year_figures,
)

PAGE_SIZE = 50
STATE_CSS = {
    CampaignState.DRAFT: "secondary",
    CampaignState.OPEN: "success",
    CampaignState.CLOSED: "dark",
    GrantState.PROPOSED: "warning",
    GrantState.APPROVED: "primary",
    GrantState.PAID: "success",
    GrantState.REJECTED: "danger",
    GrantState.CANCELLED: "secondary",
    AllocationState.DRAFT: "warning",
}


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return urlencode(merged)


def _org_param(request) -> Any:
    value = request.GET.get("org")
    if not value:
        return None
    try:
        return org_get_visible(actor=request.user, org_id=value)
    except NotFound:
        raise NotFound(_("工会组织不存在")) from None


# ---- campaigns ---------------------------------------------------------------------------------


@require_GET
@officer_view
def campaign_list(request):
    form = CampaignFilterForm(request.GET or None)
    filters = CampaignFilters()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = CampaignFilters(year=d.get("year"), type=d.get("type") or "", state=d.get("state") or "")
    cursor = request.GET.get("cursor") or None
    error = ""
    rows: list[AssistanceCampaign] = []
    next_cursor = None
    try:
        rows, next_cursor = keyset_page(
            campaign_list_visible_to(actor=request.user, filters=filters), cursor=cursor, limit=PAGE_SIZE
        )
    except InvalidInput as exc:
        error = exc.message
    params = {k: v for k, v in request.GET.items() if k in form.fields}
    return render(
        request,
        "campaigns/list.html",
        {
            "form": form,
            "rows": rows,
            "css": STATE_CSS,
            "error": error,
            "first_page": not cursor,
            "next_url": f"?{_query(params, cursor=next_cursor)}" if next_cursor else "",
            "first_url": f"?{_query(params)}",
            "can_create": can_write_assistance(request.user)
            and (request.user.is_superuser or not request.user.org.holds_members),
        },
    )


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def campaign_create(request):
    require_assistance(request.user)
    year = timezone.localdate().year
    initial = {
        "year": year,
        "type": "spring_warmth",
        "organiser": None if request.user.is_superuser else request.user.org_id,
        "eligibility": "filed_only",
    }
    form = CampaignForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        campaign = run_service(
            form,
            services.campaign_create,
            actor=request.user,
            organiser=form.cleaned_data["organiser"],
            data=form.service_data(),
            budget=form.cleaned_data["budget"],
        )
        if campaign is not None:
            messages.success(request, _("活动已创建（草稿），分配预算后即可启动"))
            return redirect("campaigns:detail", campaign.pk)
    return render(
        request,
        "campaigns/form.html",
        {"form": form, "picked": form.picked_org("organiser"), "campaign": None},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def campaign_edit(request, pk: int):
    campaign = campaign_get_visible(actor=request.user, pk=pk)
    require_assistance(request.user)
    if not campaign_manageable(actor=request.user, campaign=campaign):
        raise NotFound(_("活动不存在"))
    root = campaign.allocations.get(parent__isnull=True)
    form = CampaignForm(
        request.POST or None,
        actor=request.user,
        editing=campaign,
        initial=CampaignForm.initial_for(campaign, root.amount),
    )
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            services.campaign_update,
            actor=request.user,
            campaign=campaign,
            data=form.service_data(),
            budget=form.cleaned_data["budget"],
        )
        if done is not None:
            messages.success(request, _("活动已保存"))
            return redirect("campaigns:detail", campaign.pk)
    return render(
        request, "campaigns/form.html", {"form": form, "campaign": campaign}, status=400 if form.is_bound else 200
    )


def _allocation_rows(actor, campaign: AssistanceCampaign) -> list[dict[str, Any]]:
    """The allocations in scope as an indented tree, each with what the actor may do on it."""
    rows = list(allocation_list_visible(actor=actor, campaign=campaign))
    if not rows:
        return []
    top = min(len(a.org.path) for a in rows)
    writer = can_write_assistance(actor) and campaign.state != CampaignState.CLOSED
    out = []
    for a in rows:
        allocating = a.parent is not None and in_scope(actor, a.parent.org)
        out.append(
            {
                "a": a,
                "indent": (len(a.org.path) - top) // 4,
                "can_approve": writer and allocating and a.state == AllocationState.DRAFT,
                "can_edit": writer and allocating and a.state == AllocationState.DRAFT,
                "can_allocate": writer and a.state == AllocationState.APPROVED and in_scope(actor, a.org),
                "used_pct": int((a.allocated_amount + a.committed_amount) * 100 / a.amount) if a.amount else 0,
            }
        )
    return out


@require_GET
@officer_view
def campaign_detail(request, pk: int):
    campaign = campaign_get_visible(actor=request.user, pk=pk)
    figures = campaign_figures(actor=request.user, campaign=campaign)
    manage = can_write_assistance(request.user) and campaign_manageable(actor=request.user, campaign=campaign)
    allocations = _allocation_rows(request.user, campaign)
    allocation_form = None
    if any(row["can_allocate"] for row in allocations) and (
        request.user.is_superuser or not request.user.org.holds_members
    ):
        allocation_form = AllocationForm(actor=request.user)
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "css": STATE_CSS,
            "figures": figures,
            "allocations": allocations,
            "allocation_form": allocation_form,
            "manage": manage,
            "standards": _standards_rows(campaign),
        },
    )


def _standards_rows(campaign: AssistanceCampaign) -> list[tuple[str, str]]:
    from .models import Stage

    s = campaign.standards or {}
    rows = []
    levels = dict(HardshipLevel.choices)
    stages = dict(Stage.choices)
    for key, value in (s.get("stages") or {}).items():
        rows.append((str(stages.get(key, key)), value))
    for key, value in (s.get("levels") or {}).items():
        rows.append((str(levels.get(key, key)), value))
    if s.get("default"):
        rows.append((_("其他（默认）"), s["default"]))
    return rows


@require_POST
@officer_view(write=True)
def campaign_transition(request, pk: int, action: str):
    campaign = campaign_get_visible(actor=request.user, pk=pk)
    call = {"open": services.campaign_open, "close": services.campaign_close}[action]
    done = _("活动已启动") if action == "open" else _("活动已结束")
    run_action(request, call, success=done, actor=request.user, campaign=campaign)
    return redirect("campaigns:detail", campaign.pk)


# ---- allocations -------------------------------------------------------------------------------


@require_POST
@officer_view(write=True)
def allocation_create(request, pk: int):
    campaign = campaign_get_visible(actor=request.user, pk=pk)
    form = AllocationForm(request.POST, actor=request.user)
    if form.is_valid():
        done, allocation = run_action(
            request,
            services.allocation_create,
            actor=request.user,
            campaign=campaign,
            org=form.cleaned_data["org"],
            amount=form.cleaned_data["amount"],
            note=form.cleaned_data.get("note", ""),
        )
        if done:
            messages.success(request, _("已分配给 %(org)s，待上级批准") % {"org": allocation.org.name})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("campaigns:detail", campaign.pk)


@require_POST
@officer_view(write=True)
def allocation_approve(request, pk: int):
    allocation = allocation_get_visible(actor=request.user, pk=pk)
    run_action(
        request,
        services.allocation_approve,
        # org is select_related: naming it before the call costs no query.
        success=_("已批准 %(org)s 的预算分配") % {"org": allocation.org.name},
        actor=request.user,
        allocation=allocation,
    )
    return redirect("campaigns:detail", allocation.campaign_id)


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def allocation_edit(request, pk: int):
    allocation = allocation_get_visible(actor=request.user, pk=pk)
    form = AllocationEditForm(request.POST or None, initial={"amount": allocation.amount, "note": allocation.note})
    if request.method == "POST":
        if request.POST.get("delete"):
            deleted, _result = run_action(
                request, services.allocation_delete, success=_("已撤回分配"), actor=request.user, allocation=allocation
            )
            if deleted:
                return redirect("campaigns:detail", allocation.campaign_id)
        elif form.is_valid():
            done = run_service(
                form,
                services.allocation_update,
                actor=request.user,
                allocation=allocation,
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data.get("note", ""),
            )
            if done is not None:
                messages.success(request, _("分配已修改"))
                return redirect("campaigns:detail", allocation.campaign_id)
    return render(
        request,
        "campaigns/allocation_form.html",
        {"form": form, "allocation": allocation, "campaign": allocation.campaign},
        status=400 if form.is_bound else 200,
    )


# ---- grants ------------------------------------------------------------------------------------


@require_GET
@officer_view
def grant_list(request):
    require_assistance(request.user)
    form = GrantFilterForm(request.GET or None, actor=request.user)
    campaign = None
    error = ""
    rows: list[Grant] = []
    listing: dict[str, Any] = {}
    cursor = request.GET.get("cursor") or None
    if form.is_bound and not form.is_valid():
        error = _("筛选条件有误，请检查")
    else:
        d = form.cleaned_data if form.is_bound else {}
        if d.get("campaign"):
            campaign = campaign_get_visible(actor=request.user, pk=d["campaign"])
        filters = GrantFilters(
            campaign_id=campaign.pk if campaign else None,
            state=d.get("state") or "",
            type=d.get("type") or "",
            org_id=d["org"].pk if d.get("org") else None,
            q=d.get("q") or "",
        )
        qs = grant_list_visible_to(actor=request.user, filters=filters)
        params = {k: v for k, v in request.GET.items() if k in form.fields or k == "sort"}
        listing = queue_listing(qs, spec=GRANT_QUEUE, params=params, cursor=cursor, limit=PAGE_SIZE)
        rows, error = listing.pop("rows"), listing.pop("error")
    return render(
        request,
        "campaigns/grants.html",
        {
            **listing,
            "form": form,
            "campaign": campaign,
            "picked": form.picked_org("org"),
            "rows": rows,
            "css": STATE_CSS,
            "error": error,
            "first_page": not cursor,
            "can_batch": can_write_assistance(request.user),
            "pay_form": BatchPayForm(initial={"paid_on": timezone.localdate()}),
        },
    )


@require_POST
@officer_view(write=True)
def grant_batch_pay(request):
    """Record the payment of the ticked approved grants (same method, day and payer), each as a single payment."""
    form = BatchPayForm(request.POST)
    back = reverse("campaigns:grants")
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    d = form.cleaned_data
    return batch_response(
        request,
        title=_("批量登记发放"),
        back_url=back,
        run=lambda ids: services.grant_pay_many(
            actor=request.user, ids=ids, method=d["method"], paid_on=d["paid_on"], payer=d["payer"]
        ),
    )


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def grant_propose(request, pk: int):
    campaign = campaign_get_visible(actor=request.user, pk=pk)
    require_assistance(request.user)
    files = candidate_files(actor=request.user, campaign=campaign)
    initial = {"source": "file"}
    if request.GET.get("file"):
        initial["hardship_file"] = request.GET["file"]
    form = ProposeForm(request.POST or None, actor=request.user, campaign=campaign, files=files, initial=initial)
    if request.method == "POST" and form.is_valid():
        grant = run_service(
            form, services.grant_propose, actor=request.user, campaign=campaign, data=form.service_data()
        )
        if grant is not None:
            messages.success(
                request, _("已申报：%(name)s %(amount)s 元") % {"name": grant.person_name, "amount": grant.amount}
            )
            return redirect("campaigns:grant", grant.pk)
    return render(
        request,
        "campaigns/propose.html",
        {"form": form, "campaign": campaign, "picked": form.picked_org("org"), "files": files},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def grant_propose_files(request, pk: int):
    """Propose standard grants for several filed hardship files at once."""
    campaign = campaign_get_visible(actor=request.user, pk=pk)
    require_assistance(request.user)
    files = candidate_files(actor=request.user, campaign=campaign, q=request.GET.get("q", ""))
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("files") if v.isdigit()]
        if not ids:
            messages.error(request, _("请至少选择一名困难职工"))
        else:
            done, outcome = run_action(
                request, services.grant_propose_many, actor=request.user, campaign=campaign, file_ids=ids
            )
            if done:
                made, failed = outcome
                if made:
                    messages.success(request, _("已申报 %(n)s 人") % {"n": len(made)})
                names = {f.pk: f.name for f in files}
                for file_id, reason in failed:
                    messages.error(request, f"{names.get(file_id, file_id)}：{reason}")
                return redirect(f"{_grants_url(campaign)}")
    return render(
        request,
        "campaigns/propose_files.html",
        {"campaign": campaign, "files": files, "standards": _standards_rows(campaign), "q": request.GET.get("q", "")},
    )


def _grants_url(campaign: AssistanceCampaign) -> str:
    from django.urls import reverse

    return f"{reverse('campaigns:grants')}?campaign={campaign.pk}"


GRANT_ACTIONS = ("approve", "reject", "pay", "cancel")
DONE = {
    "approve": gettext_lazy("已批准"),
    "reject": gettext_lazy("已不批准"),
    "pay": gettext_lazy("已登记发放"),
    "cancel": gettext_lazy("已撤销"),
}


def _grant_forms(actor, grant: Grant, data=None, files=None, which: str = "") -> dict[str, Any]:
    def bind(name: str):
        return (data, files) if name == which else (None, None)

    if not can_write_assistance(actor):
        return {}
    out: dict[str, Any] = {}
    decider = in_scope(actor, grant.allocation.org)
    if grant.state == GrantState.PROPOSED:
        if decider and grant.campaign.state == CampaignState.OPEN:
            if grant.proposed_by_id != actor.pk:  # four eyes: the proposer does not approve
                out["approve"] = ApproveForm(bind("approve")[0], prefix="approve")
            out["reject"] = ReasonForm(bind("reject")[0], prefix="reject")
        out["cancel"] = ReasonForm(bind("cancel")[0], prefix="cancel")
    elif grant.state == GrantState.APPROVED:
        d, f = bind("pay")
        out["pay"] = PayForm(d, f, prefix="pay", initial={"paid_on": timezone.localdate(), "method": "bank_transfer"})
        if decider:
            out["cancel"] = ReasonForm(bind("cancel")[0], prefix="cancel")
    return out


def _grant_context(request, grant: Grant, forms: dict[str, Any]) -> dict[str, Any]:
    return {
        "grant": grant,
        "campaign": grant.campaign,
        "css": STATE_CSS,
        "forms": forms,
        "history": list(grant_history(grant=grant)),
        "accesses": list(grant_access_history(grant=grant)),
        "level_label": dict(HardshipLevel.choices).get(grant.level, ""),
    }


@require_GET
@officer_view
def grant_detail(request, pk: int):
    grant = grant_get_for_view(actor=request.user, pk=pk, ip=client_ip(request))
    return render(request, "campaigns/grant.html", _grant_context(request, grant, _grant_forms(request.user, grant)))


@require_POST
@officer_view(write=True)
def grant_act(request, pk: int, action: str):
    grant = grant_get_visible(actor=request.user, pk=pk)
    forms = _grant_forms(request.user, grant, request.POST, request.FILES, action)
    form = forms.get(action)
    if form is None:
        messages.error(request, _("当前状态下不能进行此操作"))
        return redirect("campaigns:grant", grant.pk)
    if form.is_valid():
        d = form.cleaned_data
        calls = {
            "approve": lambda: services.grant_approve(actor=request.user, grant=grant, note=d.get("note", "")),
            "reject": lambda: services.grant_reject(actor=request.user, grant=grant, reason=d["reason"]),
            "cancel": lambda: services.grant_cancel(actor=request.user, grant=grant, reason=d["reason"]),
            "pay": lambda: services.grant_pay(
                actor=request.user,
                grant=grant,
                method=d["method"],
                paid_on=d["paid_on"],
                paid_amount=d.get("paid_amount"),
                payer=d.get("payer", ""),
                voucher=d.get("voucher"),
            ),
        }
        if run_service(form, calls[action]) is not None:
            messages.success(request, str(DONE[action]))
            return redirect("campaigns:grant", grant.pk)
    grant = grant_get_visible(actor=request.user, pk=pk)
    context = _grant_context(request, grant, forms)
    context["failed"] = action
    return render(request, "campaigns/grant.html", context, status=400)


@require_GET
@officer_view
def grant_voucher(request, pk: int):
    grant = grant_get_visible(actor=request.user, pk=pk)
    if not grant.voucher:
        raise NotFound(_("没有上传凭证"))
    response = FileResponse(
        grant.voucher.open("rb"), as_attachment=True, filename=grant.voucher_name, content_type=grant.voucher_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ---- payment roll and figures ------------------------------------------------------------------


def payment_roll_response(*, actor, campaign: AssistanceCampaign, org, ip: str | None) -> HttpResponseBase:
    """The XLSX download (shared with the API), audited as an export."""
    from .selectors import figures_root

    root = figures_root(actor=actor, campaign=campaign, org=org)
    grants = list(payment_roll(actor=actor, campaign=campaign, org=root))
    content = payment_roll_xlsx(campaign=campaign, org=root, grants=grants, level_labels=dict(HardshipLevel.choices))
    audit(
        actor=actor,
        action=AuditLog.Action.EXPORT,
        target=campaign,
        org=root,
        ip=ip,
        detail={"what": "payment_roll", "campaign": campaign.pk, "org": root.pk, "rows": len(grants)},
    )
    return xlsx_response(content, filename=roll_filename(campaign, root))


@require_GET
@officer_view
def roll(request, pk: int):
    campaign = campaign_get_visible(actor=request.user, pk=pk)
    require_assistance(request.user)
    return payment_roll_response(actor=request.user, campaign=campaign, org=_org_param(request), ip=client_ip(request))


def _chart_data(figures) -> dict[str, Any]:
    rows = [*([figures.own_row] if figures.own_row else []), *figures.rows]
    names = [row.org.name for row in rows]
    if figures.own_row:
        names[0] = _("%(org)s（本级）") % {"org": names[0]}
    return {
        "names": names,
        "used": [float(row.committed) for row in rows],
        "left": [float(row.remaining) for row in rows],
    }


@require_GET
@officer_view
def dashboard(request, pk: int):
    campaign = campaign_get_visible(actor=request.user, pk=pk)
    figures = campaign_figures(actor=request.user, campaign=campaign, org=_org_param(request))
    return render(
        request,
        "campaigns/dashboard.html",
        {
            "campaign": campaign,
            "figures": figures,
            "chart": _chart_data(figures),
            "can_roll": can_access_assistance(request.user),
            "up": figures.root.parent_id
            if figures.root.parent_id
            and figures.root.pk != campaign.organiser_id
            and figures.root.parent is not None  # set whenever parent_id is; narrows for mypy
            and in_scope(request.user, figures.root.parent)
            else None,
        },
    )


@require_GET
@officer_view
def overview(request):
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    if not 2000 <= year <= 2100:  # the years campaigns can have (core.api_schemas.Year)
        year = timezone.localdate().year
    rows = year_figures(actor=request.user, year=year)
    campaigns = list(
        campaign_list_visible_to(actor=request.user, filters=CampaignFilters(year=year)).exclude(
            state=CampaignState.DRAFT
        )[:100]
    )
    return render(
        request,
        "campaigns/overview.html",
        {
            "year": year,
            "years": list(range(year + 1, year - 5, -1)),
            "rows": rows,
            "campaigns": campaigns,
            "css": STATE_CSS,
            "pie": [{"name": r.label, "value": float(r.committed)} for r in rows if r.committed],
            "totals": {
                "allocated": sum((r.allocated for r in rows), start=0),
                "committed": sum((r.committed for r in rows), start=0),
                "paid": sum((r.paid for r in rows), start=0),
                "beneficiaries": sum(r.beneficiaries for r in rows),
            },
        },
    )
