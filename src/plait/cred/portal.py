"""The portal: the one door through which credentials become an avatar."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from zope.interface import Interface, providedBy

from plait.cred.checkers import ICredentialsChecker
from plait.cred.error import UnhandledCredentials
from plait.internet.defer import Deferred, fail, maybeDeferred

__all__ = ["IRealm", "Portal"]


class IRealm(Interface):
    """Where avatars come from: the application's view of an authenticated identity."""

    def requestAvatar(
        avatarId: Any, mind: Any, *interfaces: type[Interface]
    ) -> tuple[type[Interface], Any, Callable[[], None]] | Deferred[Any]:
        """Return ``(interface, avatar, logout)`` for ``avatarId``, or a Deferred of it.

        ``interface`` is the first of ``interfaces`` the realm can provide, ``avatar``
        provides it, and ``logout`` is called (with no arguments) when the session ends.
        Raise (or fail with) `plait.cred.error.LoginDenied` to refuse the avatar.
        """


class Portal:
    """Match credentials to a checker, then ask the realm for the avatar.

    ``checkers`` is registered with `registerChecker`, each for its own
    ``credentialInterfaces``.
    """

    def __init__(self, realm: IRealm, checkers: Iterable[ICredentialsChecker] = ()) -> None:
        self.realm = realm
        self.checkers: dict[type[Interface], ICredentialsChecker] = {}
        for checker in checkers:
            self.registerChecker(checker)

    def listCredentialsInterfaces(self) -> list[type[Interface]]:
        """The credential interfaces some registered checker accepts."""
        return list(self.checkers)

    def registerChecker(
        self, checker: ICredentialsChecker, *credentialInterfaces: type[Interface]
    ) -> None:
        """Use ``checker`` for ``credentialInterfaces`` (default: its own list).

        A later registration for the same interface replaces the earlier checker.
        """
        if not credentialInterfaces:
            credentialInterfaces = tuple(checker.credentialInterfaces)
        for credentialInterface in credentialInterfaces:
            self.checkers[credentialInterface] = checker

    def login(self, credentials: Any, mind: Any, *interfaces: type[Interface]) -> Deferred[Any]:
        """Authenticate ``credentials`` and return a Deferred ``(interface, avatar, logout)``.

        The first registered interface ``credentials`` provides picks the checker; its
        avatar id and ``mind`` go to the realm's ``requestAvatar``.  Fails with
        `UnauthorizedLogin` for bad credentials, `UnhandledCredentials` when no checker
        takes this kind of credentials, or whatever the realm raises.
        """
        for credentialInterface, checker in self.checkers.items():
            if credentialInterface.providedBy(credentials):
                return maybeDeferred(checker.requestAvatarId, credentials).addCallback(
                    self.realm.requestAvatar, mind, *interfaces
                )
        provided = ", ".join(
            f"{interface.__module__}.{interface.__name__}" for interface in providedBy(credentials)
        )
        return fail(UnhandledCredentials(f"No checker for {provided or type(credentials)!r}"))
