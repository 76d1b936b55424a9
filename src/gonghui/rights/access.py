"""Who may write on a request: the check shared by rights.services and the casework services."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gonghui.accounts.permissions import require_write
from gonghui.accounts.scope import scope_root_path
from gonghui.core.errors import Forbidden, NotFound
from gonghui.orgs.models import Org

from .models import ServiceRequest
from .selectors import request_qs_visible_to


def in_scope(actor, org: Org) -> bool:
    root = scope_root_path(actor)
    return root is None or org.path.startswith(root)


def require_handler(actor, request: ServiceRequest) -> None:
    """A writing officer whose subtree holds the request (others: missing or read-only)."""
    require_write(actor)
    if not in_scope(actor, request.handling_org):
        if request_qs_visible_to(actor=actor).filter(pk=request.pk).exists():
            raise Forbidden(_("该申请已不在本工会办理，不能操作"))
        raise NotFound(_("申请不存在"))
