"""Template tags for personal data: `{% phone value %}` shows a phone as the viewer may read it
(accounts.personal_data.phone_for): a tel: link in full for the reveal right, masked text otherwise."""

from __future__ import annotations

from django import template

from ..personal_data import phone_for, phone_revealed_to

register = template.Library()


@register.inclusion_tag("accounts/_phone.html", takes_context=True)
def phone(context, value: str | None, empty: str = "—") -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"shown": phone_for(user, value), "full": bool(value) and phone_revealed_to(user), "empty": empty}
