"""plait.web.guard over real sockets: httpx and curl as clients, and hand-made headers."""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from zope.interface import implementer

from plait.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse
from plait.cred.portal import IRealm, Portal
from plait.web import guard
from plait.web.resource import IResource, Resource
from plait.web.server import Site

Serve = Callable[..., Any]


class Hello(Resource):
    isLeaf = True

    def __init__(self, avatarId: bytes) -> None:
        super().__init__()
        self.avatarId = avatarId

    def render_GET(self, request: Any) -> bytes:
        return b"hello " + self.avatarId + b" at /" + b"/".join(request.postpath)


@implementer(IRealm)
class Realm:
    def __init__(self) -> None:
        self.loggedOut: list[bytes] = []

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        return IResource, Hello(avatarId), lambda: self.loggedOut.append(avatarId)


class FakeTime:
    """A clock the test moves by hand (read by the server thread)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def seconds(self) -> float:
        return self.now


def makeSite(factories: list[Any], realm: Realm | None = None) -> Site:
    checker = InMemoryUsernamePasswordDatabaseDontUse(joe="blow", zoë="pässword")
    wrapper = guard.HTTPAuthSessionWrapper(Portal(realm or Realm(), [checker]), factories)
    root = Resource()
    root.putChild(b"private", wrapper)
    return Site(root)


# -- httpx --------------------------------------------------------------------------------


def test_httpx_basic(serve: Serve) -> None:
    realm = Realm()
    server = serve(makeSite([guard.BasicCredentialFactory("site")], realm))
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/private/a").status_code == 401
        ok = client.get("/private/a", auth=httpx.BasicAuth("joe", "blow"))
        assert (ok.status_code, ok.text) == (200, "hello joe at /a")
        bad = client.get("/private/a", auth=httpx.BasicAuth("joe", "nope"))
        assert bad.status_code == 401
        assert bad.headers.get_list("www-authenticate") == ['Basic realm="site"']
    assert realm.loggedOut == [b"joe"]


@pytest.mark.parametrize("algorithm", ["md5", "sha-256", "md5-sess", "sha-256-sess"])
def test_httpx_digest(serve: Serve, algorithm: str) -> None:
    server = serve(makeSite([guard.DigestCredentialFactory(algorithm, "site")]))
    auth = httpx.DigestAuth("joe", "blow")
    with httpx.Client(base_url=server.url, auth=auth) as client:
        # After the first challenge httpx answers up front, counting nc up on one nonce.
        for path in ("/private/a", "/private/b?x=1", "/private/c"):
            response = client.get(path)
            assert response.status_code == 200, response.headers
            assert response.text == "hello joe at " + path.removeprefix("/private").split("?")[0]
            assert len(response.history) <= 1


def test_httpx_digest_wrong_password(serve: Serve) -> None:
    server = serve(makeSite([guard.DigestCredentialFactory("md5", "site")]))
    response = httpx.get(server.url + "/private/x", auth=httpx.DigestAuth("joe", "nope"))
    assert response.status_code == 401
    assert response.text == "Unauthorized"


def test_httpx_digest_recovers_from_an_expired_nonce(serve: Serve) -> None:
    clock = FakeTime()
    factory = guard.DigestCredentialFactory("md5", "site", clock=clock, nonceLifetime=60)
    server = serve(makeSite([factory]))
    with httpx.Client(base_url=server.url, auth=httpx.DigestAuth("joe", "blow")) as client:
        assert client.get("/private/a").status_code == 200
        clock.now += 61
        response = client.get("/private/b")
        # httpx sent the old nonce, got 401 stale=true, and retried with the new one.
        assert response.status_code == 200
        (refused,) = response.history
        assert refused.status_code == 401
        assert "stale=true" in refused.headers["www-authenticate"]


def test_both_schemes_offered(serve: Serve) -> None:
    factories = [
        guard.DigestCredentialFactory("sha-256", "site"),
        guard.BasicCredentialFactory("site"),
    ]
    server = serve(makeSite(factories))
    with httpx.Client(base_url=server.url) as client:
        challenges = client.get("/private/").headers.get_list("www-authenticate")
        assert [c.split()[0] for c in challenges] == ["Digest", "Basic"]
        assert client.get("/private/", auth=httpx.DigestAuth("joe", "blow")).status_code == 200
        assert client.get("/private/", auth=httpx.BasicAuth("joe", "blow")).status_code == 200


# -- curl ---------------------------------------------------------------------------------

CURL = shutil.which("curl")


def curl(*args: str) -> tuple[int, str]:
    assert CURL is not None, "curl is needed for these tests (apt-get install curl)"
    done = subprocess.run(
        [
            CURL,
            "--silent",
            "--show-error",
            "--max-time",
            "10",
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, _, code = done.stdout.rpartition("\n")
    return int(code), body


def test_curl_digest(serve: Serve) -> None:
    server = serve(makeSite([guard.DigestCredentialFactory("md5", "site")]))
    assert curl("--digest", "-u", "joe:blow", server.url + "/private/curl") == (
        200,
        "hello joe at /curl",
    )
    assert curl("--digest", "-u", "joe:nope", server.url + "/private/curl")[0] == 401


def test_curl_digest_non_ascii_user(serve: Serve) -> None:
    # curl sends the UTF-8 bytes of the name inside the quoted username.
    server = serve(makeSite([guard.DigestCredentialFactory("sha-256", "site")]))
    code, body = curl("--digest", "-u", "zoë:pässword", server.url + "/private/z")
    assert (code, body) == (200, "hello zoë at /z")


def test_curl_digest_sha256(serve: Serve) -> None:
    server = serve(makeSite([guard.DigestCredentialFactory("sha-256", "site")]))
    code, body = curl("--digest", "-u", "joe:blow", server.url + "/private/q?a=b")
    assert (code, body) == (200, "hello joe at /q")


def test_curl_basic(serve: Serve) -> None:
    server = serve(makeSite([guard.BasicCredentialFactory("site")]))
    assert curl("--basic", "-u", "joe:blow", server.url + "/private/x") == (200, "hello joe at /x")
    assert curl("-u", "joe:nope", server.url + "/private/x")[0] == 401


def test_curl_anyauth_picks_digest(serve: Serve) -> None:
    factories = [
        guard.DigestCredentialFactory("md5", "site"),
        guard.BasicCredentialFactory("site"),
    ]
    server = serve(makeSite(factories))
    assert curl("--anyauth", "-u", "joe:blow", server.url + "/private/y") == (
        200,
        "hello joe at /y",
    )


# -- raw sockets ----------------------------------------------------------------------------


def exchange(sock: socket.socket, request: bytes) -> tuple[int, dict[bytes, list[bytes]], bytes]:
    """Send one request; read one response (Content-Length framed) from a kept-alive socket."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before a response"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers: dict[bytes, list[bytes]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    length = int(headers.get(b"content-length", [b"0"])[0])
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk
        body += chunk
    return int(lines[0].split()[1]), headers, body


def get(path: bytes, authorization: bytes | None = None) -> bytes:
    auth = b"Authorization: " + authorization + b"\r\n" if authorization is not None else b""
    return b"GET " + path + b" HTTP/1.1\r\nHost: localhost\r\n" + auth + b"\r\n"


def challengeOf(headers: dict[bytes, list[bytes]]) -> dict[str, str]:
    (value,) = headers[b"www-authenticate"]
    assert value.startswith(b"Digest ")
    params = {}
    for part in value[len(b"Digest ") :].split(b", "):
        name, _, raw = part.partition(b"=")
        params[name.decode()] = raw.strip(b'"').decode()
    return params


def digestHeader(
    challenge: dict[str, str], path: str, nc: str = "00000001", realm: str | None = None
) -> bytes:
    realm = challenge["realm"] if realm is None else realm
    ha1 = hashlib.md5(f"joe:{realm}:blow".encode()).hexdigest()
    ha2 = hashlib.md5(f"GET:{path}".encode()).hexdigest()
    nonce = challenge["nonce"]
    response = hashlib.md5(f"{ha1}:{nonce}:{nc}:abc:auth:{ha2}".encode()).hexdigest()
    return (
        f'Digest username="joe", realm="{realm}", nonce="{nonce}", uri="{path}", '
        f'algorithm=MD5, response="{response}", opaque="{challenge["opaque"]}", qop=auth, '
        f'nc={nc}, cnonce="abc"'
    ).encode()


@pytest.mark.parametrize(
    "authorization",
    [
        b"Digest",
        b"Digest ,,,",
        b'Digest username="joe',
        b"Digest username=joe realm=x",
        b'Digest username="joe", username="joe"',
        b"Basic",
        b"Basic ====",
        b"Basic \xff\xfe",
        b"NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==",
        b"   ",
    ],
)
def test_malformed_authorization_is_401_and_the_connection_lives(
    serve: Serve, authorization: bytes
) -> None:
    factories = [
        guard.DigestCredentialFactory("md5", "site"),
        guard.BasicCredentialFactory("site"),
    ]
    server = serve(makeSite(factories))
    with server.connect() as sock:
        code, headers, body = exchange(sock, get(b"/private/x", authorization))
        assert code == 401
        assert body == b"Unauthorized"
        assert len(headers[b"www-authenticate"]) == 2
        # The same connection still serves the next request.
        assert exchange(sock, get(b"/private/x"))[0] == 401


def test_digest_by_hand_then_replay(serve: Serve) -> None:
    server = serve(makeSite([guard.DigestCredentialFactory("md5", "site")]))
    with server.connect() as sock:
        _, headers, _ = exchange(sock, get(b"/private/x"))
        challenge = challengeOf(headers)
        header = digestHeader(challenge, "/private/x")
        assert exchange(sock, get(b"/private/x", header))[:3:2] == (200, b"hello joe at /x")
        # The very same Authorization again: a replay, refused without stale.
        code, headers, _ = exchange(sock, get(b"/private/x", header))
        assert code == 401
        assert "stale" not in challengeOf(headers)
        # The next nonce count is fine.
        header2 = digestHeader(challenge, "/private/x", nc="00000002")
        assert exchange(sock, get(b"/private/x", header2))[0] == 200


def test_digest_wrong_realm_and_wrong_target(serve: Serve) -> None:
    server = serve(makeSite([guard.DigestCredentialFactory("md5", "site")]))
    with server.connect() as sock:
        challenge = challengeOf(exchange(sock, get(b"/private/x"))[1])
        wrongRealm = digestHeader(challenge, "/private/x", realm="elsewhere")
        assert exchange(sock, get(b"/private/x", wrongRealm))[0] == 401
        # An answer computed for /private/y does not open /private/x.
        otherTarget = digestHeader(challenge, "/private/y", nc="00000002")
        assert exchange(sock, get(b"/private/x", otherTarget))[0] == 401


def test_digest_expired_nonce_is_stale(serve: Serve) -> None:
    clock = FakeTime()
    factory = guard.DigestCredentialFactory("md5", "site", clock=clock)
    server = serve(makeSite([factory]))
    with server.connect() as sock:
        challenge = challengeOf(exchange(sock, get(b"/private/x"))[1])
        clock.now += 301
        code, headers, _ = exchange(
            sock, get(b"/private/x", digestHeader(challenge, "/private/x"))
        )
        assert code == 401
        fresh = challengeOf(headers)
        assert fresh["stale"] == "true"
        assert fresh["nonce"] != challenge["nonce"]
        assert exchange(sock, get(b"/private/x", digestHeader(fresh, "/private/x")))[0] == 200


def test_head_401_is_empty(serve: Serve) -> None:
    server = serve(makeSite([guard.BasicCredentialFactory("site")]))
    response = httpx.head(server.url + "/private/")
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == 'Basic realm="site"'
