"""parseWebOptions: what the command line turns into, without starting anything."""

from __future__ import annotations

import pytest

from plait.cli._options import DEFAULT_LISTEN, UsageError, parseWebOptions
from plait.web._limits import Limits


def test_defaults() -> None:
    options = parseWebOptions([])
    assert options.listen == [DEFAULT_LISTEN] == ["tcp:8080"]
    assert options.limits == Limits()
    assert options.workers == 1
    assert options.shutdownTimeout == 30.0
    assert options.reusePort is True
    assert not options.reload


def test_listen_is_repeatable_and_port_is_an_alias() -> None:
    options = parseWebOptions(["--listen", "tcp:1", "--listen", "unix:/tmp/s", "-p", "tcp:2"])
    assert options.listen == ["tcp:1", "unix:/tmp/s", "tcp:2"]


def test_https_builds_an_escaped_ssl_description() -> None:
    options = parseWebOptions(["--https", "8443", "-c", "C:/cert=1.pem", "-k", "key.pem"])
    # As in twistd, --https alone replaces the default tcp:8080.
    assert options.listen == [r"ssl:8443:privateKey=key.pem:certKey=C\:/cert\=1.pem"]
    with pytest.raises(UsageError, match="not a port number"):
        parseWebOptions(["--https", "eighty"])


def test_limits_knobs() -> None:
    options = parseWebOptions(
        ["--max-body-bytes", "5", "--idle-timeout", "1.5", "--max-pipelined-requests", "2"]
    )
    assert options.limits.max_body_bytes == 5
    assert options.limits.idle_timeout == 1.5
    assert options.limits.max_pipelined_requests == 2
    assert options.limits.max_header_bytes == Limits().max_header_bytes


def test_path_options() -> None:
    options = parseWebOptions(
        ["--path", ".", "--processor", "txt=a.B", "--processor", ".x=c.D", "-i", "home.html"]
    )
    assert options.processors == {".txt": "a.B", ".x": "c.D"}
    assert options.index == ["home.html"]


def test_headers_are_split_once() -> None:
    options = parseWebOptions(["--add-header", "Link: <https://a>; rel=x"])
    assert options.addHeaders == [("Link", "<https://a>; rel=x")]


def test_argv_is_kept_for_the_workers() -> None:
    argv = ["--class", "a.B", "--workers", "3"]
    assert parseWebOptions(argv).argv == argv
