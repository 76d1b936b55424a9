"""Chinese by default; the English catalogue complete, compiled and current."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "gonghui"
PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _unquote(raw: str) -> str:
    return raw.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")


def parse_po(path: Path) -> dict[tuple[str, str], tuple[str, bool, bool]]:
    """(msgctxt, msgid) → (msgstr (the singular form of a plural), fuzzy, plural)."""
    entries: dict[tuple[str, str], tuple[str, bool, bool]] = {}
    block: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.strip():
            block.append(line)
            continue
        if block:
            fuzzy = any(b.startswith("#,") and "fuzzy" in b for b in block)
            fields: dict[str, str] = {}
            key = None
            for b in block:
                if b.startswith("#"):
                    continue
                m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\])\s+"(.*)"$', b)
                if m:
                    key = m.group(1)
                    fields[key] = m.group(2)
                elif b.startswith('"') and key:
                    fields[key] += b[1:-1]
            if fields.get("msgid"):
                plural = "msgid_plural" in fields
                msgstr = fields.get("msgstr[0]" if plural else "msgstr", "")
                if plural and not fields.get("msgstr[1]"):
                    msgstr = ""
                entries[(_unquote(fields.get("msgctxt", "")), _unquote(fields["msgid"]))] = (
                    _unquote(msgstr),
                    fuzzy,
                    plural,
                )
            block = []
    return entries


def test_english_catalogue_is_complete():
    entries = parse_po(PO)
    assert len(entries) > 100
    missing = [k for k, (v, fuzzy, _plural) in entries.items() if not v or fuzzy]
    assert missing == [], f"untranslated or fuzzy: {missing[:20]}"
    leftover = [k for k, (v, _fuzzy, _plural) in entries.items() if CJK.search(v)]
    assert leftover == [], f"Chinese left in English translations: {leftover[:20]}"


def test_compiled_catalogue_matches_po():
    with MO.open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)

    def compiled(ctxt: str, msgid: str, plural: bool) -> str:
        if plural:
            return catalogue.ngettext(msgid, msgid, 1) if not ctxt else catalogue.npgettext(ctxt, msgid, msgid, 1)
        return catalogue.pgettext(ctxt, msgid) if ctxt else catalogue.gettext(msgid)

    stale = [k for k, (v, _fuzzy, plural) in parse_po(PO).items() if compiled(*k, plural) != v]
    assert stale == [], f"django.mo is stale, run `make messages`: {stale[:10]}"


def test_catalogue_covers_every_string_in_the_code(tmp_path):
    copy = tmp_path / "gonghui"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("static", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": f"{PACKAGE.parents[1]}:{PACKAGE.parent}",
            "PATH": "/usr/bin:/bin",
            # cwd is the package copy: without this, its celery.py would shadow the celery library.
            "PYTHONSAFEPATH": "1",
        },
    )
    fresh = set(parse_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    missing = sorted(fresh - set(parse_po(PO)))
    assert missing == [], f"strings not in the English catalogue, run `make messages`: {missing[:20]}"


def test_pages_default_to_chinese_and_switch_to_english(client, db):
    zh = client.get("/accounts/login/").content.decode()
    assert "登录" in zh and 'lang="zh-CN"' in zh
    en = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in" in en or "Sign in" in en
    assert not CJK.search(re.sub(r"<option[^>]*>.*?</option>|中文", "", en))
