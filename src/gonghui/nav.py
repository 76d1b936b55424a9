"""The officers' navigation: one list of groups of work, each a list of pages.

This is the single place a module registers its pages. A group is a dropdown in the header (on a
phone, a section of the menu); an entry is shown only to accounts its `allowed` predicate admits,
and a group with nothing to show is hidden. `prefixes` say which paths belong to an entry: the
longest matching prefix over the whole registry marks the current page (its entry and group are
highlighted and its breadcrumb trail is `group › entry`).

A new module adds its entries to its group below (the groups of the modules to come are already
here, empty, so the order of the header does not move when they arrive):

    NavItem(pgettext_lazy("导航", "集体合同"), "contracts:list", ("/contracts/",), allowed=can_read),

Labels are short (two to six characters, one to two words in English): the header never wraps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gonghui.accounts.permissions import can_access_assistance, can_manage_accounts, can_read, can_write

Badge = Callable[[HttpRequest], int]


def _superuser(user) -> bool:
    return bool(user and user.is_authenticated and user.is_superuser)


def inbox_unread(request: HttpRequest) -> int:
    """The account's unread messages: one indexed count per request, shared by the header's badge
    and the `inbox_unread` context variable."""
    if not hasattr(request, "_gh_inbox_unread"):
        from gonghui.notifications.selectors import unread_count

        request._gh_inbox_unread = unread_count(request.user)  # type: ignore[attr-defined]
    return request._gh_inbox_unread  # type: ignore[attr-defined]


def _joining_pending(request: HttpRequest) -> int:
    """Applications, incoming transfers and real-name bindings waiting for a decision in scope."""
    from gonghui.joining.selectors import application_pending_count, transfer_incoming_pending_count
    from gonghui.portal.selectors import binding_pending_count

    user = request.user
    return (
        application_pending_count(actor=user)
        + transfer_incoming_pending_count(actor=user)
        + binding_pending_count(actor=user)
    )


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    prefixes: tuple[str, ...]
    allowed: Callable[[Any], bool] = can_read
    testid: str = ""
    exact: bool = False  # the path must equal the prefix (the home page)
    excludes: tuple[str, ...] = ()  # paths under a prefix that are not this entry's
    badge: Badge | None = None
    badge_label: str | Promise = ""  # "%(n)d项待审批"
    badge_id: str = ""  # an element id htmx updates out of band (the inbox's unread count)

    def match(self, path: str) -> int:
        """How long a prefix of `path` this entry claims (0: none)."""
        if any(path.startswith(prefix) for prefix in self.excludes):
            return 0
        if self.exact:
            return len(path) if path in self.prefixes else 0
        return max((len(prefix) for prefix in self.prefixes if path.startswith(prefix)), default=0)


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str | Promise
    items: tuple[NavItem, ...] = field(default_factory=tuple)
    testid: str = ""


HOME = NavItem(pgettext_lazy("导航", "首页"), "home", ("/",), exact=True, testid="nav-home")
INBOX = NavItem(
    pgettext_lazy("导航", "消息"),
    "notifications:inbox",
    ("/notifications/",),
    testid="nav-inbox",
    badge=inbox_unread,
    badge_label=_("%(n)d条未读"),
    badge_id="gh-nav-unread",
)

GROUPS: tuple[NavGroup, ...] = (
    NavGroup(
        "orgs",
        pgettext_lazy("导航", "组织"),
        (
            NavItem(pgettext_lazy("导航", "组织架构"), "orgs:tree", ("/orgs/",), testid="nav-orgs-tree"),
            NavItem(
                pgettext_lazy("导航", "账号管理"),
                "accounts:list",
                ("/accounts/",),
                allowed=can_manage_accounts,
                excludes=("/accounts/me/", "/accounts/login/"),
                testid="nav-accounts",
            ),
            NavItem(pgettext_lazy("导航", "系统后台"), "admin:index", ("/admin/",), allowed=_superuser),
        ),
        testid="nav-orgs",
    ),
    NavGroup(
        "members",
        pgettext_lazy("导航", "会员"),
        (
            NavItem(pgettext_lazy("导航", "会员名册"), "members:list", ("/members/",), testid="nav-members-list"),
            NavItem(
                pgettext_lazy("导航", "入会审批"),
                "joining:list",
                ("/joining/",),
                testid="nav-joining",
                badge=_joining_pending,
                badge_label=_("%(n)d项待审批"),
            ),
            NavItem(pgettext_lazy("导航", "会员接转"), "joining:transfers", ("/joining/transfers/",)),
            NavItem(pgettext_lazy("导航", "实名认证"), "bindings:queue", ("/bindings/",), testid="nav-bindings"),
            NavItem(
                pgettext_lazy("导航", "批量导入"),
                "members:import",
                ("/members/import/", "/jobs/"),
                allowed=can_write,
                testid="nav-import",
            ),
        ),
        testid="nav-members",
    ),
    NavGroup(
        "rights",
        pgettext_lazy("导航", "维权"),
        (
            NavItem(pgettext_lazy("导航", "维权服务"), "rights:list", ("/rights/",), testid="nav-rights-list"),
            NavItem(
                pgettext_lazy("导航", "督办统计"),
                "casework:supervision",
                ("/rights/supervision/",),
                testid="nav-supervision",
            ),
            NavItem(
                pgettext_lazy("导航", "满意度"),
                "casework:satisfaction",
                ("/rights/satisfaction/",),
                testid="nav-satisfaction",
            ),
        ),
        testid="nav-rights",
    ),
    NavGroup(
        "assistance",
        pgettext_lazy("导航", "帮扶"),
        (
            NavItem(
                pgettext_lazy("导航", "困难职工档案"),
                "assistance:list",
                ("/assistance/",),
                allowed=can_access_assistance,
                testid="nav-hardship",
            ),
            NavItem(
                pgettext_lazy("导航", "帮扶救助活动"),
                "campaigns:list",
                ("/campaigns/",),
                allowed=can_access_assistance,
                testid="nav-campaigns",
            ),
            NavItem(
                pgettext_lazy("导航", "职工医疗互助"),
                "medical_aid:plans",
                ("/medical-aid/",),
                allowed=can_access_assistance,
                testid="nav-medical-aid",
            ),
            NavItem(
                pgettext_lazy("导航", "帮扶统计"),
                "assistance:figures",
                ("/assistance/figures/",),
                allowed=can_access_assistance,
            ),
            NavItem(
                pgettext_lazy("导航", "生活保障标准"),
                "assistance:standards",
                ("/assistance/standards/",),
                allowed=can_access_assistance,
            ),
        ),
        testid="nav-assistance",
    ),
    # The modules to come (DESIGN.md: voice/, elections/, contracts/ + congress, funds/, honours/ +
    # competitions, assessment/) register here; until they do, their groups stay hidden.
    NavGroup("voice", pgettext_lazy("导航", "职工之声"), testid="nav-voice"),
    NavGroup("democracy", pgettext_lazy("导航", "民主管理"), testid="nav-democracy"),
    NavGroup("funds", pgettext_lazy("导航", "经费"), testid="nav-funds"),
    NavGroup("honours", pgettext_lazy("导航", "评先竞赛"), testid="nav-honours"),
    NavGroup("assessment", pgettext_lazy("导航", "统计考核"), testid="nav-assessment"),
)

# Above this many visible groups the header needs the widest screens to lay them out in one line;
# below the breakpoint chosen the groups fold into the menu button (navbar-expand-<breakpoint>).
WIDE_GROUPS = 6


def _entry(item: NavItem, request: HttpRequest, current: NavItem | None) -> dict[str, Any]:
    n = item.badge(request) if item.badge else 0
    return {
        "label": item.label,
        "url": reverse(item.url_name),
        "active": item is current,
        "testid": item.testid,
        "badge": n,
        "badge_label": (item.badge_label % {"n": n}) if n and item.badge_label else "",
        "badge_id": item.badge_id,
    }


def nav_for(request: HttpRequest) -> dict[str, Any]:
    """What the header shows this request: the visible groups and entries, the current one, and
    the breadcrumb trail leading to it."""
    user = getattr(request, "user", None)
    if not can_read(user):
        return {"nav_groups": [], "nav_trail": [], "nav_expand": "xl"}
    path = request.path
    visible = [(group, [item for item in group.items if item.allowed(user)]) for group in GROUPS]
    visible = [(group, items) for group, items in visible if items]
    # The current entry: the longest prefix of the path claimed by any visible entry.
    candidates = [(item.match(path), item) for item in (HOME, INBOX)]
    candidates += [(item.match(path), item) for _group, items in visible for item in items]
    length, current = max(candidates, key=lambda pair: pair[0], default=(0, None))
    if not length:
        current = None
    groups = []
    trail: list[dict[str, Any]] = []
    for group, items in visible:
        entries = [_entry(item, request, current) for item in items]
        active = any(entry["active"] for entry in entries)
        groups.append(
            {
                "key": group.key,
                "label": group.label,
                "testid": group.testid,
                "entries": entries,
                "active": active,
                "badge": sum(entry["badge"] for entry in entries),
            }
        )
        if active:
            entry = next(entry for entry in entries if entry["active"])
            trail = [{"label": group.label, "url": ""}, {"label": entry["label"], "url": entry["url"]}]
    home = _entry(HOME, request, current)
    inbox = _entry(INBOX, request, current)
    if current is INBOX:
        trail = [{"label": inbox["label"], "url": inbox["url"]}]
    if trail and trail[-1]["url"] == path:
        trail[-1] = {**trail[-1], "here": True}
    return {
        "nav_home": home,
        "nav_inbox": inbox,
        "nav_groups": groups,
        "nav_trail": trail,
        "nav_expand": "xxl" if len(groups) > WIDE_GROUPS else "xl",
    }
