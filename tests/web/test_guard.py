"""HTTPAuthSessionWrapper and BasicCredentialFactory through a Site, in memory."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from zope.interface import implementer

from plait.cred.checkers import AllowAnonymousAccess, InMemoryUsernamePasswordDatabaseDontUse
from plait.cred.credentials import UsernamePassword
from plait.cred.error import LoginDenied, LoginFailed
from plait.cred.portal import IRealm, Portal
from plait.internet.defer import fail
from plait.testing import DummyRequest, TestClient
from plait.web import guard
from plait.web._auth.wrapper import UnauthorizedResource
from plait.web.iweb import ICredentialFactory
from plait.web.resource import IResource, Resource
from plait.web.server import Site


class Echo(Resource):
    """Shows who it is serving and where traversal left it."""

    isLeaf = True

    def __init__(self, avatarId: Any) -> None:
        super().__init__()
        self.avatarId = avatarId

    def render_GET(self, request: Any) -> bytes:
        who = b"anonymous" if self.avatarId == () else self.avatarId
        return b"%s prepath=%s postpath=%s" % (
            who,
            b"/".join(request.prepath),
            b"/".join(request.postpath),
        )


@implementer(IRealm)
class Realm:
    def __init__(self) -> None:
        self.loggedOut: list[Any] = []
        self.error: Exception | None = None

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        assert mind is None
        assert interfaces == (IResource,)
        if self.error is not None:
            raise self.error
        return IResource, Echo(avatarId), lambda: self.loggedOut.append(avatarId)


def basic(user: bytes, password: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(user + b":" + password).decode()}


def makeSite(
    realm: Realm, factories: list[Any] | None = None, anonymous: bool = False, mount: bool = True
) -> Site:
    checkers: list[Any] = [InMemoryUsernamePasswordDatabaseDontUse(joe="blow")]
    if anonymous:
        checkers.append(AllowAnonymousAccess())
    if factories is None:
        factories = [guard.BasicCredentialFactory("the realm")]
    wrapper = guard.HTTPAuthSessionWrapper(Portal(realm, checkers), factories)
    if not mount:
        return Site(wrapper)
    root = Resource()
    root.putChild(b"private", wrapper)
    return Site(root)


# -- BasicCredentialFactory --------------------------------------------------------------


def test_basic_decode() -> None:
    factory = guard.BasicCredentialFactory(b"r")
    credentials = factory.decode(base64.b64encode(b"joe:a:b"), DummyRequest([]))
    assert isinstance(credentials, UsernamePassword)
    assert (credentials.username, credentials.password) == (b"joe", b"a:b")
    assert factory.getChallenge(DummyRequest([])) == {"realm": b"r"}
    assert factory.scheme == b"basic"


def test_basic_decode_without_padding() -> None:
    credentials = guard.BasicCredentialFactory(b"r").decode(b"am9lOmI", DummyRequest([]))
    assert (credentials.username, credentials.password) == (b"joe", b"b")


@pytest.mark.parametrize("token", [b"!!!", b"am9lOmI=x", base64.b64encode(b"nocolon"), b"\xff"])
def test_basic_decode_refuses(token: bytes) -> None:
    with pytest.raises(LoginFailed):
        guard.BasicCredentialFactory(b"r").decode(token, DummyRequest([]))


def test_factories_provide_the_interface() -> None:
    assert ICredentialFactory.providedBy(guard.BasicCredentialFactory("r"))
    assert ICredentialFactory.providedBy(guard.DigestCredentialFactory("md5", "r"))


# -- the wrapper ---------------------------------------------------------------------------


def test_no_credentials_and_no_anonymous_access_is_401() -> None:
    site = makeSite(
        Realm(),
        [guard.BasicCredentialFactory("the realm"), guard.DigestCredentialFactory("md5", "d")],
    )
    response = TestClient(site).get("/private/page")
    assert response.status_code == 401
    assert response.text == "Unauthorized"
    challenges = response.headerValues("www-authenticate")
    assert challenges[0] == 'Basic realm="the realm"'
    assert challenges[1].startswith('Digest realm="d", qop="auth", algorithm=MD5, nonce="')
    assert len(challenges) == 2


def test_head_401_has_no_body() -> None:
    response = TestClient(makeSite(Realm())).head("/private/")
    assert response.status_code == 401
    assert response.headerValues("www-authenticate") == ['Basic realm="the realm"']
    assert response.text == ""


def test_anonymous_access_when_allowed() -> None:
    response = TestClient(makeSite(Realm(), anonymous=True)).get("/private/a/b")
    assert response.status_code == 200
    assert response.text == "anonymous prepath=private postpath=a/b"


def test_good_credentials_reach_the_avatar_transparently() -> None:
    realm = Realm()
    response = TestClient(makeSite(realm)).get("/private/a/b", basic(b"joe", b"blow"))
    assert response.status_code == 200
    # The wrapper consumed no segment: the avatar stands where the wrapper stood.
    assert response.text == "joe prepath=private postpath=a/b"
    assert realm.loggedOut == [b"joe"]


def test_wrapper_as_root() -> None:
    response = TestClient(makeSite(Realm(), mount=False)).get("/x", basic(b"joe", b"blow"))
    assert response.text == "joe prepath= postpath=x"


def test_rendering_the_wrapper_itself() -> None:
    request = DummyRequest([])
    request.requestHeaders.setRawHeaders(b"authorization", [b"Basic !!"])
    wrapper = guard.HTTPAuthSessionWrapper(Portal(Realm()), [guard.BasicCredentialFactory("r")])
    assert wrapper.render(request) == b"Unauthorized"
    assert request.responseCode == 401


@pytest.mark.parametrize(
    "headers",
    [
        basic(b"joe", b"wrong"),
        basic(b"nobody", b"blow"),
        {"Authorization": "Basic %%%"},
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic"},
        {"Authorization": "Digest username=joe"},
    ],
)
def test_refused_credentials_are_401(headers: dict[str, str]) -> None:
    realm = Realm()
    response = TestClient(makeSite(realm)).get("/private/", headers)
    assert response.status_code == 401
    assert response.headerValues("www-authenticate") == ['Basic realm="the realm"']
    assert realm.loggedOut == []


def test_scheme_is_case_insensitive() -> None:
    headers = {"Authorization": "bAsIc  " + base64.b64encode(b"joe:blow").decode()}
    assert TestClient(makeSite(Realm())).get("/private/", headers).status_code == 200


def test_realm_refusing_the_avatar_is_401() -> None:
    realm = Realm()
    realm.error = LoginDenied("banned")
    assert TestClient(makeSite(realm)).get("/private/", basic(b"joe", b"blow")).status_code == 401


def test_unexpected_realm_error_is_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    realm = Realm()
    realm.error = RuntimeError("realm is broken")
    with caplog.at_level(logging.ERROR, logger="plait.web.guard"):
        response = TestClient(makeSite(realm)).get("/private/", basic(b"joe", b"blow"))
    assert response.status_code == 500
    assert "realm is broken" not in response.text
    assert "realm is broken" in caplog.text


@implementer(ICredentialFactory)
class Exploding:
    scheme = b"boom"

    def getChallenge(self, request: Any) -> dict[str, Any]:
        return {"realm": 'say "hi" \\ bye'}

    def decode(self, response: bytes, request: Any) -> Any:
        raise KeyError("factory bug")


def test_unexpected_factory_error_is_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    site = makeSite(Realm(), [Exploding()])
    with caplog.at_level(logging.ERROR, logger="plait.web.guard"):
        response = TestClient(site).get("/private/", {"Authorization": "Boom x"})
    assert response.status_code == 500
    assert "factory bug" in caplog.text


def test_challenge_values_are_quoted_and_escaped() -> None:
    response = TestClient(makeSite(Realm(), [Exploding()])).get("/private/")
    assert response.headerValues("www-authenticate") == ['Boom realm="say \\"hi\\" \\\\ bye"']


def test_challenge_with_control_characters_is_refused() -> None:
    class Injecting(Exploding):
        def getChallenge(self, request: Any) -> dict[str, Any]:
            return {"realm": "a\r\nSet-Cookie: x=y"}

    response = TestClient(makeSite(Realm(), [Injecting()])).get("/private/")
    assert response.status_code == 500
    assert response.header("set-cookie") is None


def test_second_factory_of_a_scheme_gets_its_turn() -> None:
    md5 = guard.DigestCredentialFactory("md5", "r")
    sha = guard.DigestCredentialFactory("sha-256", "r")
    request = DummyRequest([b"x"])
    request.uri = b"/x"
    challenge = sha.getChallenge(request)
    header = (
        b'Digest username="joe", realm="r", nonce="%s", uri="/x", algorithm=SHA-256, '
        b'response="00", opaque="%s", qop=auth, nc=00000001, cnonce="c"'
        % (challenge["nonce"], challenge["opaque"])
    )
    request.requestHeaders.setRawHeaders(b"authorization", [header])
    wrapper = guard.HTTPAuthSessionWrapper(Portal(Realm()), [md5, sha])
    # md5 refuses the SHA-256 answer; sha-256 decodes it (the wrong response is then a 401).
    found = wrapper._authorizedResource(request)
    assert not isinstance(found, UnauthorizedResource)


def test_unauthorized_resource_has_no_children() -> None:
    page = UnauthorizedResource([])
    assert page.getChildWithDefault(b"x", DummyRequest([])) is page
    with pytest.raises(NotImplementedError):
        page.putChild(b"x", Resource())
    with pytest.raises(NotImplementedError):
        guard.HTTPAuthSessionWrapper(Portal(Realm()), []).putChild(b"x", Resource())


def test_logout_runs_once_even_if_traversal_fails() -> None:
    realm = Realm()

    class Broken(Resource):
        def getChild(self, path: bytes, request: Any) -> Any:
            raise RuntimeError("no children today")

    @implementer(IRealm)
    class BrokenRealm:
        def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
            return IResource, Broken(), lambda: realm.loggedOut.append(avatarId)

    wrapper = guard.HTTPAuthSessionWrapper(
        Portal(BrokenRealm(), [InMemoryUsernamePasswordDatabaseDontUse(joe="blow")]),
        [guard.BasicCredentialFactory("r")],
    )
    response = TestClient(Site(wrapper)).get("/a/b", basic(b"joe", b"blow"))
    assert response.status_code == 500
    assert realm.loggedOut == [b"joe"]


def test_portal_failure_without_checker_match() -> None:
    class OddPortal:
        def login(self, credentials: Any, mind: Any, *interfaces: Any) -> Any:
            return fail(LoginFailed("nope"))

    wrapper = guard.HTTPAuthSessionWrapper(OddPortal(), [guard.BasicCredentialFactory("r")])
    assert TestClient(Site(wrapper)).get("/").status_code == 401


def test_facade_exports_twisteds_names() -> None:
    import twisted.web.guard

    assert set(guard.__all__) == set(twisted.web.guard.__all__)
