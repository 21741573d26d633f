"""Apache htpasswd files: parsing them and verifying each hash scheme they may hold.

Supported: bcrypt (``$2y$``, ``$2b$``, ``$2a$``; through the ``bcrypt`` package),
``{SHA}`` (base64 of an unsalted SHA-1), and MD5-crypt (``$apr1$``, Apache's default
before 2.4, and the original ``$1$`` form).  Refused, with a log line naming the line:
SHA-crypt (``$5$``/``$6$``), traditional DES ``crypt()`` and anything unknown.  Plain-text
entries are only accepted when the caller asks for them.

``{SHA}`` and MD5-crypt are weak (fast, and SHA unsalted): they are here so existing
files keep working; new passwords belong in bcrypt (``htpasswd -B``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Entry", "md5crypt", "parse", "scheme_of", "verify"]

_ITOA64 = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# bcrypt only ever looks at the first 72 bytes of a password; Apache's htpasswd hashes
# longer ones that way, while the bcrypt package (5.0+) refuses them.  Truncating here
# accepts exactly what the stored hash accepts.
_BCRYPT_MAX_PASSWORD = 72


@dataclass(frozen=True, slots=True)
class Entry:
    """One ``user:hash`` line of an htpasswd file."""

    username: bytes
    hashed: bytes
    scheme: str
    lineno: int


def scheme_of(hashed: bytes) -> str:
    """Name the hash scheme of an htpasswd hash: bcrypt, sha, apr1, md5crypt, or another."""
    if hashed.startswith((b"$2y$", b"$2b$", b"$2a$")):
        return "bcrypt"
    if hashed.startswith(b"{SHA}"):
        return "sha"
    if hashed.startswith(b"$apr1$"):
        return "apr1"
    if hashed.startswith(b"$1$"):
        return "md5crypt"
    if hashed.startswith(b"$5$"):
        return "sha256crypt"
    if hashed.startswith(b"$6$"):
        return "sha512crypt"
    if len(hashed) == 13 and all(byte in _ITOA64 for byte in hashed):
        return "crypt"
    return "unknown"


SUPPORTED = frozenset({"bcrypt", "sha", "apr1", "md5crypt"})
"""Schemes `verify` can check."""


def parse(data: bytes) -> list[Entry]:
    """Parse an htpasswd file's bytes: ``user:hash`` lines; blank and ``#`` lines skipped.

    A line without a colon is skipped.  When a user appears twice, both entries are
    returned; the checker uses the first, as Apache does.
    """
    entries: list[Entry] = []
    for lineno, raw in enumerate(data.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(b"#"):
            continue
        username, colon, hashed = line.partition(b":")
        if not colon or not username:
            continue
        # Apache's htdigest-like extra fields never appear in htpasswd; a trailing
        # ":comment" is not part of the hash either.
        hashed = hashed.split(b":", 1)[0].strip()
        entries.append(Entry(username, hashed, scheme_of(hashed), lineno))
    return entries


def _to64(value: int, count: int) -> bytes:
    out = bytearray()
    for _ in range(count):
        out.append(_ITOA64[value & 0x3F])
        value >>= 6
    return bytes(out)


def md5crypt(password: bytes, salt: bytes, magic: bytes = b"$apr1$") -> bytes:
    """Poul-Henning Kamp's MD5-crypt with ``magic`` (``$apr1$`` or ``$1$``); full hash."""
    salt = salt.split(b"$", 1)[0][:8]
    context = hashlib.md5(password + magic + salt)
    alternate = hashlib.md5(password + salt + password).digest()
    remaining = len(password)
    while remaining > 0:
        context.update(alternate[: min(remaining, 16)])
        remaining -= 16
    length = len(password)
    while length:
        context.update(b"\0" if length & 1 else password[:1])
        length >>= 1
    final = context.digest()
    # 1000 rounds, deliberately slow for 1994 hardware; fast for today's.
    for round_ in range(1000):
        step = hashlib.md5()
        step.update(password if round_ & 1 else final)
        if round_ % 3:
            step.update(salt)
        if round_ % 7:
            step.update(password)
        step.update(final if round_ & 1 else password)
        final = step.digest()
    encoded = b"".join(
        _to64((final[a] << 16) | (final[b] << 8) | final[c], 4)
        for a, b, c in ((0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5))
    )
    encoded += _to64(final[11], 2)
    return magic + salt + b"$" + encoded


def _verify_bcrypt(password: bytes, hashed: bytes) -> bool:
    import bcrypt  # the "bcrypt" package; imported here so plait.cred works without it

    try:
        return bcrypt.checkpw(password[:_BCRYPT_MAX_PASSWORD], hashed)
    except ValueError:  # a malformed hash (bad salt, truncated line)
        return False


def _verify_sha(password: bytes, hashed: bytes) -> bool:
    expected = b"{SHA}" + base64.b64encode(hashlib.sha1(password).digest())
    return hmac.compare_digest(expected, hashed)


def _verify_md5crypt(magic: bytes) -> Callable[[bytes, bytes], bool]:
    def check(password: bytes, hashed: bytes) -> bool:
        salt = hashed[len(magic) :].split(b"$", 1)[0]
        return hmac.compare_digest(md5crypt(password, salt, magic), hashed)

    return check


_VERIFIERS: dict[str, Callable[[bytes, bytes], bool]] = {
    "bcrypt": _verify_bcrypt,
    "sha": _verify_sha,
    "apr1": _verify_md5crypt(b"$apr1$"),
    "md5crypt": _verify_md5crypt(b"$1$"),
}


def verify(password: bytes, entry: Entry, allowPlaintext: bool = False) -> bool:
    """Whether ``password`` matches ``entry``; False for schemes that are not supported.

    With ``allowPlaintext``, an entry of no recognised scheme is compared as plain text.
    """
    check = _VERIFIERS.get(entry.scheme)
    if check is not None:
        return check(password, entry.hashed)
    if allowPlaintext and entry.scheme in ("unknown", "crypt"):
        return hmac.compare_digest(password, entry.hashed)
    return False
