"""Domain errors: raised by services, turned into the one API error shape and page messages.

`{"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}`
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class DomainError(Exception):
    status = 400
    default_code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = fields or {}

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class InvalidInput(DomainError):
    """Well-formed request whose values break a rule (422)."""

    status = 422
    default_code = "validation_error"

    @classmethod
    def from_django(cls, exc: ValidationError) -> InvalidInput:
        if hasattr(exc, "error_dict"):
            fields = {
                ("non_field" if name == "__all__" else name): [str(m) for e in errs for m in e.messages]
                for name, errs in exc.error_dict.items()
            }
        else:
            fields = {"non_field": [str(m) for m in exc.messages]}
        first = next(iter(fields.values()))[0] if fields else _("输入有误")
        return cls(_("输入有误：%(detail)s") % {"detail": first}, fields=fields)


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Throttled(DomainError):
    """Too many requests or tries; the message says when to try again (429)."""

    status = 429
    default_code = "throttled"
