"""Encryption at rest for secrets the app must read back (a webhook's signing secret: HMAC
needs it, so it cannot be hashed like a token). Fernet (AES-128-CBC with HMAC-SHA256), with
a key derived (HKDF-SHA256) from LABELFORGE_SECRET_KEY, or SECRET_KEY when that is unset.
Values encrypted under an earlier key still decrypt while that key is listed in
SECRET_KEY_FALLBACKS (or was SECRET_KEY before LABELFORGE_SECRET_KEY was set)."""

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

INFO = b"labelforge: secrets at rest, v1"


class SecretUnreadable(Exception):
    """A stored value does not decrypt under any configured key."""


def _fernet_key(secret: str) -> bytes:
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO)
    return base64.urlsafe_b64encode(kdf.derive(secret.encode()))


@cache
def _fernet(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(s)) for s in secrets])


def _keys() -> tuple[str, ...]:
    primary = getattr(settings, "LABELFORGE_SECRET_KEY", "") or settings.SECRET_KEY
    older = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return tuple(dict.fromkeys([primary, *(k for k in older if k)]))


def encrypt(value: str) -> str:
    return _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret does not decrypt with LABELFORGE_SECRET_KEY / SECRET_KEY (or "
            "SECRET_KEY_FALLBACKS): was the key changed without keeping the old one?"
        ) from None
