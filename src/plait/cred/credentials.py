"""Credentials: what a client presents to prove who it is.

Usernames and passwords are ``bytes`` as in Twisted; ``str`` is accepted too and encoded
as UTF-8 wherever values are compared or hashed.  Every comparison of a secret (or of a
value derived from one) runs in constant time with `hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping

from zope.interface import Attribute, Interface, implementer

__all__ = [
    "Anonymous",
    "DigestedCredentials",
    "IAnonymous",
    "ICredentials",
    "IUsernameDigestHash",
    "IUsernameHashedPassword",
    "IUsernamePassword",
    "UsernameHashedPassword",
    "UsernamePassword",
    "calcHA1",
    "calcHA2",
    "calcResponse",
    "digestAlgorithms",
]

Text = bytes | str


def _bytes(value: Text) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


class ICredentials(Interface):
    """Marker for anything a checker can verify; sub-interfaces say how."""


class IUsernameDigestHash(ICredentials):
    """Credentials that can be checked against a stored digest hash, ``H(A1)``."""

    def checkHash(digestHash: bytes) -> bool:
        """Whether these credentials match the hex ``H(username:realm:password)``."""


class IUsernameHashedPassword(ICredentials):
    """A username and something derived from a password, checkable against the plain one."""

    username: bytes = Attribute("The username the credentials claim.")

    def checkPassword(password: bytes) -> bool:
        """Whether these credentials agree with the plain-text ``password``."""


class IUsernamePassword(ICredentials):
    """A username and the plain-text password itself."""

    username: bytes = Attribute("The username the credentials claim.")
    password: bytes = Attribute("The plain-text password.")

    def checkPassword(password: bytes) -> bool:
        """Whether ``password`` equals the one presented (in constant time)."""


class IAnonymous(ICredentials):
    """No credentials at all: a request to be let in anonymously."""


@implementer(IUsernamePassword)
class UsernamePassword:
    """A username and a plain-text password, as HTTP Basic authentication sends them."""

    def __init__(self, username: Text, password: Text) -> None:
        self.username = username
        self.password = password

    def checkPassword(self, password: Text) -> bool:
        """Compare ``password`` with the presented one in constant time."""
        return hmac.compare_digest(_bytes(self.password), _bytes(password))

    def __repr__(self) -> str:
        # Never put the password in logs or tracebacks.
        return f"<UsernamePassword username={self.username!r}>"


@implementer(IUsernameHashedPassword)
class UsernameHashedPassword:
    """A username and a hashed password, matched against a store of the same hash."""

    def __init__(self, username: Text, hashed: Text) -> None:
        self.username = username
        self.hashed = hashed

    def checkPassword(self, password: Text) -> bool:
        """Compare the presented hash with the stored ``password`` in constant time."""
        return hmac.compare_digest(_bytes(self.hashed), _bytes(password))

    def __repr__(self) -> str:
        return f"<UsernameHashedPassword username={self.username!r}>"


@implementer(IAnonymous)
class Anonymous:
    """The credentials of a client that presents none."""


def _sha512_256() -> hashlib._Hash:
    return hashlib.new("sha512_256")


def _algorithms() -> dict[bytes, Callable[[], hashlib._Hash]]:
    table: dict[bytes, Callable[[], hashlib._Hash]] = {
        b"md5": hashlib.md5,
        b"sha-256": hashlib.sha256,
    }
    # SHA-512/256 (RFC 7616's third algorithm) exists only where OpenSSL provides it.
    if "sha512_256" in hashlib.algorithms_available:
        table[b"sha-512-256"] = _sha512_256
    return table


digestAlgorithms: Mapping[bytes, Callable[[], hashlib._Hash]] = _algorithms()
"""RFC 7616 algorithm names (lower case, without ``-sess``) -> hash constructors."""


def _hasher(algorithm: Text) -> tuple[Callable[[bytes], bytes], bool] | None:
    """The hex hash function of ``algorithm`` and whether it is a ``-sess`` variant."""
    name = _bytes(algorithm).lower()
    session = name.endswith(b"-sess")
    if session:
        name = name[: -len(b"-sess")]
    constructor = digestAlgorithms.get(name)
    if constructor is None:
        return None

    def hexdigest(data: bytes) -> bytes:
        digest = constructor()
        digest.update(data)
        return digest.hexdigest().encode("ascii")

    return hexdigest, session


def calcHA1(
    algorithm: Text,
    username: Text | None,
    realm: Text | None,
    password: Text | None,
    nonce: Text,
    cnonce: Text | None,
    preHA1: Text | None = None,
) -> bytes:
    """``H(A1)`` of RFC 7616 section 3.4.2, as lower-case hex.

    ``preHA1`` is a stored ``H(username:realm:password)`` used instead of the three.
    For ``-sess`` algorithms the result is ``H(H(user:realm:pw):nonce:cnonce)``.
    Raises ValueError for an unknown algorithm or missing values.
    """
    found = _hasher(algorithm)
    if found is None:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}")
    digest, session = found
    if preHA1 is None:
        if username is None or realm is None or password is None:
            raise ValueError("calcHA1 needs username, realm and password, or preHA1")
        ha1 = digest(b":".join([_bytes(username), _bytes(realm), _bytes(password)]))
    else:
        ha1 = _bytes(preHA1).lower()
    if session:
        if cnonce is None:
            raise ValueError("a -sess digest algorithm needs a cnonce")
        ha1 = digest(b":".join([ha1, _bytes(nonce), _bytes(cnonce)]))
    return ha1


def calcHA2(algorithm: Text, method: Text, uri: Text) -> bytes:
    """``H(A2)`` of RFC 7616 section 3.4.3 for ``qop=auth`` (or no qop), as hex."""
    found = _hasher(algorithm)
    if found is None:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}")
    return found[0](_bytes(method) + b":" + _bytes(uri))


def calcResponse(
    algorithm: Text,
    ha1: bytes,
    ha2: bytes,
    nonce: Text,
    nc: Text | None,
    cnonce: Text | None,
    qop: Text | None,
) -> bytes:
    """The ``response`` value of RFC 7616 section 3.4.1 (RFC 2069's form when no qop)."""
    found = _hasher(algorithm)
    if found is None:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}")
    if qop is None:
        return found[0](b":".join([ha1, _bytes(nonce), ha2]))
    if nc is None or cnonce is None:
        raise ValueError("qop needs nc and cnonce")
    return found[0](b":".join([ha1, _bytes(nonce), _bytes(nc), _bytes(cnonce), _bytes(qop), ha2]))


@implementer(IUsernameHashedPassword, IUsernameDigestHash)
class DigestedCredentials:
    """The answer to an HTTP Digest challenge (RFC 7616), checkable without the password.

    ``fields`` are the parameters of the ``Authorization: Digest`` header (``response``,
    ``nonce``, ``uri``, ``cnonce``, ``nc``, ``qop``, ``algorithm``...), str keys and
    bytes (or str) values.  Supports MD5, SHA-256 (and SHA-512-256 where available), each
    with ``-sess``, and ``qop=auth`` or no qop; ``qop=auth-int`` (which needs the body)
    and unknown algorithms never match.  Nonce freshness is the credential factory's job.
    """

    def __init__(
        self, username: Text, method: Text, realm: Text, fields: Mapping[str, Text]
    ) -> None:
        self.username = username
        self.method = method
        self.realm = realm
        self.fields = fields

    def _matches(self, password: Text | None, preHA1: Text | None) -> bool:
        fields = self.fields
        response, nonce, uri = fields.get("response"), fields.get("nonce"), fields.get("uri")
        if response is None or nonce is None or uri is None:
            return False
        algorithm = fields.get("algorithm", b"md5")
        qop = fields.get("qop")
        if qop is not None and _bytes(qop).lower() != b"auth":
            return False
        try:
            ha1 = calcHA1(
                algorithm,
                self.username,
                self.realm,
                password,
                nonce,
                fields.get("cnonce"),
                preHA1=preHA1,
            )
            expected = calcResponse(
                algorithm,
                ha1,
                calcHA2(algorithm, self.method, uri),
                nonce,
                fields.get("nc"),
                fields.get("cnonce"),
                None if qop is None else b"auth",
            )
        except ValueError:
            return False
        return hmac.compare_digest(expected, _bytes(response).lower())

    def checkPassword(self, password: Text) -> bool:
        """Whether the digest response was computed from the plain-text ``password``."""
        return self._matches(password, None)

    def checkHash(self, digestHash: Text) -> bool:
        """Whether the response was computed from ``digestHash`` = hex H(user:realm:pw)."""
        return self._matches(None, digestHash)

    def __repr__(self) -> str:
        return f"<DigestedCredentials username={self.username!r} realm={self.realm!r}>"
