"""Shared set-up for the campaigns tests: assistance rights, filed hardship files, a running campaign."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from gonghui.accounts.services import officer_update
from gonghui.assistance.models import HardshipFile
from gonghui.campaigns import services
from gonghui.core.idcard import mask_id_number, parse_id_number
from gonghui.core.pii import encrypt, keyed_hash
from tests.conftest import id_number

NOW = timezone.make_aware(dt.datetime(2026, 1, 10, 10, 0))


def grant_assistance(tree, *users) -> None:
    for user in users:
        officer_update(actor=tree.superuser, user=user, data={"assistance_access": True})
        user.refresh_from_db()


def filed_file(org, seq: int, name: str = "王困难", level: str = "deep") -> HardshipFile:
    """A filed hardship file, built from the model: the assistance app's own tests walk the
    filing → verification → notice workflow; here only its result (state filed) matters."""
    number = id_number(seq)
    facts = parse_id_number(number)
    return HardshipFile.objects.create(
        name=name,
        id_number_encrypted=encrypt(number),
        id_number_hash=keyed_hash(number),
        id_number_masked=mask_id_number(number),
        gender=facts.gender,
        birth_date=facts.birth_date,
        org=org,
        region_code=org.region_code,
        level=level,
        state="filed",
        filed_at=NOW,
    )


def make_campaign(actor, organiser, *, budget="10000", type="spring_warmth", year=2026, open=True, **data):
    fields = {
        "type": type,
        "name": data.pop("name", "2026年送温暖"),
        "year": year,
        "starts_on": f"{year}-01-01",
        "ends_on": f"{year}-02-28",
        "eligibility": data.pop("eligibility", "filed_only"),
        "standards": data.pop("standards", {"default": "500", "levels": {"deep": "1000", "relative": "800"}}),
        **data,
    }
    campaign = services.campaign_create(actor=actor, organiser=organiser, data=fields, budget=budget, now=NOW)
    if open:
        campaign = services.campaign_open(actor=actor, campaign=campaign, now=NOW)
    return campaign


def allocate(actor, approver, campaign, org, amount) -> object:
    allocation = services.allocation_create(actor=actor, campaign=campaign, org=org, amount=amount, now=NOW)
    return services.allocation_approve(actor=approver, allocation=allocation, now=NOW)


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))
