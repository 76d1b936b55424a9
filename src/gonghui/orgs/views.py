"""Pages of the union tree: browser, detail, create/edit/move/deactivate, autocomplete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.core.errors import DomainError
from gonghui.core.pagination import keyset_page
from gonghui.core.regions import region_full_name
from gonghui.members.models import MemberStatus, NewEmploymentForm
from gonghui.members.selectors import MemberFilters, member_list_visible_to, subtree_stats
from gonghui.members.views import member_rows
from gonghui.web import is_htmx, officer_view, run_service

from . import services
from .forms import OrgForm, OrgMoveForm, OrgSearchForm
from .models import FederationLevel, Org, OrgEvent, OrgKind
from .selectors import (
    OrgFilters,
    org_ancestors,
    org_children,
    org_choices_for_members,
    org_get_visible,
    org_history,
    org_list_visible_to,
    org_names_visible,
    org_scope_roots,
    org_subtree_totals,
)

SEARCH_LIMIT = 100
STATUS_COLORS = {
    MemberStatus.ACTIVE: "#c8161d",
    MemberStatus.RETAINED: "#f59e0b",
    MemberStatus.TRANSFERRED: "#9ca3af",
    MemberStatus.WITHDRAWN: "#64748b",
    MemberStatus.DECEASED: "#1f2937",
}
DETAIL_MEMBERS = 20


def _nodes(orgs: list[Org]) -> list[dict[str, Any]]:
    """Tree rows: the union, its subtree member total and whether it has unions below."""
    totals = org_subtree_totals(orgs=orgs)
    return [{"org": o, "totals": totals[o.pk]} for o in orgs]


@require_GET
@officer_view
def tree(request):
    """The actor's scope root(s) with lazily expandable children; a search turns it into a list."""
    form = OrgSearchForm(request.GET or None)
    filters = OrgFilters()
    searching = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = OrgFilters(q=data["q"].strip(), kind=data["kind"], term=data["term"])
        searching = bool(filters.q or filters.kind or filters.term)
    context: dict[str, Any] = {"form": form, "searching": searching}
    if searching:
        rows = list(
            org_list_visible_to(actor=request.user, filters=filters).select_related("parent")[: SEARCH_LIMIT + 1]
        )
        context.update(results=_nodes(rows[:SEARCH_LIMIT]), truncated=len(rows) > SEARCH_LIMIT)
    else:
        context["roots"] = _nodes(list(org_scope_roots(actor=request.user)))
    if is_htmx(request):
        return render(request, "orgs/_tree_results.html", context)
    return render(request, "orgs/tree.html", context)


@require_GET
@officer_view
def children(request, org_id: int):
    """htmx fragment: the unions directly below one union."""
    org = org_get_visible(actor=request.user, org_id=org_id)
    nodes = _nodes(list(org_children(actor=request.user, org=org)))
    return render(request, "orgs/_children.html", {"parent": org, "nodes": nodes})


def _history_rows(*, actor, events) -> list[dict[str, Any]]:
    labels = {f.name: str(f.verbose_name) for f in Org._meta.fields}
    labels["parent"] = _("上级工会")
    labels["is_active"] = _("状态")
    choices: dict[str, dict[Any, Any]] = {
        "kind": dict(OrgKind.choices),
        "federation_level": dict(FederationLevel.choices),
        "is_active": {True: _("有效"), False: _("已撤销")},
    }
    parent_ids = {v for e in events for v in e.changes.get("parent", []) if v}
    names = org_names_visible(actor=actor, ids=parent_ids) if parent_ids else {}
    rows = []
    for event in events:
        changes = []
        for field, pair in event.changes.items():
            before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)

            def show(value, field=field):
                if value in (None, ""):
                    return "—"
                if field == "parent":
                    return names.get(value, _("（范围外）"))
                if field in choices:
                    return str(choices[field].get(value, value))
                return str(value)

            changes.append({"label": labels.get(field, field), "before": show(before), "after": show(after)})
        rows.append({"event": event, "changes": changes, "collapsed": event.kind == OrgEvent.Kind.CREATED})
    return rows


@require_GET
@officer_view
def detail(request, org_id: int):
    actor = request.user
    org = org_get_visible(actor=actor, org_id=org_id)
    child_nodes = _nodes(list(org_children(actor=actor, org=org)))
    stats = subtree_stats(org=org)
    status_labels = dict(MemberStatus.choices)
    form_labels = dict(NewEmploymentForm.choices)
    chart = {
        "status": [{"name": str(status_labels[k]), "value": v} for k, v in stats["members_by_status"].items() if v],
        "forms": {
            "names": [str(form_labels[k]) for k in stats["new_employment_by_category"]],
            "values": list(stats["new_employment_by_category"].values()),
        },
    }
    members = []
    if org.holds_members:
        roll = member_list_visible_to(actor=actor, filters=MemberFilters(org_id=org.pk))
        latest, _next = keyset_page(roll, cursor=None, limit=DETAIL_MEMBERS)  # the list pages' fast order
        members = member_rows(latest)
    is_own_root = org.pk == actor.org_id
    current = stats["current_members"]
    if child_nodes:
        blocked = _("仍有下级工会")
    elif current:
        blocked = _("仍有会员")
    elif is_own_root:
        blocked = _("这是本账号所属的工会")
    else:
        blocked = ""
    context = {
        "org": org,
        "region_name": region_full_name(org.region_code),
        "breadcrumb": org_ancestors(actor=actor, org=org),
        "children": child_nodes,
        "stats": stats,
        "current_members": current,
        "chart": chart,
        "members": members,
        "history": _history_rows(actor=actor, events=list(org_history(actor=actor, org=org)[:50])),
        "deactivate_blocked": blocked,
        "is_own_root": is_own_root,
    }
    return render(request, "orgs/detail.html", context)


def _org_form_page(request, *, form, org: Org | None, parent: Org | None, title: str):
    return render(
        request,
        "orgs/form.html",
        {"form": form, "org": org, "parent": parent, "title": title},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def create(request, org_id: int):
    """Add a union below the union `org_id`."""
    parent = org_get_visible(actor=request.user, org_id=org_id)
    form = OrgForm(request.POST or None, initial={"region_code": parent.region_code, "kind": OrgKind.GRASSROOTS})
    if request.method == "POST" and form.is_valid():
        org = run_service(form, services.org_create, actor=request.user, parent=parent, data=form.cleaned_data)
        if org is not None:
            messages.success(request, _("已新建工会组织：%(name)s") % {"name": org.name})
            return redirect("orgs:detail", org.pk)
    return _org_form_page(request, form=form, org=None, parent=parent, title=_("新建下级工会"))


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def edit(request, org_id: int):
    org = org_get_visible(actor=request.user, org_id=org_id)
    form = OrgForm(request.POST or None, initial=OrgForm.initial_from(org))
    if request.method == "POST" and form.is_valid():
        saved = run_service(form, services.org_update, actor=request.user, org=org, data=form.cleaned_data)
        if saved is not None:
            messages.success(request, _("已保存"))
            return redirect("orgs:detail", org.pk)
    return _org_form_page(request, form=form, org=org, parent=org.parent, title=_("编辑工会组织"))


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def move(request, org_id: int):
    """Move a union and its whole subtree under another union in scope."""
    org = org_get_visible(actor=request.user, org_id=org_id)
    form = OrgMoveForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form, services.org_move, actor=request.user, org=org, new_parent=form.cleaned_data["parent"]
        )
        if saved is not None:
            messages.success(request, _("已调整上级工会"))
            return redirect("orgs:detail", org.pk)
    return render(
        request,
        "orgs/move.html",
        {"form": form, "org": org, "picked": form.picked_org("parent")},
        status=400 if form.is_bound else 200,
    )


@require_POST
@officer_view(write=True)
def deactivate(request, org_id: int):
    org = org_get_visible(actor=request.user, org_id=org_id)
    try:
        services.org_deactivate(actor=request.user, org=org)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        return redirect("orgs:detail", org.pk)
    messages.success(request, _("已撤销：%(name)s") % {"name": org.name})
    return redirect("orgs:detail", org.parent_id) if org.parent_id else redirect("orgs:tree")


@require_GET
@officer_view
def autocomplete(request):
    """htmx fragment: unions in scope matching q (name, pinyin initials, code)."""
    q = request.GET.get("q", "").strip()[:64]
    if request.GET.get("holds"):
        orgs = list(org_choices_for_members(actor=request.user, q=q, limit=20))
    else:
        orgs = list(org_list_visible_to(actor=request.user, filters=OrgFilters(q=q))[:20])
    return render(request, "orgs/_autocomplete.html", {"orgs": orgs, "q": q})


@require_GET
@officer_view
def region_name(request):
    """htmx fragment: the full name of a GB/T 2260 code as it is typed."""
    code = request.GET.get("region_code", "").strip()
    name = region_full_name(code) if len(code) == 6 else ""
    if not code:
        return HttpResponse("")
    text = name or (_("未找到该行政区划代码") if len(code) == 6 else _("请输入6位代码"))
    css = "text-success" if name else "text-muted"
    return render(request, "orgs/_region_name.html", {"text": text, "css": css})
