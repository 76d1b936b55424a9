"""The portal's limits live in core.limits (officers' sign-in codes share them)."""

from gonghui.core.limits import DEFAULTS, limit

__all__ = ["DEFAULTS", "limit"]
