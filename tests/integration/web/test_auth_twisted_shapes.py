"""The shapes of Twisted's HTTP-auth documentation (webguard.py, web-in-60 http-auth) on plait.

Written here in the tests' own words, keeping only what those programs rely on: a realm
raising NotImplementedError for other interfaces, ``Site(resource=...)``, a render that
returns ``str``, a resource whose getChild returns itself, ``FilePasswordDB`` with a
plain passwd-style file, and Digest with str arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from zope.interface import implementer

from plait.cred.checkers import FilePasswordDB, InMemoryUsernamePasswordDatabaseDontUse
from plait.cred.portal import IRealm, Portal
from plait.web import guard, resource, server

Serve = Callable[..., Any]


class Everywhere(resource.Resource):
    def getChild(self, path: bytes, request: Any) -> Any:
        return self

    def render(self, request: Any) -> str:
        return "Welcome in"


@implementer(IRealm)
class OnlyResources:
    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        if resource.IResource in interfaces:
            return resource.IResource, Everywhere(), lambda: None
        raise NotImplementedError()


def test_webguard_shape(serve: Serve) -> None:
    checkers = [InMemoryUsernamePasswordDatabaseDontUse(joe="blow")]
    wrapper = guard.HTTPAuthSessionWrapper(
        Portal(OnlyResources(), checkers), [guard.DigestCredentialFactory("md5", "example.com")]
    )
    running = serve(server.Site(resource=wrapper))
    assert httpx.get(running.url + "/").status_code == 401
    answered = httpx.get(running.url + "/any/where", auth=httpx.DigestAuth("joe", "blow"))
    assert (answered.status_code, answered.text) == (200, "Welcome in")


def test_web_in_60_shape(serve: Serve, tmp_path: Path) -> None:
    passwords = tmp_path / "httpd.password"
    passwords.write_text("alice:secret\nbob:hunter2\n")
    portal = Portal(OnlyResources(), [FilePasswordDB(str(passwords))])
    credentialFactory = guard.DigestCredentialFactory("md5", "localhost:8080")
    running = serve(server.Site(guard.HTTPAuthSessionWrapper(portal, [credentialFactory])))
    refused = httpx.get(running.url + "/")
    assert 'realm="localhost:8080"' in refused.headers["www-authenticate"]
    assert httpx.get(running.url + "/", auth=httpx.DigestAuth("bob", "hunter2")).text == (
        "Welcome in"
    )
    assert httpx.get(running.url + "/", auth=httpx.DigestAuth("bob", "x")).status_code == 401
