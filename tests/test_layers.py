"""Dependencies point one way inside and between apps (docs/architecture.md).

Read from the source (every import statement, also those inside functions):
- an app's selectors never import its services (reads sit below writes; a piece both need lives in
  a small module below both, e.g. joining.employers, jobs.progress);
- no two apps' services import each other;
- casework sits on rights: its services and selectors never import rights.services, and
  rights.services never imports the casework's services (the shared timeline and permission
  check are rights.events and rights.access).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "gonghui"
APPS = sorted(p.parent.name for p in SRC.glob("*/apps.py"))


def imported_modules(app: str, module: str) -> set[str]:
    """Every module `gonghui.<app>.<module>` imports, as absolute dotted names."""
    path = SRC / app / f"{module}.py"
    if not path.exists():
        return set()
    package = f"gonghui.{app}"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            # `from . import services` names the module in the alias.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def test_the_reader_sees_the_imports_of_a_module():
    # The check itself: joining.views imports its services and selectors, relative or absolute.
    imports = imported_modules("joining", "views")
    assert "gonghui.joining.services" in imports or "gonghui.joining.selectors" in imports


@pytest.mark.parametrize("app", APPS)
def test_selectors_do_not_import_their_services(app):
    assert f"gonghui.{app}.services" not in imported_modules(app, "selectors")


def test_no_two_apps_services_import_each_other():
    uses = {app: imported_modules(app, "services") for app in APPS}
    circles = [
        (a, b)
        for a in APPS
        for b in APPS
        if a < b and f"gonghui.{b}.services" in uses[a] and f"gonghui.{a}.services" in uses[b]
    ]
    assert circles == []


def test_casework_sits_on_rights_without_importing_its_services():
    for module in ("services", "selectors", "api", "views", "forms"):
        assert "gonghui.rights.services" not in imported_modules("casework", module), module
    assert "gonghui.casework.services" not in imported_modules("rights", "services")
