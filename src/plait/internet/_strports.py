r"""The grammar of endpoint description strings, without any I/O.

A description is ``type:field:field...``. A field is either positional
(``8080``) or a keyword (``interface=127.0.0.1``); ``\`` makes the next
character literal, so ``tcp6:8080:interface=\:\:1`` listens on ``::1``.

:func:`parseServer` and :func:`parseClient` turn a description into one of the
small frozen ``*Spec`` records below, checking every field and converting it
to its type. A mistake raises :class:`ValueError` whose message names the part
that is wrong. :mod:`plait.internet.endpoints` turns a spec into an endpoint.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "SSLClientSpec",
    "SSLServerSpec",
    "TCPClientSpec",
    "TCPServerSpec",
    "TLSClientSpec",
    "UNIXClientSpec",
    "UNIXServerSpec",
    "parseClient",
    "parseServer",
    "tokenize",
]


@dataclass(frozen=True, slots=True)
class TCPServerSpec:
    """``tcp:`` or ``tcp6:`` server: listen on a TCP port."""

    port: int
    interface: str
    backlog: int
    ipv6: bool


@dataclass(frozen=True, slots=True)
class SSLServerSpec:
    """``ssl:`` server: listen on a TCP port and speak TLS."""

    port: int
    interface: str
    backlog: int
    privateKey: str
    certKey: str
    extraCertChain: str | None
    dhParameters: str | None
    sslmethod: str | None


@dataclass(frozen=True, slots=True)
class UNIXServerSpec:
    """``unix:`` server: listen on a UNIX socket path."""

    address: str
    mode: int
    backlog: int
    wantPID: bool


@dataclass(frozen=True, slots=True)
class TCPClientSpec:
    """``tcp:`` or ``tcp6:`` client: connect to host and port."""

    host: str
    port: int
    timeout: float
    bindAddress: str | None
    ipv6: bool


@dataclass(frozen=True, slots=True)
class SSLClientSpec:
    """``ssl:`` client: connect to host and port and speak TLS."""

    host: str
    port: int
    timeout: float
    bindAddress: str | None
    hostname: str | None
    certKey: str | None
    privateKey: str | None
    caCertsDir: str | None


@dataclass(frozen=True, slots=True)
class TLSClientSpec:
    """``tls:`` client: connect to host and port, verifying the host's certificate."""

    host: str
    port: int
    timeout: float
    bindAddress: str | None
    certificate: str | None
    privateKey: str | None
    trustRoots: str | None


@dataclass(frozen=True, slots=True)
class UNIXClientSpec:
    """``unix:`` client: connect to a UNIX socket path."""

    path: str
    timeout: float
    checkPID: bool


class _Required(enum.Enum):
    """Marks a parameter that has no default."""

    REQUIRED = enum.auto()


_REQUIRED = _Required.REQUIRED
_Defaults = dict[str, str | _Required | None]

ServerSpec = TCPServerSpec | SSLServerSpec | UNIXServerSpec
ClientSpec = TCPClientSpec | SSLClientSpec | TLSClientSpec | UNIXClientSpec


def tokenize(description: str) -> tuple[list[str], dict[str, str]]:
    """Split a description into its positional fields and its keywords.

    The endpoint type is the first positional field. The first unescaped
    ``=`` of a field separates a keyword from its value; later ones belong to
    the value.
    """
    if not description:
        raise ValueError("empty endpoint description")
    fields: list[tuple[str | None, str]] = []
    key: str | None = None
    current: list[str] = []
    chars = iter(description)
    for char in chars:
        if char == "\\":
            escaped = next(chars, None)
            if escaped is None:
                raise ValueError(f"endpoint description {description!r} ends with a lone '\\'")
            current.append(escaped)
        elif char == ":":
            fields.append((key, "".join(current)))
            key, current = None, []
        elif char == "=" and key is None:
            key, current = "".join(current), []
        else:
            current.append(char)
    fields.append((key, "".join(current)))

    args: list[str] = []
    kwargs: dict[str, str] = {}
    for name, value in fields:
        if name is None:
            args.append(value)
        elif name in kwargs:
            raise ValueError(f"keyword {name!r} given twice in {description!r}")
        else:
            kwargs[name] = value
    return args, kwargs


def _bind(
    kind: str,
    positional: Sequence[str],
    defaults: _Defaults,
    args: Sequence[str],
    kwargs: dict[str, str],
) -> dict[str, str | None]:
    """Match fields to parameter names, as a Python call would.

    ``positional`` names the parameters fields may fill by position, in
    order; ``defaults`` lists every parameter, mapping the optional ones to
    their default and the required ones to ``_REQUIRED``.
    """
    if len(args) > len(positional):
        extra = args[len(positional)]
        takes = ":".join(name.upper() for name in positional) or "no positional fields"
        raise ValueError(f"{kind}: unexpected field {extra!r} ({kind} takes {takes})")
    bound: dict[str, str | None] = dict(zip(positional, args, strict=False))
    for name, value in kwargs.items():
        if name not in defaults:
            known = ", ".join(sorted(defaults))
            raise ValueError(f"{kind}: unknown keyword {name!r} (known: {known})")
        if name in bound:
            raise ValueError(f"{kind}: {name} given both by position and as {name}=")
        bound[name] = value
    for name, default in defaults.items():
        if name not in bound:
            if isinstance(default, _Required):
                raise ValueError(f"{kind}: missing {name}")
            bound[name] = None if isinstance(default, _Required) else default
    return bound


def _integer(kind: str, name: str, text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise ValueError(f"{kind}: {name} must be an integer, got {text!r}") from None


def _port(kind: str, text: str | None) -> int:
    port = _integer(kind, "port", text)
    if not 0 <= port <= 65535:
        raise ValueError(f"{kind}: port must be between 0 and 65535, got {port}")
    return port


def _backlog(kind: str, text: str | None) -> int:
    backlog = _integer(kind, "backlog", text)
    if backlog < 1:
        raise ValueError(f"{kind}: backlog must be at least 1, got {backlog}")
    return backlog


def _timeout(kind: str, text: str | None) -> float:
    try:
        timeout = float(text or "")
    except ValueError:
        raise ValueError(f"{kind}: timeout must be a number of seconds, got {text!r}") from None
    if not timeout > 0:
        raise ValueError(f"{kind}: timeout must be positive, got {text!r}")
    return timeout


def _flag(kind: str, name: str, text: str | None) -> bool:
    if text not in ("0", "1"):
        raise ValueError(f"{kind}: {name} must be 0 or 1, got {text!r}")
    return text == "1"


def _mode(kind: str, text: str | None) -> int:
    try:
        mode = int(text or "", 8)
    except ValueError:
        raise ValueError(f"{kind}: mode must be octal digits such as 660, got {text!r}") from None
    if not 0 <= mode <= 0o7777:
        raise ValueError(f"{kind}: mode must be at most 7777, got {text!r}")
    return mode


def _nonEmpty(kind: str, name: str, text: str | None) -> str:
    if not text:
        raise ValueError(f"{kind}: {name} must not be empty")
    return text


def _serverTCP(kind: str, args: Sequence[str], kwargs: dict[str, str]) -> TCPServerSpec:
    ipv6 = kind == "tcp6"
    defaults: _Defaults = {"port": _REQUIRED, "interface": "::" if ipv6 else "", "backlog": "50"}
    bound = _bind(kind, ["port"], defaults, args, kwargs)
    return TCPServerSpec(
        port=_port(kind, bound["port"]),
        interface=bound["interface"] or "",
        backlog=_backlog(kind, bound["backlog"]),
        ipv6=ipv6,
    )


def _serverSSL(kind: str, args: Sequence[str], kwargs: dict[str, str]) -> SSLServerSpec:
    defaults: _Defaults = {
        "port": _REQUIRED,
        "privateKey": "server.pem",
        "certKey": None,
        "extraCertChain": None,
        "dhParameters": None,
        "sslmethod": None,
        "interface": "",
        "backlog": "50",
    }
    bound = _bind(kind, ["port"], defaults, args, kwargs)
    privateKey = _nonEmpty(kind, "privateKey", bound["privateKey"])
    return SSLServerSpec(
        port=_port(kind, bound["port"]),
        interface=bound["interface"] or "",
        backlog=_backlog(kind, bound["backlog"]),
        privateKey=privateKey,
        certKey=bound["certKey"] or privateKey,
        extraCertChain=bound["extraCertChain"] or None,
        dhParameters=bound["dhParameters"] or None,
        sslmethod=bound["sslmethod"] or None,
    )


def _serverUNIX(kind: str, args: Sequence[str], kwargs: dict[str, str]) -> UNIXServerSpec:
    defaults: _Defaults = {"address": _REQUIRED, "mode": "666", "backlog": "50", "lockfile": "1"}
    bound = _bind(kind, ["address"], defaults, args, kwargs)
    return UNIXServerSpec(
        address=_nonEmpty(kind, "address", bound["address"]),
        mode=_mode(kind, bound["mode"]),
        backlog=_backlog(kind, bound["backlog"]),
        wantPID=_flag(kind, "lockfile", bound["lockfile"]),
    )


def _clientTCP(kind: str, args: Sequence[str], kwargs: dict[str, str]) -> TCPClientSpec:
    defaults: _Defaults = {
        "host": _REQUIRED,
        "port": _REQUIRED,
        "timeout": "30",
        "bindAddress": None,
    }
    bound = _bind(kind, ["host", "port"], defaults, args, kwargs)
    return TCPClientSpec(
        host=_nonEmpty(kind, "host", bound["host"]),
        port=_port(kind, bound["port"]),
        timeout=_timeout(kind, bound["timeout"]),
        bindAddress=bound["bindAddress"] or None,
        ipv6=kind == "tcp6",
    )


def _clientSSL(kind: str, args: Sequence[str], kwargs: dict[str, str]) -> SSLClientSpec:
    defaults: _Defaults = {
        "host": _REQUIRED,
        "port": _REQUIRED,
        "timeout": "30",
        "bindAddress": None,
        "hostname": None,
        "certKey": None,
        "privateKey": None,
        "caCertsDir": None,
    }
    bound = _bind(kind, ["host", "port"], defaults, args, kwargs)
    return SSLClientSpec(
        host=_nonEmpty(kind, "host", bound["host"]),
        port=_port(kind, bound["port"]),
        timeout=_timeout(kind, bound["timeout"]),
        bindAddress=bound["bindAddress"] or None,
        hostname=bound["hostname"] or None,
        certKey=bound["certKey"] or None,
        privateKey=bound["privateKey"] or None,
        caCertsDir=bound["caCertsDir"] or None,
    )


def _clientTLS(kind: str, args: Sequence[str], kwargs: dict[str, str]) -> TLSClientSpec:
    defaults: _Defaults = {
        "host": _REQUIRED,
        "port": _REQUIRED,
        "timeout": "30",
        "bindAddress": None,
        "certificate": None,
        "privateKey": None,
        "trustRoots": None,
    }
    bound = _bind(kind, ["host", "port"], defaults, args, kwargs)
    return TLSClientSpec(
        host=_nonEmpty(kind, "host", bound["host"]),
        port=_port(kind, bound["port"]),
        timeout=_timeout(kind, bound["timeout"]),
        bindAddress=bound["bindAddress"] or None,
        certificate=bound["certificate"] or None,
        privateKey=bound["privateKey"] or None,
        trustRoots=bound["trustRoots"] or None,
    )


def _clientUNIX(kind: str, args: Sequence[str], kwargs: dict[str, str]) -> UNIXClientSpec:
    defaults: _Defaults = {"path": _REQUIRED, "timeout": "30", "checkPID": "0"}
    bound = _bind(kind, ["path"], defaults, args, kwargs)
    return UNIXClientSpec(
        path=_nonEmpty(kind, "path", bound["path"]),
        timeout=_timeout(kind, bound["timeout"]),
        checkPID=_flag(kind, "checkPID", bound["checkPID"]),
    )


_SERVER_PARSERS: dict[str, Callable[[str, Sequence[str], dict[str, str]], ServerSpec]] = {
    "tcp": _serverTCP,
    "tcp6": _serverTCP,
    "ssl": _serverSSL,
    "unix": _serverUNIX,
}

_CLIENT_PARSERS: dict[str, Callable[[str, Sequence[str], dict[str, str]], ClientSpec]] = {
    "tcp": _clientTCP,
    "tcp6": _clientTCP,
    "ssl": _clientSSL,
    "tls": _clientTLS,
    "unix": _clientUNIX,
}


def _split(
    description: str, side: str, known: Sequence[str]
) -> tuple[str, list[str], dict[str, str]]:
    args, kwargs = tokenize(description)
    if not args or not args[0]:
        raise ValueError(f"endpoint description {description!r} does not start with a type")
    kind = args[0].lower()
    if kind not in known:
        hint = ""
        if kind.isdigit() and side == "server":
            hint = f"; a bare port number is not accepted: write 'tcp:{kind}'"
        choices = ", ".join(sorted(known))
        raise ValueError(
            f"unknown {side} endpoint type {args[0]!r} (known: {choices}){hint}",
        )
    return kind, args[1:], kwargs


def parseServer(description: str) -> ServerSpec:
    """Parse a server endpoint description such as ``tcp:8080``."""
    kind, args, kwargs = _split(description, "server", list(_SERVER_PARSERS))
    return _SERVER_PARSERS[kind](kind, args, kwargs)


def parseClient(description: str) -> ClientSpec:
    """Parse a client endpoint description such as ``tcp:host=example.com:port=80``."""
    kind, args, kwargs = _split(description, "client", list(_CLIENT_PARSERS))
    return _CLIENT_PARSERS[kind](kind, args, kwargs)
