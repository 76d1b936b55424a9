"""The API contract: the live OpenAPI schema equals the committed docs/openapi.json snapshot.

A deliberate change to the API regenerates the snapshot:

    GONGHUI_UPDATE_OPENAPI=1 .venv/bin/pytest tests/api/test_openapi.py

and the diff of docs/openapi.json is then reviewed with the change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.utils import translation

from gonghui.accounts.models import Role
from gonghui.api import api
from gonghui.jobs.models import Job
from gonghui.members.models import IdType, MemberStatus, NewEmploymentForm
from gonghui.orgs.models import OrgKind

SNAPSHOT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
REGENERATE = "GONGHUI_UPDATE_OPENAPI=1 .venv/bin/pytest tests/api/test_openapi.py"


def live_schema() -> dict:
    with translation.override("zh-hans"):
        return json.loads(json.dumps(api.get_openapi_schema(), cls=DjangoJSONEncoder, ensure_ascii=False))


def test_schema_matches_the_committed_snapshot():
    live = live_schema()
    if os.environ.get("GONGHUI_UPDATE_OPENAPI") == "1":
        SNAPSHOT.write_text(json.dumps(live, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert SNAPSHOT.exists(), f"docs/openapi.json is missing; create it with: {REGENERATE}"
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    changed = sorted(
        set(live["paths"]).symmetric_difference(committed["paths"])
        | {p for p in set(live["paths"]) & set(committed["paths"]) if live["paths"][p] != committed["paths"][p]}
        | {
            f"#/components/schemas/{name}"
            for name in set(live["components"]["schemas"]) | set(committed["components"]["schemas"])
            if live["components"]["schemas"].get(name) != committed["components"]["schemas"].get(name)
        }
    )
    assert live == committed, (
        "The API no longer matches the committed contract in docs/openapi.json "
        f"(changed: {', '.join(changed) or 'top-level fields'}). If the change is intended, regenerate the "
        f"snapshot with `{REGENERATE}` and review its diff."
    )


def test_schema_is_served_and_documented(db):
    client = Client()

    served = client.get("/api/v1/openapi.json")
    docs = client.get("/api/v1/docs")

    assert served.status_code == 200
    assert served.json() == live_schema()
    assert docs.status_code == 200
    assert b"/api/v1/openapi.json" in docs.content


def _enum(schema: dict, component: str, field: str) -> list[str]:
    prop = schema["components"]["schemas"][component]["properties"][field]
    options = prop.get("anyOf", [prop])
    return next(o["enum"] if "enum" in o else [o["const"]] for o in options if "enum" in o or "const" in o)


def test_enumerations_are_the_fixed_interface_values():
    schema = live_schema()

    assert _enum(schema, "OrgOut", "kind") == [
        "federation",
        "township",
        "industry_federation",
        "regional_federation",
        "grassroots",
        "joint_grassroots",
    ]
    assert _enum(schema, "MemberOut", "status") == ["active", "retained", "transferred", "withdrawn", "deceased"]
    assert _enum(schema, "MemberOut", "id_type") == ["resident_id", "hk_mo_tw_residence", "foreign_permanent"]
    assert _enum(schema, "MemberOut", "new_employment_form") == [
        "none",
        "delivery_rider",
        "ride_hailing_driver",
        "courier",
        "truck_driver",
        "domestic_worker",
        "other_platform",
    ]
    assert _enum(schema, "MeOut", "role") == ["", "admin", "officer", "viewer"]
    # ... and they are exactly the models' choices, so the two cannot drift apart.
    assert _enum(schema, "OrgOut", "kind") == OrgKind.values
    assert _enum(schema, "OrgCreateIn", "kind") == OrgKind.values
    assert _enum(schema, "MemberOut", "status") == MemberStatus.values
    assert _enum(schema, "MemberCreateIn", "id_type") == IdType.values
    assert _enum(schema, "MemberCreateIn", "new_employment_form") == NewEmploymentForm.values
    assert _enum(schema, "MeOut", "role") == ["", *Role.values]
    assert _enum(schema, "JobOut", "state") == Job.State.values
    assert _enum(schema, "JobOut", "kind") == Job.Kind.values


def test_every_operation_documents_the_error_shape_and_has_a_chinese_summary():
    schema = live_schema()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation["summary"] and not operation["summary"].isascii(), where
            errors = {code for code in operation["responses"] if code.startswith("4")}
            assert "401" in errors, where
            for code in errors:
                assert operation["responses"][code]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorOut"
                }, where
            if method in ("post", "patch") and path != "/api/v1/members/{member_id}/reveal-id":
                assert {"400", "403", "404", "409", "422"} <= errors, where


def test_static_member_routes_come_before_the_member_id_route():
    paths = list(live_schema()["paths"])

    member_id = paths.index("/api/v1/members/{member_id}")
    for static in ("/api/v1/members/import-template", "/api/v1/members/import", "/api/v1/members/export"):
        assert paths.index(static) < member_id, static


def test_schema_names_are_unique_across_apps():
    """OpenAPI components are keyed by class name: two schemas with one name would hide one of them."""
    from ninja import Schema

    import gonghui.api  # noqa: F401 - every router imported

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {c for c in subclasses(Schema) if c.__module__.startswith("gonghui.")}
    assert len(ours) > 100
    seen: dict[str, str] = {}
    clashes = []
    for cls in sorted(ours, key=lambda c: (c.__module__, c.__qualname__)):
        where = f"{cls.__module__}.{cls.__qualname__}"
        if seen.setdefault(cls.__name__, where) != where:
            clashes.append((cls.__name__, seen[cls.__name__], where))
    assert clashes == []


def test_every_list_answers_items_and_next_cursor():
    """Issue 16 part 7: no operation answers a bare JSON array; lists are `{"items", "next_cursor"}`."""
    schema = live_schema()
    components = schema["components"]["schemas"]

    def resolved(node: dict) -> dict:
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        return node

    bare, enveloped = [], 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                body = answer.get("content", {}).get("application/json", {}).get("schema")
                if not status.startswith("2") or body is None:
                    continue
                node = resolved(body)
                if node.get("type") == "array":
                    bare.append(f"{method.upper()} {path}")
                elif set(node.get("properties", {})) == {"items", "next_cursor"}:
                    enveloped += 1
    assert bare == []
    assert enveloped > 20
