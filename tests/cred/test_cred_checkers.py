"""Tests for plait.cred.checkers: anonymous, in-memory, FilePasswordDB and htpasswd."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from plait.cred.checkers import (
    ANONYMOUS,
    AllowAnonymousAccess,
    FilePasswordDB,
    HtpasswdChecker,
    ICredentialsChecker,
    InMemoryUsernamePasswordDatabaseDontUse,
)
from plait.cred.credentials import (
    Anonymous,
    DigestedCredentials,
    IUsernameHashedPassword,
    IUsernamePassword,
    UsernameHashedPassword,
    UsernamePassword,
)
from plait.cred.error import UnauthorizedLogin
from plait.internet.defer import Deferred
from plait.python.failure import Failure


def outcome(d: Deferred[Any]) -> Any:
    box: list[Any] = []
    d.addBoth(box.append)
    assert box, "the Deferred has not fired"
    return box[0]


def refused(d: Deferred[Any]) -> bool:
    result = outcome(d)
    return isinstance(result, Failure) and bool(result.check(UnauthorizedLogin))


def test_checkers_provide_the_interface() -> None:
    for checker in [
        AllowAnonymousAccess(),
        InMemoryUsernamePasswordDatabaseDontUse(),
        FilePasswordDB("nowhere"),
        HtpasswdChecker("nowhere"),
    ]:
        assert ICredentialsChecker.providedBy(checker)


def test_allow_anonymous() -> None:
    assert outcome(AllowAnonymousAccess().requestAvatarId(Anonymous())) == ANONYMOUS


def test_in_memory() -> None:
    checker = InMemoryUsernamePasswordDatabaseDontUse(alice=b"pw", bob=b"hunter2")
    checker.addUser(b"carol", b"c")
    assert outcome(checker.requestAvatarId(UsernamePassword(b"alice", b"pw"))) == b"alice"
    assert outcome(checker.requestAvatarId(UsernamePassword(b"carol", b"c"))) == b"carol"
    assert outcome(checker.requestAvatarId(UsernameHashedPassword(b"bob", b"hunter2"))) == (b"bob")
    # str usernames find keyword users too, and the avatar id is what was presented
    assert outcome(checker.requestAvatarId(UsernamePassword("alice", b"pw"))) == "alice"
    assert refused(checker.requestAvatarId(UsernamePassword(b"alice", b"PW")))
    assert refused(checker.requestAvatarId(UsernamePassword(b"dave", b"pw")))
    assert refused(checker.requestAvatarId(UsernamePassword(b"Alice", b"pw")))
    checker.addUser(b"alice", b"new")
    assert refused(checker.requestAvatarId(UsernamePassword(b"alice", b"pw")))
    assert outcome(checker.requestAvatarId(UsernamePassword(b"alice", b"new"))) == b"alice"


def write(path: Path, text: bytes) -> None:
    path.write_bytes(text)


@pytest.mark.parametrize("cache", [False, True])
def test_file_password_db(tmp_path: Path, cache: bool) -> None:
    db = tmp_path / "passwd"
    write(db, b"alice:pw:1000\nbob:hunter2\nmalformed\n\ncarol:c\n")
    checker = FilePasswordDB(db, cache=cache)
    assert checker.credentialInterfaces == (IUsernamePassword, IUsernameHashedPassword)
    assert outcome(checker.requestAvatarId(UsernamePassword(b"alice", b"pw"))) == b"alice"
    assert outcome(checker.requestAvatarId(UsernamePassword(b"carol", b"c"))) == b"carol"
    assert refused(checker.requestAvatarId(UsernamePassword(b"alice", b"pw:1000")))
    assert refused(checker.requestAvatarId(UsernamePassword(b"bob", b"wrong")))
    assert refused(checker.requestAvatarId(UsernamePassword(b"malformed", b"")))
    assert refused(checker.requestAvatarId(UsernamePassword(b"nobody", b"pw")))
    assert checker.getUser(b"bob") == (b"bob", b"hunter2")
    with pytest.raises(KeyError):
        checker.getUser(b"nobody")
    # the file changes (and its mtime with it): the change is seen, cached or not
    write(db, b"alice:changed\n")
    stat = db.stat()
    os.utime(db, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert refused(checker.requestAvatarId(UsernamePassword(b"alice", b"pw")))
    assert outcome(checker.requestAvatarId(UsernamePassword(b"alice", b"changed"))) == b"alice"


def test_file_password_db_fields_delimiter_and_case(tmp_path: Path) -> None:
    db = tmp_path / "passwd"
    write(db, b"1000 pw ALICE\n")
    checker = FilePasswordDB(db, delim=b" ", usernameField=2, passwordField=1, caseSensitive=False)
    assert outcome(checker.requestAvatarId(UsernamePassword(b"Alice", b"pw"))) == b"alice"
    assert refused(checker.requestAvatarId(UsernamePassword(b"alice", b"PW")))
    strict = FilePasswordDB(db, delim=b" ", usernameField=2, passwordField=1)
    assert refused(strict.requestAvatarId(UsernamePassword(b"alice", b"pw")))
    assert outcome(strict.requestAvatarId(UsernamePassword(b"ALICE", b"pw"))) == b"ALICE"


def test_file_password_db_with_hash(tmp_path: Path) -> None:
    def sha(username: bytes, password: bytes, stored: bytes) -> bytes:
        return hashlib.sha256(username + b":" + password).hexdigest().encode()

    db = tmp_path / "passwd"
    write(db, b"alice:" + sha(b"alice", b"pw", b"") + b"\n")
    checker = FilePasswordDB(db, hash=sha)
    assert checker.credentialInterfaces == (IUsernamePassword,)
    assert outcome(checker.requestAvatarId(UsernamePassword(b"alice", b"pw"))) == b"alice"
    assert refused(checker.requestAvatarId(UsernamePassword(b"alice", b"px")))
    # hashed credentials cannot be checked against a hash
    assert refused(checker.requestAvatarId(UsernameHashedPassword(b"alice", b"pw")))


def test_file_password_db_checks_digest_credentials(tmp_path: Path) -> None:
    db = tmp_path / "passwd"
    write(db, b"alice:pw\n")
    ha1 = hashlib.md5(b"alice:realm:pw").hexdigest().encode()
    ha2 = hashlib.md5(b"GET:/x").hexdigest().encode()
    response = hashlib.md5(ha1 + b":n:00000001:c:auth:" + ha2).hexdigest().encode()
    fields = {"nonce": b"n", "uri": b"/x", "nc": b"00000001", "cnonce": b"c"}
    fields |= {"qop": b"auth", "response": response}
    creds = DigestedCredentials(b"alice", b"GET", b"realm", fields)
    assert outcome(FilePasswordDB(db).requestAvatarId(creds)) == b"alice"


@pytest.mark.parametrize("cache", [False, True])
def test_file_password_db_unreadable_file_refuses_and_logs(
    tmp_path: Path, cache: bool, caplog: pytest.LogCaptureFixture
) -> None:
    checker = FilePasswordDB(tmp_path / "missing", cache=cache)
    with caplog.at_level(logging.ERROR, logger="plait.cred.checkers"):
        assert refused(checker.requestAvatarId(UsernamePassword(b"alice", b"pw")))
    assert "Unable to load credentials db" in caplog.text


# htpasswd ----------------------------------------------------------------------------


def bcrypt_entry(password: bytes, prefix: bytes = b"2b") -> bytes:
    return bcrypt.hashpw(password, bcrypt.gensalt(rounds=4, prefix=prefix))


def sha_entry(password: bytes) -> bytes:
    return b"{SHA}" + base64.b64encode(hashlib.sha1(password).digest())


@pytest.fixture
def htpasswd(tmp_path: Path) -> Path:
    path = tmp_path / ".htpasswd"
    write(
        path,
        b"# comment\n"
        b"alice:" + bcrypt_entry(b"wonderland", b"2b") + b"\n"
        b"yvonne:" + bcrypt_entry(b"y-pass", b"2a").replace(b"$2a$", b"$2y$", 1) + b"\n"
        b"sam:" + sha_entry(b"sam-pass") + b"\n"
        b"apr:$apr1$r31.....$OlIPpIr65LnXsCtb3d8LN.\n"
        b"des:rl0uE0ZcdLnSw\n"
        b"six:$6$salt$abcdef\n"
        b"plain:clear-text\n",
    )
    return path


def check(checker: HtpasswdChecker, user: bytes | str, password: bytes | str) -> Any:
    return outcome(checker.requestAvatarId(UsernamePassword(user, password)))


def test_htpasswd_bcrypt_and_sha(htpasswd: Path) -> None:
    checker = HtpasswdChecker(htpasswd)
    assert checker.credentialInterfaces == (IUsernamePassword,)
    assert check(checker, b"alice", b"wonderland") == b"alice"
    assert check(checker, "alice", "wonderland") == b"alice"
    assert check(checker, b"yvonne", b"y-pass") == b"yvonne"
    assert check(checker, b"sam", b"sam-pass") == b"sam"
    for user, password in [
        (b"alice", b"Wonderland"),
        (b"alice", b""),
        (b"sam", b"sam-pas"),
        (b"yvonne", b"wonderland"),
        (b"nobody", b"wonderland"),
        (b"Alice", b"wonderland"),
    ]:
        result = check(checker, user, password)
        assert isinstance(result, Failure)
        assert result.check(UnauthorizedLogin)


def test_htpasswd_apr1(htpasswd: Path) -> None:
    # The entry in the fixture was made by `openssl passwd -apr1 -salt r31..... apr-pass`.
    checker = HtpasswdChecker(htpasswd)
    assert check(checker, b"apr", b"apr-pass") == b"apr"
    assert check(checker, b"apr", b"apr-pasS").check(UnauthorizedLogin)


def test_htpasswd_unsupported_entries_are_refused_and_logged(
    htpasswd: Path, caplog: pytest.LogCaptureFixture
) -> None:
    checker = HtpasswdChecker(htpasswd)
    with caplog.at_level(logging.WARNING, logger="plait.cred.checkers"):
        assert check(checker, b"des", b"anything").check(UnauthorizedLogin)
    assert [(e.username, e.scheme) for e in checker.unsupportedEntries] == [
        (b"des", "crypt"),
        (b"six", "sha512crypt"),
        (b"plain", "unknown"),
    ]
    assert "line 7" in caplog.text
    assert "sha512crypt" in caplog.text
    assert check(checker, b"six", b"x").check(UnauthorizedLogin)
    assert check(checker, b"plain", b"clear-text").check(UnauthorizedLogin)


def test_htpasswd_plaintext_only_when_asked(htpasswd: Path) -> None:
    checker = HtpasswdChecker(htpasswd, allowPlaintext=True)
    assert check(checker, b"plain", b"clear-text") == b"plain"
    assert check(checker, b"plain", b"clear-texT").check(UnauthorizedLogin)
    assert check(checker, b"six", b"$6$salt$abcdef").check(UnauthorizedLogin)
    assert [e.username for e in checker.unsupportedEntries] == [b"six"]


def test_htpasswd_is_reread_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "users"
    write(path, b"alice:" + sha_entry(b"one") + b"\n")
    checker = HtpasswdChecker(path)
    assert check(checker, b"alice", b"one") == b"alice"
    write(path, b"alice:" + sha_entry(b"two") + b"\nbob:" + sha_entry(b"b") + b"\n")
    assert check(checker, b"alice", b"two") == b"alice"
    assert check(checker, b"bob", b"b") == b"bob"
    assert check(checker, b"alice", b"one").check(UnauthorizedLogin)
    # same size, new content, mtime moved forward: still seen
    write(path, b"alice:" + sha_entry(b"3wo") + b"\nbob:" + sha_entry(b"b") + b"\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    assert check(checker, b"alice", b"3wo") == b"alice"


def test_htpasswd_missing_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    checker = HtpasswdChecker(tmp_path / "missing")
    with caplog.at_level(logging.ERROR, logger="plait.cred.checkers"):
        assert check(checker, b"alice", b"x").check(UnauthorizedLogin)
    assert "Unable to read htpasswd file" in caplog.text


def test_htpasswd_first_entry_wins(tmp_path: Path) -> None:
    path = tmp_path / "users"
    write(path, b"alice:" + sha_entry(b"first") + b"\nalice:" + sha_entry(b"second") + b"\n")
    checker = HtpasswdChecker(path)
    assert check(checker, b"alice", b"first") == b"alice"
    assert check(checker, b"alice", b"second").check(UnauthorizedLogin)


def test_htpasswd_long_bcrypt_passwords_match_like_apache(tmp_path: Path) -> None:
    long_password = b"x" * 100
    path = tmp_path / "users"
    write(path, b"alice:" + bcrypt.hashpw(long_password[:72], bcrypt.gensalt(4)) + b"\n")
    assert check(HtpasswdChecker(path), b"alice", long_password) == b"alice"


def test_htpasswd_bcrypt_runs_off_the_event_loop(htpasswd: Path) -> None:
    checker = HtpasswdChecker(htpasswd)

    async def scenario() -> tuple[Any, Any, bool]:
        loop_thread_ticks = 0

        async def ticker() -> None:
            nonlocal loop_thread_ticks
            while True:
                loop_thread_ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        d = checker.requestAvatarId(UsernamePassword(b"alice", b"wonderland"))
        fired_synchronously = d.called
        good = await asyncio.wait_for(d.asFuture(asyncio.get_running_loop()), 30)
        bad_d = checker.requestAvatarId(UsernamePassword(b"ghost", b"wonderland"))
        with pytest.raises(UnauthorizedLogin):
            await asyncio.wait_for(bad_d.asFuture(asyncio.get_running_loop()), 30)
        task.cancel()
        return good, fired_synchronously, loop_thread_ticks > 0

    good, fired_synchronously, ticked = asyncio.run(scenario())
    assert good == b"alice"
    assert not fired_synchronously
    assert ticked
