"""DigestCredentialFactory and the auth-param parser, against hand-computed RFC 7616 answers."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from plait.cred.error import LoginFailed
from plait.internet.address import IPv4Address
from plait.internet.task import Clock
from plait.testing import DummyRequest
from plait.web._auth.digest import parseAuthParams
from plait.web.guard import DigestCredentialFactory

_HASHES = {"md5": hashlib.md5, "sha-256": hashlib.sha256}


def _h(algorithm: str, data: str) -> str:
    return _HASHES[algorithm.lower().removesuffix("-sess")](data.encode()).hexdigest()


def answer(
    challenge: dict[str, Any],
    *,
    user: str = "joe",
    password: str = "blow",
    method: str = "GET",
    uri: str = "/secret",
    nc: str = "00000001",
    cnonce: str = "0a4f113b",
    override: dict[str, str] | None = None,
) -> bytes:
    """An Authorization: Digest parameter list, computed independently of plait."""
    realm = challenge["realm"].decode()
    nonce = challenge["nonce"].decode()
    algorithm = challenge["algorithm"].decode()
    ha1 = _h(algorithm, f"{user}:{realm}:{password}")
    if algorithm.lower().endswith("-sess"):
        ha1 = _h(algorithm, f"{ha1}:{nonce}:{cnonce}")
    ha2 = _h(algorithm, f"{method}:{uri}")
    response = _h(algorithm, f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
    fields = {
        "username": f'"{user}"',
        "realm": f'"{realm}"',
        "nonce": f'"{nonce}"',
        "uri": f'"{uri}"',
        "algorithm": algorithm,
        "response": f'"{response}"',
        "opaque": f'"{challenge["opaque"].decode()}"',
        "qop": "auth",
        "nc": nc,
        "cnonce": f'"{cnonce}"',
    }
    fields.update(override or {})
    return ", ".join(f"{k}={v}" for k, v in fields.items() if v != "").encode()


def request(uri: bytes = b"/secret", client: str = "10.0.0.1", method: bytes = b"GET") -> Any:
    req = DummyRequest([b"secret"], client=IPv4Address("TCP", client, 40000))
    req.uri = uri
    req.method = method
    return req


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def factory(clock: Clock) -> DigestCredentialFactory:
    return DigestCredentialFactory("md5", "example.com", clock=clock)


# -- parseAuthParams ---------------------------------------------------------------------


def test_params_tokens_and_quoted_strings() -> None:
    parsed = parseAuthParams(b'a=b,C="d, e" ,  f = "g\\"h\\\\i",, qop=auth')
    assert parsed == {"a": b"b", "c": b"d, e", "f": b'g"h\\i', "qop": b"auth"}


def test_params_empty() -> None:
    assert parseAuthParams(b"") == {}
    assert parseAuthParams(b" , ,") == {}


@pytest.mark.parametrize(
    "bad",
    [
        b"a",
        b"a=",
        b"=b",
        b'a="unterminated',
        b'a="x\\',
        b"a=b c=d",
        b"a=b, a=c",
        b'a="x\x01y"',
        b'a="x\x7fy"',
        b"a=b;c",
        b"a/=b",
    ],
)
def test_params_malformed(bad: bytes) -> None:
    with pytest.raises(LoginFailed):
        parseAuthParams(bad)


# -- construction and challenges ---------------------------------------------------------


def test_unsupported_algorithm_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="unsupported digest algorithm"):
        DigestCredentialFactory("sha", "x")


def test_realm_with_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="control"):
        DigestCredentialFactory("md5", "a\r\nSet-Cookie: x")


def test_challenge(factory: DigestCredentialFactory) -> None:
    challenge = factory.getChallenge(request())
    assert challenge["realm"] == b"example.com"
    assert challenge["qop"] == b"auth"
    assert challenge["algorithm"] == b"MD5"
    assert len(challenge["nonce"]) == 32
    assert challenge["opaque"]
    assert "stale" not in challenge
    assert factory.getChallenge(request())["nonce"] != challenge["nonce"]


def test_challenge_names_sha256_sess() -> None:
    factory = DigestCredentialFactory(b"SHA-256-sess", b"r")
    assert factory.getChallenge(request())["algorithm"] == b"SHA-256-sess"


# -- decoding answers ---------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["md5", "md5-sess", "sha-256", "SHA-256-sess"])
def test_correct_answer_is_accepted(algorithm: str, clock: Clock) -> None:
    factory = DigestCredentialFactory(algorithm, "example.com", clock=clock)
    credentials = factory.decode(answer(factory.getChallenge(request())), request())
    assert credentials.username == b"joe"
    assert credentials.checkPassword(b"blow")
    assert not credentials.checkPassword(b"blew")
    ha1 = _h(algorithm, "joe:example.com:blow").encode()
    assert credentials.checkHash(ha1)


def test_nonce_count_cannot_be_replayed(factory: DigestCredentialFactory) -> None:
    challenge = factory.getChallenge(request())
    factory.decode(answer(challenge, nc="00000001"), request())
    with pytest.raises(LoginFailed, match="already used"):
        factory.decode(answer(challenge, nc="00000001"), request())
    # Later (and out-of-order earlier) counts that were never used are fine.
    assert factory.decode(answer(challenge, nc="00000003"), request()).checkPassword("blow")
    assert factory.decode(answer(challenge, nc="00000002"), request()).checkPassword("blow")


def test_nonce_is_bound_to_its_client(factory: DigestCredentialFactory) -> None:
    challenge = factory.getChallenge(request(client="10.0.0.1"))
    with pytest.raises(LoginFailed, match="another client"):
        factory.decode(answer(challenge), request(client="10.0.0.2"))


def test_expired_nonce_is_stale(factory: DigestCredentialFactory, clock: Clock) -> None:
    challenge = factory.getChallenge(request())
    clock.advance(301)
    req = request()
    credentials = factory.decode(answer(challenge), req)
    assert not credentials.checkPassword(b"blow")
    renewed = factory.getChallenge(req)
    assert renewed["stale"] == b"true"
    assert renewed["nonce"] != challenge["nonce"]
    # The fresh nonce works and is not stale for a new request.
    assert factory.decode(answer(renewed), request()).checkPassword(b"blow")
    assert "stale" not in factory.getChallenge(request())


def test_nonce_within_lifetime_is_fine(factory: DigestCredentialFactory, clock: Clock) -> None:
    challenge = factory.getChallenge(request())
    clock.advance(299)
    assert factory.decode(answer(challenge), request()).checkPassword(b"blow")


def test_wrong_password_on_expired_nonce_is_not_stale(
    factory: DigestCredentialFactory, clock: Clock
) -> None:
    challenge = factory.getChallenge(request())
    clock.advance(1000)
    req = request()
    assert not factory.decode(answer(challenge, password="nope"), req).checkPassword(b"blow")
    assert "stale" not in factory.getChallenge(req)


def test_unknown_nonce_is_stale(factory: DigestCredentialFactory) -> None:
    other = DigestCredentialFactory("md5", "example.com")
    challenge = other.getChallenge(request())
    req = request()
    assert not factory.decode(answer(challenge), req).checkPassword(b"blow")
    assert factory.getChallenge(req)["stale"] == b"true"


def test_oldest_nonces_are_forgotten(clock: Clock) -> None:
    factory = DigestCredentialFactory("md5", "example.com", clock=clock, maxNonces=2)
    first = factory.getChallenge(request())
    factory.getChallenge(request())
    factory.getChallenge(request())
    assert not factory.decode(answer(first), request()).checkPassword(b"blow")


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"realm": '"elsewhere"'}, "another realm"),
        ({"algorithm": "SHA-256"}, "another algorithm"),
        ({"qop": "auth-int"}, "qop"),
        ({"nc": "1"}, "nonce count"),
        ({"nc": "0000000g"}, "nonce count"),
        ({"uri": '"/other"'}, "request target"),
        ({"opaque": '"wrong"'}, "opaque"),
        ({"opaque": ""}, "opaque"),
        ({"cnonce": ""}, "cnonce"),
        ({"response": ""}, "response"),
        ({"username": ""}, "username"),
        ({"userhash": "true"}, "userhash"),
        ({"username*": "UTF-8''joe"}, "exactly one"),
    ],
)
def test_mismatched_answers_fail(
    factory: DigestCredentialFactory, override: dict[str, str], reason: str
) -> None:
    challenge = factory.getChallenge(request())
    with pytest.raises(LoginFailed, match=reason):
        factory.decode(answer(challenge, override=override), request())


def test_extended_username(factory: DigestCredentialFactory) -> None:
    challenge = factory.getChallenge(request())
    header = answer(
        challenge, user="jöe", override={"username": "", "username*": "UTF-8''j%C3%B6e"}
    )
    factory_users = factory.decode(header, request())
    assert factory_users.username == "jöe".encode()
    assert factory_users.checkPassword(b"blow")


@pytest.mark.parametrize("value", ["latin-1''j%F6e", "UTF-8''j%F6e", "joe"])
def test_bad_extended_username(factory: DigestCredentialFactory, value: str) -> None:
    challenge = factory.getChallenge(request())
    with pytest.raises(LoginFailed, match="username"):
        factory.decode(answer(challenge, override={"username": "", "username*": value}), request())


def test_method_is_part_of_the_answer(factory: DigestCredentialFactory) -> None:
    challenge = factory.getChallenge(request())
    credentials = factory.decode(answer(challenge, method="GET"), request(method=b"POST"))
    assert not credentials.checkPassword(b"blow")
