"""Tests for plait.cred._htpasswd: parsing and the hash schemes of htpasswd files."""

from __future__ import annotations

import base64
import hashlib

import bcrypt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plait.cred._htpasswd import Entry, md5crypt, parse, scheme_of, verify

# Known answers produced by OpenSSL (`openssl passwd -apr1|-1 -salt SALT PASSWORD`), an
# implementation independent of this one.
MD5CRYPT_VECTORS = [
    (b"password", b"saltsalt", b"$apr1$", b"$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/"),
    (b"", b"r31", b"$apr1$", b"$apr1$r31$VhYBNuSclDwcMVhdpOx.I0"),
    (
        b"0123456789abcdef0123456789",
        b"12345678",
        b"$apr1$",
        b"$apr1$12345678$PCp8j.B.Cdx0L6CeqSx9P1",
    ),
    ("héllo".encode(), b"Zz9/", b"$apr1$", b"$apr1$Zz9/$/y2YkKDH7ku7jCNqg.Jzp/"),
    (b"apr-pass", b"r31.....", b"$apr1$", b"$apr1$r31.....$OlIPpIr65LnXsCtb3d8LN."),
    (b"hello", b"abc", b"$1$", b"$1$abc$jWy0FsfCoVBK.I85XpXf30"),
    (b"password", b"saltsalt", b"$1$", b"$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"),
]


@pytest.mark.parametrize(("password", "salt", "magic", "expected"), MD5CRYPT_VECTORS)
def test_md5crypt_known_answers(
    password: bytes, salt: bytes, magic: bytes, expected: bytes
) -> None:
    assert md5crypt(password, salt, magic) == expected
    entry = Entry(b"u", expected, scheme_of(expected), 1)
    assert verify(password, entry)
    assert not verify(password + b"!", entry)


def test_md5crypt_salt_is_cut_at_eight_and_at_a_dollar() -> None:
    assert md5crypt(b"pw", b"saltsaltEXTRA") == md5crypt(b"pw", b"saltsalt")
    assert md5crypt(b"pw", b"ab$cd") == md5crypt(b"pw", b"ab")


@pytest.mark.parametrize(
    ("hashed", "scheme"),
    [
        (b"$2y$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", "bcrypt"),
        (b"$2b$05$x", "bcrypt"),
        (b"$2a$05$x", "bcrypt"),
        (b"{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "sha"),
        (b"$apr1$x$y", "apr1"),
        (b"$1$x$y", "md5crypt"),
        (b"$5$x$y", "sha256crypt"),
        (b"$6$x$y", "sha512crypt"),
        (b"rl0uE0ZcdLnSw", "crypt"),
        (b"plain text", "unknown"),
        (b"", "unknown"),
    ],
)
def test_scheme_of(hashed: bytes, scheme: str) -> None:
    assert scheme_of(hashed) == scheme


def test_parse() -> None:
    data = (
        b"# comment\r\n"
        b"\n"
        b"alice:{SHA}abc=\r\n"
        b"  bob:$apr1$x$y  \n"
        b"nocolon\n"
        b":nouser\n"
        b"carol:$2y$05$hash:trailing comment\n"
        b"alice:{SHA}second=\n"
    )
    assert parse(data) == [
        Entry(b"alice", b"{SHA}abc=", "sha", 3),
        Entry(b"bob", b"$apr1$x$y", "apr1", 4),
        Entry(b"carol", b"$2y$05$hash", "bcrypt", 7),
        Entry(b"alice", b"{SHA}second=", "sha", 8),
    ]


def test_verify_sha() -> None:
    hashed = b"{SHA}" + base64.b64encode(hashlib.sha1(b"secret").digest())
    entry = Entry(b"u", hashed, "sha", 1)
    assert verify(b"secret", entry)
    assert not verify(b"Secret", entry)


@pytest.mark.parametrize("prefix", [b"2a", b"2b"])
def test_verify_bcrypt_prefixes(prefix: bytes) -> None:
    hashed = bcrypt.hashpw(b"secret", bcrypt.gensalt(rounds=4, prefix=prefix))
    for stored in [hashed, b"$2y$" + hashed[4:]]:
        entry = Entry(b"u", stored, scheme_of(stored), 1)
        assert verify(b"secret", entry)
        assert not verify(b"secreT", entry)


def test_verify_malformed_bcrypt_is_false() -> None:
    assert not verify(b"x", Entry(b"u", b"$2y$05$short", "bcrypt", 1))


def test_verify_plaintext_and_unsupported() -> None:
    plain = Entry(b"u", b"clear", "unknown", 1)
    assert not verify(b"clear", plain)
    assert verify(b"clear", plain, allowPlaintext=True)
    assert not verify(b"clea", plain, allowPlaintext=True)
    sha512 = Entry(b"u", b"$6$s$h", "sha512crypt", 1)
    assert not verify(b"$6$s$h", sha512, allowPlaintext=True)


@settings(max_examples=50)
@given(st.binary(max_size=40), st.text("./0123456789abcdefXYZ", min_size=1, max_size=8))
def test_md5crypt_round_trips_through_verify(password: bytes, salt: str) -> None:
    hashed = md5crypt(password, salt.encode())
    assert hashed.startswith(b"$apr1$" + salt.encode() + b"$")
    assert len(hashed.rsplit(b"$", 1)[1]) == 22
    assert verify(password, Entry(b"u", hashed, "apr1", 1))
