"""Room codes, secrets and nicknames: everything that identifies someone in a session.

Room codes use an alphabet without look-alikes (no 0/O, 1/l/I) so children can type them from
a projector. Secrets are compared by hash in constant time. Nicknames are the only thing a
participant tells us; they are normalised and filtered, never trusted.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "NicknameRefused",
    "clean_nickname",
    "hash_secret",
    "new_code",
    "new_id",
    "new_secret",
    "normalise_code",
    "secret_matches",
]

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
NICKNAME_MAX = 20

_SPACES = re.compile(r"\s+")


class NicknameRefused(ValueError):
    """A nickname that is empty or unusable once cleaned."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """The code as typed -> canonical form; ``None`` when it cannot be a room code.

    Lower case is accepted, spaces and dashes are ignored; the look-alikes a child might type
    for a missing letter (o for 0... ) are not guessed at: the alphabet simply has none.
    """
    code = re.sub(r"[\s\-]", "", text).upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, digest: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), digest)


def clean_nickname(raw: str) -> str:
    """NFC, no control/format/private characters, single spaces, at most 20 characters."""
    text = unicodedata.normalize("NFKC", raw)
    kept = "".join(
        " " if char.isspace() else char
        for char in text
        if char.isspace() or unicodedata.category(char)[0] not in ("C", "Z")
    )
    kept = _SPACES.sub(" ", kept).strip()
    kept = kept[:NICKNAME_MAX].strip()
    if not kept:
        raise NicknameRefused("a nickname needs at least one visible character")
    return kept
