"""Helpers for the API tests: an HTTP client that authenticates with a Bearer token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from gonghui.accounts.services import token_issue

PREFIX = "/api/v1"


class ApiClient:
    """django.test.Client speaking JSON to /api/v1 with `Authorization: Bearer …`."""

    def __init__(self, user) -> None:
        self.user = user
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}

    def get(self, path: str, params: dict[str, Any] | None = None):
        return self.client.get(PREFIX + path, params or {}, **self.headers)

    def post(self, path: str, body: Any = None):
        return self._send("post", path, body)

    def patch(self, path: str, body: Any = None):
        return self._send("patch", path, body)

    def upload(self, path: str, data: dict[str, Any]):
        return self.client.post(PREFIX + path, data, **self.headers)

    def _send(self, method: str, path: str, body: Any):
        payload = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
        return getattr(self.client, method)(PREFIX + path, payload, content_type="application/json", **self.headers)


@pytest.fixture
def api_as(db):
    """`api_as(user)` → an ApiClient authenticated as that user."""
    return ApiClient


def error(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}
