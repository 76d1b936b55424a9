"""Personal data at rest: AES-GCM encryption and a keyed hash (HMAC-SHA256) for exact lookup.

Both keys derive from GONGHUI_PII_KEY; the ciphertext carries a version prefix so the key
can be rotated later by re-encrypting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = "v1"


@lru_cache(maxsize=4)
def _keys(master: str) -> tuple[bytes, bytes]:
    raw = master.encode()
    enc = hashlib.sha256(b"gonghui:pii:encrypt:" + raw).digest()
    mac = hashlib.sha256(b"gonghui:pii:hmac:" + raw).digest()
    return enc, mac


@lru_cache(maxsize=4)
def _aead(master: str) -> AESGCM:
    return AESGCM(_keys(master)[0])


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(12)
    sealed = _aead(settings.PII_KEY).encrypt(nonce, plaintext.encode(), None)
    return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str) -> str:
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError("unknown PII ciphertext version")
    data = base64.urlsafe_b64decode(body)
    return _aead(settings.PII_KEY).decrypt(data[:12], data[12:], None).decode()


@lru_cache(maxsize=4)
def _mac(master: str) -> hmac.HMAC:
    return hmac.new(_keys(master)[1], digestmod=hashlib.sha256)


def keyed_hash(value: str) -> str:
    # A copy of the keyed HMAC, not hmac.digest(): that looks the digest up in OpenSSL on every
    # call and lets the GIL go, which an import's writer thread then holds (each row waited).
    mac = _mac(settings.PII_KEY).copy()
    mac.update(value.encode())
    return mac.hexdigest()
