"""Tests for plait.cred.credentials: plain, hashed, anonymous and HTTP Digest credentials."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plait.cred.credentials import (
    Anonymous,
    DigestedCredentials,
    IAnonymous,
    ICredentials,
    IUsernameDigestHash,
    IUsernameHashedPassword,
    IUsernamePassword,
    UsernameHashedPassword,
    UsernamePassword,
    calcHA1,
    digestAlgorithms,
)


def test_interfaces_are_provided() -> None:
    assert IUsernamePassword.providedBy(UsernamePassword(b"u", b"p"))
    assert ICredentials.providedBy(UsernamePassword(b"u", b"p"))
    assert IUsernameHashedPassword.providedBy(UsernameHashedPassword(b"u", b"h"))
    assert IAnonymous.providedBy(Anonymous())
    assert not IUsernamePassword.providedBy(Anonymous())
    digest = DigestedCredentials(b"u", b"GET", b"r", {})
    assert IUsernameHashedPassword.providedBy(digest)
    assert IUsernameDigestHash.providedBy(digest)


def test_username_password() -> None:
    creds = UsernamePassword(b"alice", b"s3cret")
    assert creds.username == b"alice"
    assert creds.password == b"s3cret"
    assert creds.checkPassword(b"s3cret")
    assert not creds.checkPassword(b"s3cre")
    assert not creds.checkPassword(b"s3cret ")
    assert not creds.checkPassword(b"")
    assert b"s3cret" not in repr(creds).encode()


def test_username_password_accepts_text() -> None:
    assert UsernamePassword("bob", "pässword").checkPassword("pässword".encode())
    assert UsernamePassword(b"bob", "pässword".encode()).checkPassword("pässword")
    assert not UsernamePassword("bob", "pässword").checkPassword("passwörd")


def test_username_hashed_password() -> None:
    creds = UsernameHashedPassword(b"alice", b"abc123")
    assert creds.checkPassword(b"abc123")
    assert not creds.checkPassword(b"abc124")


# RFC 7616 section 3.9.1: the worked example, with the responses the RFC prints.
RFC_FIELDS = {
    "username": b"Mufasa",
    "realm": b"http-auth@example.org",
    "uri": b"/dir/index.html",
    "qop": b"auth",
    "nc": b"00000001",
    "cnonce": b"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    "nonce": b"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    "opaque": b"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
}


@pytest.mark.parametrize(
    ("algorithm", "response"),
    [
        (b"MD5", b"8ca523f5e9506fed4657c9700eebdbec"),
        (b"SHA-256", b"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_example(algorithm: bytes, response: bytes) -> None:
    fields = dict(RFC_FIELDS, algorithm=algorithm, response=response)
    creds = DigestedCredentials(b"Mufasa", b"GET", b"http-auth@example.org", fields)
    assert creds.checkPassword(b"Circle of Life")
    assert not creds.checkPassword(b"Circle of life")
    constructor = hashlib.md5 if algorithm == b"MD5" else hashlib.sha256
    ha1 = constructor(b"Mufasa:http-auth@example.org:Circle of Life").hexdigest()
    assert creds.checkHash(ha1.encode())
    assert creds.checkHash(ha1.upper())
    assert not creds.checkHash(constructor(b"x").hexdigest().encode())
    # the response is compared case-insensitively (it is hex)
    upper = DigestedCredentials(
        b"Mufasa", b"GET", b"http-auth@example.org", dict(fields, response=response.upper())
    )
    assert upper.checkPassword(b"Circle of Life")


def independent_response(
    name: str,
    user: bytes,
    realm: bytes,
    password: bytes,
    method: bytes,
    uri: bytes,
    nonce: bytes,
    cnonce: bytes,
    nc: bytes,
    qop: bytes | None,
) -> bytes:
    """RFC 7616 section 3.4, written out again for the test."""
    base = name.lower().removesuffix("-sess")
    hash_name = {"md5": "md5", "sha-256": "sha256", "sha-512-256": "sha512_256"}[base]

    def h(data: bytes) -> bytes:
        return hashlib.new(hash_name, data).hexdigest().encode()

    a1 = h(user + b":" + realm + b":" + password)
    if name.lower().endswith("-sess"):
        a1 = h(a1 + b":" + nonce + b":" + cnonce)
    a2 = h(method + b":" + uri)
    if qop is None:
        return h(a1 + b":" + nonce + b":" + a2)
    return h(b":".join([a1, nonce, nc, cnonce, qop, a2]))


ALGORITHMS = ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess"] + (
    ["SHA-512-256", "SHA-512-256-sess"] if b"sha-512-256" in digestAlgorithms else []
)

safe_text = st.binary(min_size=1, max_size=20).filter(lambda b: b":" not in b)


@given(
    st.sampled_from(ALGORITHMS),
    safe_text,
    safe_text,
    st.binary(max_size=30),
    st.sampled_from([b"GET", b"POST", b"PROPFIND"]),
    st.binary(min_size=1, max_size=30).map(lambda b: b"/" + b.hex().encode()),
    st.binary(min_size=8, max_size=16).map(lambda b: b.hex().encode()),
    st.binary(min_size=8, max_size=16).map(lambda b: b.hex().encode()),
    st.integers(1, 2**32 - 1).map(lambda n: b"%08x" % n),
    st.sampled_from([b"auth", None]),
)
def test_digest_matches_an_independent_computation(
    algorithm: str,
    user: bytes,
    realm: bytes,
    password: bytes,
    method: bytes,
    uri: bytes,
    nonce: bytes,
    cnonce: bytes,
    nc: bytes,
    qop: bytes | None,
) -> None:
    response = independent_response(
        algorithm, user, realm, password, method, uri, nonce, cnonce, nc, qop
    )
    fields: dict[str, bytes] = {
        "username": user,
        "realm": realm,
        "nonce": nonce,
        "uri": uri,
        "cnonce": cnonce,
        "nc": nc,
        "algorithm": algorithm.encode(),
        "response": response,
    }
    if qop is not None:
        fields["qop"] = qop
    creds = DigestedCredentials(user, method, realm, fields)
    assert creds.checkPassword(password)
    assert not creds.checkPassword(password + b"x")
    base = algorithm.lower().removesuffix("-sess").replace("sha-512-256", "sha512_256")
    stored = hashlib.new(base.replace("-", ""), user + b":" + realm + b":" + password)
    assert creds.checkHash(stored.hexdigest().encode())
    # the same response for another method or URI does not verify
    assert not DigestedCredentials(user, b"DELETE", realm, fields).checkPassword(password)
    assert not DigestedCredentials(
        user, method, realm, dict(fields, uri=uri + b"x")
    ).checkPassword(password)


def test_digest_defaults_to_md5_and_accepts_text_fields() -> None:
    response = independent_response(
        "MD5", b"u", b"r", b"pw", b"GET", b"/", b"n", b"c", b"00000001", b"auth"
    )
    fields = {
        "nonce": "n",
        "uri": "/",
        "cnonce": "c",
        "nc": "00000001",
        "qop": "auth",
        "response": response.decode(),
    }
    assert DigestedCredentials("u", "GET", "r", fields).checkPassword("pw")


@pytest.mark.parametrize(
    "change",
    [
        {"algorithm": b"SHA-1"},
        {"algorithm": b"nonsense"},
        {"qop": b"auth-int"},
        {"qop": b"auth,auth-int"},
        {"response": b"\xff" * 32},
        {"response": "ünïcode"},
    ],
)
def test_digest_refuses_unsupported_or_garbled(change: dict[str, bytes | str]) -> None:
    response = independent_response(
        "MD5", b"u", b"r", b"pw", b"GET", b"/", b"n", b"c", b"00000001", b"auth"
    )
    fields: dict[str, bytes | str] = {
        "nonce": b"n",
        "uri": b"/",
        "cnonce": b"c",
        "nc": b"00000001",
        "qop": b"auth",
        "response": response,
    }
    assert DigestedCredentials(b"u", b"GET", b"r", fields).checkPassword(b"pw")
    fields.update(change)
    assert not DigestedCredentials(b"u", b"GET", b"r", fields).checkPassword(b"pw")


@pytest.mark.parametrize("missing", ["response", "nonce", "uri", "cnonce", "nc"])
def test_digest_missing_fields_never_match(missing: str) -> None:
    response = independent_response(
        "MD5-sess", b"u", b"r", b"pw", b"GET", b"/", b"n", b"c", b"00000001", b"auth"
    )
    fields = {
        "nonce": b"n",
        "uri": b"/",
        "cnonce": b"c",
        "nc": b"00000001",
        "qop": b"auth",
        "algorithm": b"MD5-sess",
        "response": response,
    }
    assert DigestedCredentials(b"u", b"GET", b"r", fields).checkPassword(b"pw")
    del fields[missing]
    creds = DigestedCredentials(b"u", b"GET", b"r", fields)
    assert not creds.checkPassword(b"pw")
    assert not creds.checkHash(hashlib.md5(b"u:r:pw").hexdigest())


def test_calc_ha1_errors() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        calcHA1(b"SHA-1", b"u", b"r", b"p", b"n", b"c")
    with pytest.raises(ValueError, match="needs"):
        calcHA1(b"MD5", None, b"r", b"p", b"n", b"c")
    with pytest.raises(ValueError, match="cnonce"):
        calcHA1(b"MD5-sess", b"u", b"r", b"p", b"n", None)
