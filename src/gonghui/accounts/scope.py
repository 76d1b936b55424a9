"""Data scope: an officer sees exactly the subtree under their own union, nothing else.

Every selector filters through `scope_q`; out of scope then looks like "does not exist".
"""

from __future__ import annotations

from django.db.models import Q

from gonghui.core.treepath import subtree_q

from .permissions import require_read


def scope_root_path(user) -> str | None:
    """The path the user's view is rooted at; None for a superuser (the whole tree)."""
    require_read(user)
    if user.is_superuser:
        return None
    return user.org.path


def scope_q(user, path_field: str = "path") -> Q:
    """Q limiting rows to the user's subtree; `path_field` is the path of the row's union."""
    root = scope_root_path(user)
    return Q() if root is None else subtree_q(root, path_field)
