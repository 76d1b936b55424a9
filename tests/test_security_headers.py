"""Security headers on every response, and templates the Content-Security-Policy can serve: no
inline script, event handler, javascript: link or <style> element (the browser tests then check
the pages in chromium)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import gonghui

TEMPLATES = sorted(Path(gonghui.__file__).parent.rglob("templates/**/*.html"))
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"hx-(vals|vars)=['\"]\s*js:", re.I), "htmx js: values (eval)"),
    (re.compile(r"hx-on", re.I), "hx-on (eval)"),
]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p).split("templates/", 1)[-1])
def test_template_has_no_code_the_policy_refuses(path):
    source = path.read_text(encoding="utf-8")
    found = [f"{what}: {m.group(0)!r}" for pattern, what in INLINE for m in pattern.finditer(source)]
    assert not found, found


@pytest.mark.django_db
def test_pages_and_api_carry_the_headers(client, tree):
    client.force_login(tree.officer_a)
    for url in ("/", "/m/legal/privacy/", "/api/v1/docs", "/accounts/login/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, url
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy and "base-uri 'none'" in policy
        assert "'unsafe-eval'" not in policy and "style-src-elem 'self'" in policy
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    api = client.get("/api/v1/members/", HTTP_ACCEPT="application/json")
    assert "Content-Security-Policy" in api
