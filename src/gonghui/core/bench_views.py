"""A bare Django JSON view: the HTTP benchmark's baseline (mounted only with GONGHUI_BENCH_ENDPOINTS=1)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def ping(request: HttpRequest) -> JsonResponse:
    """No database, no session, no template: the floor of a Django request on this server."""
    return JsonResponse({"ok": True})
