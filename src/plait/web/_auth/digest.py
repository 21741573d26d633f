"""HTTP Digest authentication (RFC 7616) with expiring, client-bound, single-use nonces.

Every challenge carries a fresh random nonce remembered with the client's address, the
time it was issued and an opaque value. A response is accepted only for a remembered
nonce, from the same client, within ``nonceLifetime`` seconds, with a nonce count not
seen before for that nonce (so a captured request cannot be replayed), for this realm,
algorithm and request target. A response to an expired or forgotten nonce that is
otherwise correct is answered with a fresh challenge marked ``stale=true``, which lets
the client retry at once without asking its user again.
"""

from __future__ import annotations

import hmac
import secrets
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote_to_bytes

from zope.interface import implementer

from plait.cred.credentials import DigestedCredentials, Text, digestAlgorithms
from plait.cred.error import LoginFailed
from plait.web.iweb import ICredentialFactory

__all__ = ["DigestCredentialFactory", "parseAuthParams"]

_TCHAR = frozenset(
    b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
_WHITESPACE = b" \t"

# RFC 7616's spelling of each algorithm, used in challenges.
_CANONICAL = {b"md5": b"MD5", b"sha-256": b"SHA-256", b"sha-512-256": b"SHA-512-256"}

_NC_LENGTH = 8


def parseAuthParams(data: bytes) -> dict[str, bytes]:
    """Parse an RFC 9110 ``#auth-param`` list (``a=b, c="d"``) into lower-case names.

    Quoted values are unescaped. Raises `LoginFailed` on anything malformed: a missing
    ``=``, an empty or non-token name or value, an unterminated quoted string, a control
    character, or a name given twice.
    """
    params: dict[str, bytes] = {}
    i, n = 0, len(data)
    while True:
        while i < n and (data[i] in _WHITESPACE or data[i] == 0x2C):
            i += 1
        if i >= n:
            return params
        start = i
        while i < n and data[i] in _TCHAR:
            i += 1
        name = data[start:i].decode("ascii").lower()
        if not name:
            raise LoginFailed("malformed authorization parameters: expected a name")
        while i < n and data[i] in _WHITESPACE:
            i += 1
        if i >= n or data[i] != 0x3D:
            raise LoginFailed(f"malformed authorization parameters: no value for {name!r}")
        i += 1
        while i < n and data[i] in _WHITESPACE:
            i += 1
        if i < n and data[i] == 0x22:
            value, i = _quotedString(data, i + 1)
        else:
            start = i
            while i < n and data[i] in _TCHAR:
                i += 1
            value = data[start:i]
            if not value:
                raise LoginFailed(f"malformed authorization parameters: empty {name!r}")
        if name in params:
            raise LoginFailed(f"malformed authorization parameters: {name!r} given twice")
        params[name] = value
        while i < n and data[i] in _WHITESPACE:
            i += 1
        if i < n and data[i] != 0x2C:
            raise LoginFailed("malformed authorization parameters: expected a comma")


def _quotedString(data: bytes, i: int) -> tuple[bytes, int]:
    """Read a quoted-string body starting after its opening quote; return it and the end."""
    out = bytearray()
    n = len(data)
    while i < n:
        byte = data[i]
        if byte == 0x22:
            return bytes(out), i + 1
        if byte == 0x5C:
            i += 1
            if i >= n:
                break
            byte = data[i]
        if (byte < 0x20 and byte != 0x09) or byte == 0x7F:
            raise LoginFailed("malformed authorization parameters: control character")
        out.append(byte)
        i += 1
    raise LoginFailed("malformed authorization parameters: unterminated quoted string")


def _extValue(value: bytes) -> bytes:
    """Decode an RFC 8187 ``UTF-8''percent-encoded`` value (``username*``) to UTF-8 bytes."""
    charset, quote, rest = value.partition(b"'")
    _language, quote2, encoded = rest.partition(b"'")
    if not (quote and quote2) or charset.lower() != b"utf-8":
        raise LoginFailed("username* must be UTF-8''<percent-encoded>")
    decoded = unquote_to_bytes(encoded)
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        raise LoginFailed("username* is not valid UTF-8") from None
    return decoded


class _Clock(Protocol):
    def seconds(self) -> float: ...


class _MonotonicClock:
    def seconds(self) -> float:
        return time.monotonic()


@dataclass(slots=True)
class _Nonce:
    client: str
    issued: float
    opaque: bytes
    counts: set[int] = field(default_factory=set)


class _DigestResponse(DigestedCredentials):
    """A digest response to a stale nonce: never accepted, but a correct one is reported."""

    def __init__(
        self,
        username: Text,
        method: Text,
        realm: Text,
        fields: dict[str, bytes],
        onCorrect: Callable[[], None],
    ) -> None:
        super().__init__(username, method, realm, fields)
        self._onCorrect = onCorrect

    def _verdict(self, matched: bool) -> bool:
        if matched:
            self._onCorrect()
        return False

    def checkPassword(self, password: Text) -> bool:
        """Refuse; note for the next challenge that the password was right (stale nonce)."""
        return self._verdict(super().checkPassword(password))

    def checkHash(self, digestHash: Text) -> bool:
        """Refuse; note for the next challenge that the hash was right (stale nonce)."""
        return self._verdict(super().checkHash(digestHash))


def _clientOf(request: Any) -> str:
    address = request.getClientAddress()
    return str(getattr(address, "host", None) or address)


@implementer(ICredentialFactory)
class DigestCredentialFactory:
    """Challenge clients for Digest credentials and check their answers (RFC 7616).

    ``algorithm`` is ``"md5"``, ``"sha-256"`` (or ``"sha-512-256"`` where OpenSSL has
    it), each optionally with ``-sess``; ``authenticationRealm`` is shown to users and
    is part of the hashed secret. A factory remembers the nonces it issued, so the same
    instance must issue the challenge and check the answer (one per process; with several
    worker processes use Basic over TLS, or pin clients to a worker).

    Beyond Twisted's arguments: ``nonceLifetime`` (seconds a nonce stays valid),
    ``maxNonces`` (how many are remembered; the oldest is forgotten first) and ``clock``
    (anything with ``seconds()``, e.g. the reactor or a test ``Clock``).
    """

    scheme = b"digest"

    def __init__(
        self,
        algorithm: bytes | str,
        authenticationRealm: bytes | str,
        *,
        nonceLifetime: float = 300.0,
        maxNonces: int = 10_000,
        clock: _Clock | None = None,
    ) -> None:
        name = (algorithm.encode("ascii") if isinstance(algorithm, str) else algorithm).lower()
        base = name.removesuffix(b"-sess")
        if base not in digestAlgorithms:
            supported = ", ".join(a.decode() for a in digestAlgorithms)
            raise ValueError(f"unsupported digest algorithm {algorithm!r} (use {supported})")
        realm = (
            authenticationRealm.encode("utf-8")
            if isinstance(authenticationRealm, str)
            else authenticationRealm
        )
        if any(b < 0x20 or b == 0x7F for b in realm):
            raise ValueError("the authentication realm must not contain control characters")
        self.algorithm = name
        self.authenticationRealm = realm
        self.nonceLifetime = nonceLifetime
        self.maxNonces = maxNonces
        self._clock: _Clock = clock if clock is not None else _MonotonicClock()
        self._algorithmName = _CANONICAL[base] + (b"-sess" if name != base else b"")
        self._nonces: OrderedDict[bytes, _Nonce] = OrderedDict()
        self._stale: weakref.WeakSet[Any] = weakref.WeakSet()

    def _forgetExpired(self, now: float) -> None:
        nonces = self._nonces
        # Insertion order is issue order, so the expired ones are at the front.
        while nonces:
            oldest = next(iter(nonces.values()))
            if now - oldest.issued <= self.nonceLifetime:
                break
            nonces.popitem(last=False)

    def getChallenge(self, request: Any) -> dict[str, Any]:
        """Issue a fresh nonce for this client; ``stale`` is set if its last nonce expired."""
        now = self._clock.seconds()
        self._forgetExpired(now)
        nonce = secrets.token_hex(16).encode("ascii")
        opaque = secrets.token_hex(8).encode("ascii")
        self._nonces[nonce] = _Nonce(_clientOf(request), now, opaque)
        while len(self._nonces) > self.maxNonces:
            self._nonces.popitem(last=False)
        challenge: dict[str, Any] = {
            "realm": self.authenticationRealm,
            "qop": b"auth",
            "algorithm": self._algorithmName,
            "nonce": nonce,
            "opaque": opaque,
        }
        if request in self._stale:
            challenge["stale"] = b"true"
        return challenge

    def decode(self, response: bytes, request: Any) -> DigestedCredentials:
        """Check the response's parameters and nonce; return credentials for the portal.

        Raises `LoginFailed` for malformed or mismatched parameters, a nonce issued to
        another client, or a nonce count already used.
        """
        fields = parseAuthParams(response)
        username = self._username(fields)
        for name in ("realm", "nonce", "uri", "response", "qop", "nc", "cnonce"):
            if name not in fields:
                raise LoginFailed(f"digest response without {name!r}")
        if fields["realm"] != self.authenticationRealm:
            raise LoginFailed("digest response for another realm")
        if fields.get("algorithm", b"MD5").lower() != self.algorithm:
            raise LoginFailed("digest response with another algorithm")
        if fields["qop"].lower() != b"auth":
            raise LoginFailed("only qop=auth is supported")
        nc = fields["nc"]
        if len(nc) != _NC_LENGTH or not all(c in b"0123456789abcdefABCDEF" for c in nc):
            raise LoginFailed("malformed nonce count")
        if fields["uri"] != request.uri:
            raise LoginFailed("digest response for another request target")
        method = request.method
        state = self._nonces.get(fields["nonce"])
        now = self._clock.seconds()
        if state is not None and state.client != _clientOf(request):
            raise LoginFailed("nonce issued to another client")
        if state is None or now - state.issued > self.nonceLifetime:
            self._nonces.pop(fields["nonce"], None)
            return _DigestResponse(
                username,
                method,
                self.authenticationRealm,
                fields,
                lambda: self._stale.add(request),
            )
        if not hmac.compare_digest(fields.get("opaque", b""), state.opaque):
            raise LoginFailed("digest response with the wrong opaque value")
        count = int(nc, 16)
        if count in state.counts:
            raise LoginFailed("nonce count already used (a replayed request?)")
        state.counts.add(count)
        return DigestedCredentials(username, method, self.authenticationRealm, fields)

    @staticmethod
    def _username(fields: dict[str, bytes]) -> bytes:
        if fields.get("userhash", b"false").lower() != b"false":
            raise LoginFailed("userhash is not supported")
        plain, extended = fields.get("username"), fields.get("username*")
        if (plain is None) == (extended is None):
            raise LoginFailed("digest response needs exactly one of username, username*")
        return plain if plain is not None else _extValue(extended)  # type: ignore[arg-type]
