"""Writes to the union tree. Each takes the acting user, checks scope, validates, records history."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from gonghui.accounts.permissions import require_write
from gonghui.accounts.scope import scope_root_path
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.core.pinyin import name_initials
from gonghui.core.regions import validate_region_code
from gonghui.core.treepath import STEP_LEN, step, step_number, subtree_q
from gonghui.core.uscc import validate_uscc
from gonghui.members.services import refresh_member_tiers
from gonghui.stats.services import apply_deltas, apply_org_kind_change, kind_key, move_subtree_counters

from .models import MEMBER_HOLDING_KINDS, Org, OrgEvent, OrgKind
from .selectors import forget_union_name, org_get_visible

EDITABLE_FIELDS = (
    "name",
    "code",
    "kind",
    "federation_level",
    "region_code",
    "uscc",
    "chair_name",
    "contact_phone",
    "founded_on",
    "term_start",
    "term_end",
)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$")
_LANDLINE_OR_MOBILE = re.compile(r"^[0-9+][0-9\- ]{6,19}$")


def _clean(org: Org) -> None:
    """Field rules beyond the model's own; raises InvalidInput naming each field."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    org.name = (org.name or "").strip()
    if not org.name:
        add("name", _("名称不能为空"))
    if not _CODE.match(org.code or ""):
        add("code", _("组织代码应为2至32位字母、数字、下划线或连字符"))
    try:
        org.region_code = validate_region_code(org.region_code)
    except ValidationError as exc:
        add("region_code", exc.messages[0])
    if org.uscc:
        try:
            org.uscc = validate_uscc(org.uscc)
        except ValidationError as exc:
            add("uscc", exc.messages[0])
    if org.contact_phone and not _LANDLINE_OR_MOBILE.match(org.contact_phone):
        add("contact_phone", _("联系电话格式不正确"))
    if org.kind == OrgKind.FEDERATION and not org.federation_level:
        add("federation_level", _("地方总工会需注明层级"))
    if org.kind != OrgKind.FEDERATION:
        org.federation_level = ""
    if org.term_start and org.term_end and org.term_end <= org.term_start:
        add("term_end", _("换届日期应晚于本届开始日期"))
    if org.parent is not None and org.parent.kind in MEMBER_HOLDING_KINDS:
        add("parent", _("基层工会下不能再设下级工会"))
    if not errors:
        try:
            org.full_clean(exclude=["path", "parent"], validate_unique=False)
        except ValidationError as exc:
            raise InvalidInput.from_django(exc) from None
    if errors:
        raise InvalidInput(_("输入有误：%(detail)s") % {"detail": next(iter(errors.values()))[0]}, fields=errors)
    clash = Org.objects.filter(code=org.code).exclude(pk=org.pk).exists()
    if clash:
        raise Conflict(
            _("组织代码 %(code)s 已被使用") % {"code": org.code},
            code="duplicate_code",
            fields={"code": [_("组织代码已被使用")]},
        )


def _next_child_path(parent: Org | None) -> str:
    if parent is None:
        last = Org.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
        return step(step_number(last) + 1 if last else 1)
    locked = Org.objects.select_for_update().get(pk=parent.pk)
    Org.objects.filter(pk=parent.pk).update(child_seq=F("child_seq") + 1)
    return locked.path + step(locked.child_seq + 1)


def _diff(before: dict[str, Any], org: Org) -> dict[str, list[Any]]:
    changes = {}
    for field in EDITABLE_FIELDS:
        old, new = before.get(field), getattr(org, field)
        if old != new:
            changes[field] = [_jsonable(old), _jsonable(new)]
    return changes


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def org_create(*, actor, parent: Org | None, data: dict[str, Any]) -> Org:
    """Create a union under `parent` (None: a new root, superusers only)."""
    require_write(actor)
    if parent is None:
        if scope_root_path(actor) is not None:
            raise Forbidden(_("只能在本级及下级工会下新建组织"))
    else:
        parent = org_get_visible(actor=actor, org_id=parent.pk)
    org = Org(parent=parent, **{k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    for field in ("uscc", "chair_name", "contact_phone", "federation_level"):
        setattr(org, field, getattr(org, field) or "")
    _clean(org)
    org.name_initials = name_initials(org.name)
    try:
        with transaction.atomic():
            org.path = _next_child_path(parent)
            org.depth = len(org.path) // STEP_LEN
            org.save()
            OrgEvent.objects.create(org=org, kind=OrgEvent.Kind.CREATED, actor=actor, changes=_diff({}, org))
            apply_deltas(org=org, deltas={kind_key(org.kind): 1})
    except IntegrityError:
        raise Conflict(_("组织代码 %(code)s 已被使用") % {"code": org.code}, code="duplicate_code") from None
    return org


def org_update(*, actor, org: Org, data: dict[str, Any]) -> Org:
    require_write(actor)
    org = org_get_visible(actor=actor, org_id=org.pk)
    before = {f: getattr(org, f) for f in EDITABLE_FIELDS}
    for key, value in data.items():
        if key in EDITABLE_FIELDS:
            setattr(org, key, "" if value is None and key in ("uscc", "chair_name", "contact_phone") else value)
    if org.kind != before["kind"]:
        if org.kind in MEMBER_HOLDING_KINDS and org.children.exists():
            raise InvalidInput(_("该组织有下级工会，不能改为基层工会"), fields={"kind": [_("有下级工会")]})
        if before["kind"] in MEMBER_HOLDING_KINDS and org.kind not in MEMBER_HOLDING_KINDS and org.member_count:
            raise InvalidInput(_("该工会仍有会员，不能改为非基层类型"), fields={"kind": [_("仍有会员")]})
    _clean(org)
    changes = _diff(before, org)
    if not changes:
        return org
    org.name_initials = name_initials(org.name)
    with transaction.atomic():
        org.save(update_fields=[*changes.keys(), "name_initials", "updated_at"])
        OrgEvent.objects.create(org=org, kind=OrgEvent.Kind.UPDATED, actor=actor, changes=changes)
        if "kind" in changes:
            apply_org_kind_change(org=org, old_kind=before["kind"], new_kind=org.kind)
    if "name" in changes:
        # At once and again after the commit: a read in between could keep the name from before.
        forget_union_name(org.pk)
        transaction.on_commit(lambda: forget_union_name(org.pk))
    return org


def org_move(*, actor, org: Org, new_parent: Org) -> Org:
    """Move a union and its whole subtree under another union in scope."""
    require_write(actor)
    org = org_get_visible(actor=actor, org_id=org.pk)
    new_parent = org_get_visible(actor=actor, org_id=new_parent.pk)
    if scope_root_path(actor) == org.path:
        raise Forbidden(_("不能移动本账号所属的工会"))
    if new_parent.path.startswith(org.path):
        raise InvalidInput(
            _("不能移动到自身或其下级工会之下"),
            code="move_into_self",
            fields={"parent": [_("不能移动到自身或下级之下")]},
        )
    if new_parent.kind in MEMBER_HOLDING_KINDS:
        raise InvalidInput(_("基层工会下不能再设下级工会"), fields={"parent": [_("基层工会不能有下级")]})
    if new_parent.pk == org.parent_id:
        return org
    old_parent_id = org.parent_id
    with transaction.atomic():
        old_path = org.path
        old_parent_path = org.parent.path if org.parent is not None else None
        new_path = _next_child_path(new_parent)
        delta = (len(new_path) - len(old_path)) // STEP_LEN
        Org.objects.filter(subtree_q(old_path)).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + delta,
        )
        Org.objects.filter(pk=org.pk).update(parent=new_parent)
        # After the paths are rewritten: that UPDATE waited for every writer inside the subtree.
        move_subtree_counters(org=org, old_parent_path=old_parent_path, new_parent=new_parent)
        org.refresh_from_db(fields=["path", "depth"])
        refresh_member_tiers(org=org)
        OrgEvent.objects.create(
            org=org, kind=OrgEvent.Kind.MOVED, actor=actor, changes={"parent": [old_parent_id, new_parent.pk]}
        )
    org.refresh_from_db()
    return org


def org_deactivate(*, actor, org: Org) -> Org:
    """Deactivate (撤销) a union; only an empty one: no active child unions, no current members."""
    require_write(actor)
    org = org_get_visible(actor=actor, org_id=org.pk)
    if scope_root_path(actor) == org.path:
        raise Forbidden(_("不能撤销本账号所属的工会"))
    with transaction.atomic():
        org = Org.objects.select_for_update().get(pk=org.pk)
        if org.children.filter(is_active=True).exists():
            raise Conflict(_("该工会仍有下级工会，不能撤销"), code="org_not_empty")
        if org.member_count or org.members.filter(status__in=["active", "retained"]).exists():
            raise Conflict(_("该工会仍有会员，不能撤销"), code="org_not_empty")
        org.is_active = False
        org.save(update_fields=["is_active", "updated_at"])
        apply_deltas(org=org, deltas={kind_key(org.kind): -1})
        OrgEvent.objects.create(
            org=org, kind=OrgEvent.Kind.DEACTIVATED, actor=actor, changes={"is_active": [True, False]}
        )
    return org
