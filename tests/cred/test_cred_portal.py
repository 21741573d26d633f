"""Tests for plait.cred.portal: Portal.login through checkers to the realm."""

from __future__ import annotations

from typing import Any

import pytest
from zope.interface import Interface, implementer

from plait.cred.checkers import (
    ANONYMOUS,
    AllowAnonymousAccess,
    InMemoryUsernamePasswordDatabaseDontUse,
)
from plait.cred.credentials import (
    Anonymous,
    IAnonymous,
    IUsernameHashedPassword,
    IUsernamePassword,
    UsernamePassword,
)
from plait.cred.error import LoginDenied, UnauthorizedLogin, UnhandledCredentials
from plait.cred.portal import IRealm, Portal
from plait.internet.defer import Deferred, succeed
from plait.python.failure import Failure


class IAvatar(Interface):
    pass


class IOther(Interface):
    pass


class Avatar:
    def __init__(self, avatarId: Any) -> None:
        self.avatarId = avatarId


@implementer(IRealm)
class Realm:
    def __init__(self, deferred: bool = False) -> None:
        self.requests: list[tuple[Any, Any, tuple[Any, ...]]] = []
        self.loggedOut: list[Any] = []
        self.deferred = deferred

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        self.requests.append((avatarId, mind, interfaces))
        if avatarId == b"banned":
            raise LoginDenied("banned")
        if IAvatar not in interfaces:
            raise NotImplementedError("no supported interface")
        result = (IAvatar, Avatar(avatarId), lambda: self.loggedOut.append(avatarId))
        return succeed(result) if self.deferred else result


def outcome(d: Deferred[Any]) -> Any:
    box: list[Any] = []
    d.addBoth(box.append)
    assert box, "the Deferred has not fired"
    return box[0]


@pytest.mark.parametrize("deferred", [False, True])
def test_login_success(deferred: bool) -> None:
    realm = Realm(deferred)
    portal = Portal(realm, [InMemoryUsernamePasswordDatabaseDontUse(alice=b"pw")])
    result = outcome(portal.login(UsernamePassword(b"alice", b"pw"), "the mind", IAvatar))
    interface, avatar, logout = result
    assert interface is IAvatar
    assert avatar.avatarId == b"alice"
    assert realm.requests == [(b"alice", "the mind", (IAvatar,))]
    logout()
    assert realm.loggedOut == [b"alice"]


def test_login_bad_password_never_reaches_the_realm() -> None:
    realm = Realm()
    portal = Portal(realm, [InMemoryUsernamePasswordDatabaseDontUse(alice=b"pw")])
    for creds in [UsernamePassword(b"alice", b"wrong"), UsernamePassword(b"bob", b"pw")]:
        failure = outcome(portal.login(creds, None, IAvatar))
        assert isinstance(failure, Failure)
        assert failure.check(UnauthorizedLogin)
    assert realm.requests == []


def test_unhandled_credentials() -> None:
    portal = Portal(Realm(), [InMemoryUsernamePasswordDatabaseDontUse(alice=b"pw")])
    failure = outcome(portal.login(Anonymous(), None, IAvatar))
    assert isinstance(failure, Failure)
    assert failure.check(UnhandledCredentials)
    assert "IAnonymous" in failure.getErrorMessage()
    plain = outcome(portal.login(object(), None, IAvatar))
    assert plain.check(UnhandledCredentials)


def test_anonymous_login() -> None:
    realm = Realm()
    portal = Portal(realm)
    portal.registerChecker(AllowAnonymousAccess())
    interface, avatar, _ = outcome(portal.login(Anonymous(), None, IAvatar))
    assert interface is IAvatar
    assert avatar.avatarId == ANONYMOUS


def test_realm_errors_propagate() -> None:
    portal = Portal(Realm(), [InMemoryUsernamePasswordDatabaseDontUse(banned=b"pw")])
    denied = outcome(portal.login(UsernamePassword(b"banned", b"pw"), None, IAvatar))
    assert denied.check(LoginDenied)
    portal.checkers[IUsernamePassword].addUser(b"carol", b"pw")  # type: ignore[attr-defined]
    unsupported = outcome(portal.login(UsernamePassword(b"carol", b"pw"), None, IOther))
    assert unsupported.check(NotImplementedError)


def test_register_and_list_interfaces() -> None:
    portal = Portal(Realm())
    assert portal.listCredentialsInterfaces() == []
    memory = InMemoryUsernamePasswordDatabaseDontUse()
    portal.registerChecker(memory)
    assert portal.listCredentialsInterfaces() == [IUsernamePassword, IUsernameHashedPassword]
    anonymous = AllowAnonymousAccess()
    portal.registerChecker(anonymous, IUsernamePassword)
    assert portal.checkers[IUsernamePassword] is anonymous
    assert portal.checkers[IUsernameHashedPassword] is memory
    assert IAnonymous not in portal.listCredentialsInterfaces()


def test_async_checker_is_awaited() -> None:
    @implementer(IRealm)
    class EchoRealm:
        def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
            return (interfaces[0], avatarId, lambda: None)

    class Checker:
        credentialInterfaces = (IUsernamePassword,)

        def requestAvatarId(self, credentials: Any) -> Deferred[Any]:
            d: Deferred[Any] = Deferred()
            self.pending = (d, credentials.username)
            return d

    checker = Checker()
    portal = Portal(EchoRealm(), [checker])  # type: ignore[list-item]
    d = portal.login(UsernamePassword(b"zed", b"x"), None, IAvatar)
    box: list[Any] = []
    d.addBoth(box.append)
    assert box == []
    pending, name = checker.pending
    pending.callback(name)
    assert box[0][1] == b"zed"
