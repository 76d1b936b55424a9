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


def encrypt(plaintext: str) -> str:
    enc_key, _ = _keys(settings.PII_KEY)
    nonce = os.urandom(12)
    sealed = AESGCM(enc_key).encrypt(nonce, plaintext.encode(), None)
    return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str) -> str:
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError("unknown PII ciphertext version")
    enc_key, _ = _keys(settings.PII_KEY)
    data = base64.urlsafe_b64decode(body)
    return AESGCM(enc_key).decrypt(data[:12], data[12:], None).decode()


def keyed_hash(value: str) -> str:
    _, mac_key = _keys(settings.PII_KEY)
    return hmac.new(mac_key, value.encode(), hashlib.sha256).hexdigest()
