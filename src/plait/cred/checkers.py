"""Credential checkers: turn credentials into an avatar id, or refuse them.

Besides Twisted's checkers, `HtpasswdChecker` reads Apache htpasswd files (the hash
schemes themselves are in `plait.cred._htpasswd`).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

from zope.interface import Attribute, Interface, implementer

from plait.cred import _htpasswd
from plait.cred.credentials import (
    IAnonymous,
    IUsernameHashedPassword,
    IUsernamePassword,
)
from plait.cred.error import UnauthorizedLogin
from plait.internet.defer import Deferred, fail, maybeDeferred, succeed

__all__ = [
    "ANONYMOUS",
    "AllowAnonymousAccess",
    "FilePasswordDB",
    "HtpasswdChecker",
    "ICredentialsChecker",
    "InMemoryUsernamePasswordDatabaseDontUse",
]

_log = logging.getLogger("plait.cred.checkers")

ANONYMOUS: tuple[()] = ()
"""The avatar id of an anonymous login."""


def _bytes(value: bytes | str) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


class ICredentialsChecker(Interface):
    """Something that verifies one or more kinds of credentials."""

    credentialInterfaces = Attribute(
        "The credential interfaces (subclasses of ICredentials) this checker verifies."
    )

    def requestAvatarId(credentials: Any) -> Deferred[Any]:
        """Verify ``credentials``: a Deferred avatar id, or a failure (UnauthorizedLogin)."""


@implementer(ICredentialsChecker)
class AllowAnonymousAccess:
    """Let anonymous credentials in, with the avatar id `ANONYMOUS`."""

    credentialInterfaces = (IAnonymous,)

    def requestAvatarId(self, credentials: Any) -> Deferred[tuple[()]]:
        """Always succeed with `ANONYMOUS`."""
        return succeed(ANONYMOUS)


def _matched(matched: bool, avatarId: Any) -> Any:
    if not matched:
        raise UnauthorizedLogin()
    return avatarId


@implementer(ICredentialsChecker)
class InMemoryUsernamePasswordDatabaseDontUse:
    """Usernames and plain-text passwords in a dict: for tests and examples only.

    ``InMemoryUsernamePasswordDatabaseDontUse(alice=b"secret")``; keyword names are
    stored as UTF-8 bytes, and credentials with ``str`` usernames are looked up encoded
    the same way.  The avatar id is the credentials' username.
    """

    credentialInterfaces = (IUsernamePassword, IUsernameHashedPassword)

    def __init__(self, **users: bytes | str) -> None:
        self.users: dict[bytes, bytes | str] = {
            name.encode("utf-8"): password for name, password in users.items()
        }

    def addUser(self, username: bytes | str, password: bytes | str) -> None:
        """Add ``username`` with ``password``, replacing any earlier password."""
        self.users[_bytes(username)] = password

    def requestAvatarId(self, credentials: Any) -> Deferred[Any]:
        """Check the password of a known user; unknown users fail."""
        password = self.users.get(_bytes(credentials.username))
        if password is None:
            return fail(UnauthorizedLogin())
        return maybeDeferred(credentials.checkPassword, password).addCallback(
            _matched, credentials.username
        )


@implementer(ICredentialsChecker)
class FilePasswordDB:
    """Usernames and passwords in a delimited text file, one record per line.

    ``hash``, when given, is ``hash(username, presented_password, stored_password)`` and
    must return the stored form of the presented password; then only plain-text
    credentials (`IUsernamePassword`) are accepted.  Without it the file holds plain
    passwords and hashed credentials (e.g. HTTP Digest) can be checked too.  With
    ``cache`` the file is read once and again whenever its modification time changes;
    without it, on every login.  An unreadable file is logged and refuses every login.
    """

    def __init__(
        self,
        filename: str | os.PathLike[str],
        delim: bytes = b":",
        usernameField: int = 0,
        passwordField: int = 1,
        caseSensitive: bool = True,
        hash: Callable[[bytes, bytes, bytes], bytes] | None = None,
        cache: bool = False,
    ) -> None:
        self.filename = filename
        self.delim = delim
        self.ufield = usernameField
        self.pfield = passwordField
        self.caseSensitive = caseSensitive
        self.hash = hash
        self.cache = cache
        self._credCache: dict[bytes, bytes] | None = None
        self._cacheStamp: tuple[int, int, int] | None = None
        self.credentialInterfaces: tuple[type[Interface], ...] = (
            (IUsernamePassword, IUsernameHashedPassword) if hash is None else (IUsernamePassword,)
        )

    def _loadCredentials(self) -> Iterator[tuple[bytes, bytes]]:
        """Yield ``(username, password)`` of every record; UnauthorizedLogin if unreadable."""
        try:
            with open(self.filename, "rb") as records:
                lines = records.read().splitlines()
        except OSError as e:
            _log.error("Unable to load credentials db %s: %r", os.fspath(self.filename), e)
            raise UnauthorizedLogin() from e
        for line in lines:
            parts = line.rstrip().split(self.delim)
            if self.ufield >= len(parts) or self.pfield >= len(parts):
                continue
            username = parts[self.ufield]
            yield (username if self.caseSensitive else username.lower()), parts[self.pfield]

    def getUser(self, username: bytes | str) -> tuple[bytes, bytes]:
        """``(canonical username, stored password)`` of ``username``; KeyError if unknown.

        Raises `UnauthorizedLogin` when the file cannot be read.
        """
        key = _bytes(username)
        if not self.caseSensitive:
            key = key.lower()
        if not self.cache:
            for user, password in self._loadCredentials():
                if user == key:
                    return user, password
            raise KeyError(username)
        try:
            st = os.stat(self.filename)
        except OSError as e:
            _log.error("Unable to load credentials db %s: %r", os.fspath(self.filename), e)
            raise UnauthorizedLogin() from e
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if self._credCache is None or stamp != self._cacheStamp:
            self._credCache = dict(self._loadCredentials())
            self._cacheStamp = stamp
        return key, self._credCache[key]

    def requestAvatarId(self, credentials: Any) -> Deferred[Any]:
        """Check ``credentials`` against the file; the avatar id is the stored username."""
        try:
            username, stored = self.getUser(credentials.username)
        except KeyError:
            return fail(UnauthorizedLogin())
        except UnauthorizedLogin as e:
            return fail(e)
        if self.hash is None:
            return maybeDeferred(credentials.checkPassword, stored).addCallback(_matched, username)
        if not IUsernamePassword.providedBy(credentials):
            return fail(UnauthorizedLogin())
        presented = self.hash(_bytes(credentials.username), _bytes(credentials.password), stored)
        return maybeDeferred(_compare, presented, stored).addCallback(_matched, username)


def _compare(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


@implementer(ICredentialsChecker)
class HtpasswdChecker:
    """Check usernames and passwords against an Apache htpasswd file.

    Not in Twisted (which has only `FilePasswordDB`); named after the file format it
    reads.  Accepts bcrypt, ``{SHA}`` and ``$apr1$``/``$1$`` MD5-crypt entries; other
    schemes are logged when the file is read and never match; plain-text entries match
    only with ``allowPlaintext=True``.  The file is read again whenever its modification
    time, size or inode changes.  The avatar id is the username as the file spells it.

    bcrypt is slow on purpose (tens to hundreds of milliseconds): when an asyncio loop is
    running, checks run in its default executor so other connections keep being served.
    An unknown user costs the same bcrypt check as a known one, so response times do not
    reveal which usernames exist.
    """

    credentialInterfaces = (IUsernamePassword,)

    def __init__(self, path: str | os.PathLike[str], allowPlaintext: bool = False) -> None:
        self.path = path
        self.allowPlaintext = allowPlaintext
        self._stamp: tuple[int, int, int] | None = None
        self._users: dict[bytes, _htpasswd.Entry] = {}
        self._decoy: _htpasswd.Entry | None = None
        self.unsupportedEntries: list[_htpasswd.Entry] = []

    def _load(self) -> dict[bytes, _htpasswd.Entry]:
        """The entries by username, re-read if the file changed; UnauthorizedLogin if gone."""
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
            if stamp != self._stamp:
                with open(self.path, "rb") as f:
                    data = f.read()
            else:
                return self._users
        except OSError as e:
            _log.error("Unable to read htpasswd file %s: %r", os.fspath(self.path), e)
            raise UnauthorizedLogin() from e
        users: dict[bytes, _htpasswd.Entry] = {}
        unsupported: list[_htpasswd.Entry] = []
        for entry in _htpasswd.parse(data):
            users.setdefault(entry.username, entry)
            plaintext = self.allowPlaintext and entry.scheme in ("unknown", "crypt")
            if entry.scheme not in _htpasswd.SUPPORTED and not plaintext:
                unsupported.append(entry)
                _log.warning(
                    "%s line %d: user %r has a %s password hash, which plait does not "
                    "support; that user cannot log in (use bcrypt: htpasswd -B)",
                    os.fspath(self.path),
                    entry.lineno,
                    entry.username,
                    entry.scheme,
                )
        self._users, self.unsupportedEntries, self._stamp = users, unsupported, stamp
        self._decoy = next((e for e in users.values() if e.scheme == "bcrypt"), None)
        return users

    def _check(self, password: bytes, entry: _htpasswd.Entry | None) -> bool:
        if entry is None:
            # Spend a real bcrypt check on an unknown user, then refuse regardless.
            if self._decoy is not None:
                _htpasswd.verify(password, self._decoy)
            return False
        return _htpasswd.verify(password, entry, self.allowPlaintext)

    def requestAvatarId(self, credentials: Any) -> Deferred[Any]:
        """Verify a username and password against the file."""
        try:
            users = self._load()
        except UnauthorizedLogin as e:
            return fail(e)
        entry = users.get(_bytes(credentials.username))
        password = _bytes(credentials.password)
        avatarId = None if entry is None else entry.username
        slow = self._decoy if entry is None else entry
        if slow is not None and slow.scheme == "bcrypt":
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not None:
                future = loop.run_in_executor(None, self._check, password, entry)
                return Deferred.fromFuture(future).addCallback(_matched, avatarId)
        return maybeDeferred(self._check, password, entry).addCallback(_matched, avatarId)
