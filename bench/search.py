"""Member search at scale: every kind of search box term, scoped to the root, a province, a city
and a grassroots union.

Each figure is the p95 of ~100 calls of what the list page and GET /api/v1/members?q= do: the
`member_list_visible_to` selector with `q` and `org`, then one keyset page of 50 rows
materialized. Baseline, same run: a primary-key lookup of one member (`Member.objects.get(pk=…)`)
— the floor of any indexed read on this connection, so the ratio says how many "single-row
reads" a search costs. (The unscoped query is not a useful floor: for a common surname it is
itself the most expensive case.)
"""

from __future__ import annotations

from collections import Counter

from gonghui.core.phone import mask_mobile
from gonghui.core.pii import decrypt
from gonghui.members.models import Member
from gonghui.members.selectors import MemberFilters

from ._members import LEVELS, page, sample_member, sample_orgs
from .harness import Context, Result, p95, timed_ms

TARGET = "p95 ≤ 50 ms"


def _common_surname(sample: list[Member]) -> str:
    return Counter(m.name[0] for m in sample).most_common(1)[0][0]


def _plain_id(member: Member) -> str:
    """The member's ID number; "" when the dataset was encrypted under another GONGHUI_PII_KEY."""
    try:
        return decrypt(member.id_number_encrypted)
    except Exception:  # cryptography's InvalidTag: seeded with a different key
        print("   ID number search skipped: the dataset was seeded under another GONGHUI_PII_KEY", flush=True)
        return ""


def run(ctx: Context) -> None:
    repeat = 10 if ctx.smoke else 100
    samples = sample_orgs()
    any_member = Member.objects.order_by("-id").first()
    if any_member is None:
        print("   no members in this dataset")
        return
    floor_pk = any_member.pk
    floor = p95(timed_ms(lambda: Member.objects.get(pk=floor_pk), repeat=repeat * 2))
    surname_sample = list(Member.objects.order_by("-id").only("name")[:2000])
    surname = _common_surname(surname_sample)
    for label in LEVELS:
        org = samples.get(label)
        if org is None:
            print(f"   no {label} union in this dataset")
            continue
        member = sample_member(org)
        if member is None:
            continue
        terms = {
            f"name prefix {surname}": surname,
            f"name prefix {member.name[:2]}": member.name[:2],
            f"full name {member.name}": member.name,
            f"pinyin initials {member.name_initials[:2]}": member.name_initials[:2],
            "phone": member.phone,
            "ID number": _plain_id(member),
            "card number": member.card_number,
            # As officers type (issue 16): initials that may start a polyphonic surname's everyday
            # reading (both columns asked), the last four digits alone (capped) and after a name,
            # and masked values copied from a list.
            "initials cg (both readings)": "cg",
            "last four alone": member.phone[-4:],
            "name + last four": member.name[:1] + member.phone[-4:] if member.phone else "",
            "masked phone": mask_mobile(member.phone) if member.phone else "",
            "masked ID number": member.id_number_masked,
        }
        for kind, term in terms.items():
            if not term:
                continue
            filters = MemberFilters(q=term, org_id=org.pk)
            rows, _ = page(filters)
            found_kinds = ("ID number", "card number", "name + last four", "masked phone", "masked ID number")
            if kind in found_kinds and member.pk not in {r.pk for r in rows}:
                raise AssertionError(f"search for {kind} in {label} did not find the member")
            figure = p95(timed_ms(lambda filters=filters: page(filters), repeat=repeat))
            ctx.add(
                Result(
                    bench="search",
                    name=f"{kind} @ {label} ({len(rows)} rows)",
                    value=figure,
                    unit="ms p95",
                    baseline_name="Member.objects.get(pk) p95",
                    baseline_value=floor,
                    target=TARGET,
                )
            )
