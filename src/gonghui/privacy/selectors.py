"""Reads: the current texts, and a worker's own consents."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from gonghui.core.errors import NotFound

from .default_texts import DEFAULTS
from .models import Consent, ConsentPurpose, PolicyKind, PolicyText


def policy_current(kind: str) -> PolicyText:
    """The newest published version of the agreement or the notice.

    A migration publishes version 1; a database emptied since (a flush, as transactional tests do)
    gets the same default back here, so registration and consent never stop for want of a text.
    """
    text = PolicyText.objects.filter(kind=kind).order_by("-version").first()
    if text is None:
        if kind not in DEFAULTS:
            raise NotFound(str(PolicyKind(kind).label))
        title, body, body_en = DEFAULTS[kind]
        with transaction.atomic():
            text, _created = PolicyText.objects.get_or_create(
                kind=kind,
                version=1,
                defaults={"title": title, "body": body, "body_en": body_en, "published_at": timezone.now()},
            )
    return text


def policy_version(kind: str, version: int | str) -> PolicyText:
    """One earlier version (what a worker agreed to then)."""
    try:
        return PolicyText.objects.get(kind=kind, version=int(version))
    except (PolicyText.DoesNotExist, ValueError, OverflowError):
        raise NotFound(str(PolicyKind(kind).label)) from None


def consents_of(user) -> QuerySet[Consent]:
    return Consent.objects.filter(user=user).select_related("text").order_by("-created_at", "-id")


def has_consented(*, user, purpose: str) -> bool:
    """A consent for the purpose that has not been withdrawn."""
    return Consent.objects.filter(user=user, purpose=purpose, withdrawn_at__isnull=True).exists()


def consent_outdated(user) -> bool:
    """The worker accepted the agreement and notice at registration, and a newer version of either
    has been published since: they are asked to read and accept it on their next portal visit.
    Accounts that never gave one (made before consents were recorded) are not stopped here."""
    accepted = dict(
        Consent.objects.filter(user=user, purpose=ConsentPurpose.REGISTRATION)
        .values_list("text__kind")
        .annotate(latest=Max("text__version"))
    )
    return any(version < policy_current(kind).version for kind, version in accepted.items())


SENSITIVE_PURPOSES = (ConsentPurpose.REAL_NAME, ConsentPurpose.MEDICAL_AID, ConsentPurpose.HARDSHIP)
