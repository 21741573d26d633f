"""The ``plait web`` command line: parsing, validation, and the parsed result.

Options mirror ``twistd web`` (same names, dashes for underscores) plus plait's own: the
server's limits, ``--workers``, ``--shutdown-timeout`` and ``--reload``. Every mistake the
parser can see becomes a `UsageError` with a one-line message; `main` prints it and exits 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass, field
from typing import NoReturn

from plait._version import __version__
from plait.web._limits import Limits

__all__ = ["UsageError", "WebOptions", "buildParser", "parseWebOptions"]

DEFAULT_LISTEN = "tcp:8080"


class UsageError(Exception):
    """A bad command line; the message is one line meant for the user."""


@dataclass
class WebOptions:
    """What ``plait web`` was asked to do (the parsed and checked command line)."""

    listen: list[str] = field(default_factory=list)
    path: str | None = None
    className: str | None = None
    resourceScript: str | None = None
    wsgi: str | None = None
    logfile: str | None = None
    mimeType: str | None = None
    allowIgnoreExt: bool = False
    ignoreExt: list[str] = field(default_factory=list)
    index: list[str] = field(default_factory=list)
    processors: dict[str, str] = field(default_factory=dict)
    addHeaders: list[tuple[str, str]] = field(default_factory=list)
    displayTracebacks: bool = False
    limits: Limits = field(default_factory=Limits)
    workers: int = 1
    reusePort: bool = True
    shutdownTimeout: float = 30.0
    reload: bool = False
    reloadDirs: list[str] = field(default_factory=list)
    argv: list[str] = field(default_factory=list)
    """The arguments as given, so a supervisor can start workers with the same ones."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (a `UsageError`), not usage plus exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


# (option, Limits field, type, help): the server's limits as command-line knobs.
_LIMIT_OPTIONS: list[tuple[str, str, type, str]] = [
    ("--max-header-bytes", "max_header_bytes", int, "request line + headers, in bytes (431)"),
    ("--max-headers", "max_headers", int, "number of header fields in a request (431)"),
    ("--max-request-target", "max_request_target", int, "length of the request target (414)"),
    ("--max-body-bytes", "max_body_bytes", int, "request body size in bytes (413)"),
    ("--idle-timeout", "idle_timeout", float, "seconds an idle keep-alive connection stays open"),
    ("--header-timeout", "header_timeout", float, "seconds to receive a whole request head (408)"),
    ("--body-timeout", "body_timeout", float, "longest silence while a body arrives, seconds"),
    ("--min-body-rate", "min_body_rate", float, "slowest accepted body upload, bytes/s (0: off)"),
    (
        "--max-pipelined-requests",
        "max_pipelined_requests",
        int,
        "requests queued behind the one being answered before reading pauses",
    ),
]


def buildParser(prog: str = "plait web") -> argparse.ArgumentParser:
    """The argument parser of ``plait web``."""
    defaults = Limits()
    parser = _Parser(
        prog=prog,
        description=(
            "Serve a folder, a resource class, a .rpy script or a small demo page over HTTP. "
            "Without a root option, a page saying plait works is served."
        ),
        epilog=(
            "Examples: 'plait web --path .' serves the current folder on port 8080; "
            "'plait web --listen tcp:8000:interface=127.0.0.1 --class myapp.Root --workers 4'."
        ),
    )
    parser.add_argument("--version", action="version", version=f"plait {__version__}")

    where = parser.add_argument_group("where to listen")
    where.add_argument(
        "--listen",
        action="append",
        default=[],
        metavar="STRPORT",
        help=(
            "an endpoint description such as tcp:8080, tcp:8080:interface=127.0.0.1, "
            "tcp6:8080, unix:/tmp/web.sock or ssl:8443:privateKey=key.pem:certKey=cert.pem; "
            f"repeatable (default {DEFAULT_LISTEN})"
        ),
    )
    where.add_argument("-p", "--port", action="append", default=[], help=argparse.SUPPRESS)
    where.add_argument("--https", metavar="PORT", help="also serve HTTPS on PORT (shorthand)")
    where.add_argument(
        "-c",
        "--certificate",
        metavar="FILE",
        default="server.pem",
        help="certificate (PEM) for --https (default server.pem)",
    )
    where.add_argument(
        "-k",
        "--privkey",
        metavar="FILE",
        default="server.pem",
        help="private key (PEM) for --https (default server.pem)",
    )

    what = parser.add_argument_group("what to serve (one of)")
    what.add_argument("--path", metavar="DIR", help="serve the files below DIR")
    what.add_argument(
        "--class", dest="className", metavar="MODULE.CLASS", help="serve MODULE.CLASS()"
    )
    what.add_argument(
        "--resource-script",
        metavar="FILE.rpy",
        help="serve the resource a .rpy script makes (run again for every request)",
    )
    what.add_argument("--wsgi", metavar="MODULE.APP", help="serve a WSGI application")

    files = parser.add_argument_group("with --path")
    files.add_argument(
        "-m", "--mime-type", metavar="TYPE", help="content type of files of unknown type"
    )
    files.add_argument(
        "--allow-ignore-ext",
        action="store_true",
        help="serve name.EXT when name is asked for, for any extension",
    )
    files.add_argument(
        "--ignore-ext",
        action="append",
        default=[],
        metavar="EXT",
        help="serve nameEXT when name is asked for (repeatable)",
    )
    files.add_argument(
        "-i",
        "--index",
        action="append",
        default=[],
        metavar="NAME",
        help="index file name for directories (repeatable; replaces the defaults)",
    )
    files.add_argument(
        "--processor",
        action="append",
        default=[],
        metavar="EXT=MODULE.CLASS",
        help="serve files ending in EXT through MODULE.CLASS(path, registry) (repeatable)",
    )

    site = parser.add_argument_group("the site")
    site.add_argument(
        "-l",
        "--logfile",
        metavar="PATH",
        help="append the access log (combined format) to PATH; '-' for standard output",
    )
    site.add_argument(
        "--add-header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="add this header to every response (repeatable)",
    )
    site.add_argument(
        "--display-tracebacks",
        action="store_true",
        help="show tracebacks in 500 pages (never in production)",
    )
    site.add_argument("-n", "--notracebacks", action="store_true", help=argparse.SUPPRESS)

    limits = parser.add_argument_group("limits")
    for option, name, kind, text in _LIMIT_OPTIONS:
        limits.add_argument(
            option,
            dest=name,
            type=kind,
            metavar="N" if kind is int else "SECONDS" if "timeout" in name else "RATE",
            help=f"{text} (default {getattr(defaults, name):g})",
        )

    process = parser.add_argument_group("processes")
    process.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="serve from N processes sharing the listening sockets (default 1)",
    )
    process.add_argument(
        "--no-reuse-port",
        dest="reusePort",
        action="store_false",
        help="with --workers, share one accept queue instead of SO_REUSEPORT",
    )
    process.add_argument(
        "--shutdown-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="on SIGTERM/SIGINT, how long requests in flight may take to finish (default 30)",
    )
    process.add_argument(
        "--reload",
        action="store_true",
        help="restart when a .py file changes (development only)",
    )
    process.add_argument(
        "--reload-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="with --reload, watch DIR (repeatable; default: the current folder)",
    )
    return parser


def _sslListen(port: str, certificate: str, privkey: str) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace(":", "\\:").replace("=", "\\=")

    if not port.isdigit():
        raise UsageError(f"--https: {port!r} is not a port number")
    return f"ssl:{port}:privateKey={escape(privkey)}:certKey={escape(certificate)}"


def parseWebOptions(argv: list[str], prog: str = "plait web") -> WebOptions:
    """Parse and check the arguments of ``plait web``; `UsageError` if they are wrong."""
    args = buildParser(prog).parse_args(argv)
    roots = [
        name
        for name, value in (
            ("--path", args.path),
            ("--class", args.className),
            ("--resource-script", args.resource_script),
            ("--wsgi", args.wsgi),
        )
        if value is not None
    ]
    if len(roots) > 1:
        raise UsageError(f"choose one of {', '.join(roots)}: each one is the whole site")
    if args.path is None:
        for option, given in (
            ("--mime-type", args.mime_type is not None),
            ("--allow-ignore-ext", args.allow_ignore_ext),
            ("--ignore-ext", bool(args.ignore_ext)),
            ("--processor", bool(args.processor)),
            ("--index", bool(args.index)),
        ):
            if given:
                raise UsageError(f"{option} only makes sense with --path")
    if args.path is not None and not os.path.exists(args.path):
        raise UsageError(f"--path: {args.path!r} does not exist")
    if args.resource_script is not None and not os.path.isfile(args.resource_script):
        raise UsageError(f"--resource-script: {args.resource_script!r} is not a file")

    processors: dict[str, str] = {}
    for item in args.processor:
        ext, sep, name = item.partition("=")
        if not sep or not ext or not name:
            raise UsageError(f"--processor: expected EXT=MODULE.CLASS, got {item!r}")
        processors[ext if ext.startswith(".") else "." + ext] = name

    headers: list[tuple[str, str]] = []
    for item in args.add_header:
        name, sep, value = item.partition(":")
        name = name.strip()
        if not sep or not name or any(c in name for c in " \t\r\n") or "\n" in value:
            raise UsageError(f"--add-header: expected 'Name: Value', got {item!r}")
        headers.append((name, value.strip()))

    listen = list(args.listen) + list(args.port)
    if args.https is not None:
        listen.append(_sslListen(args.https, args.certificate, args.privkey))
    if not listen:
        listen.append(DEFAULT_LISTEN)

    overrides = {
        name: getattr(args, name)
        for _, name, _, _ in _LIMIT_OPTIONS
        if getattr(args, name) is not None
    }
    try:
        limits = dataclasses.replace(Limits(), **overrides)
    except ValueError as e:
        option = str(e).split()[0].replace("Limits.", "--").replace("_", "-")
        raise UsageError(f"{option}: {str(e).split(' ', 1)[1]}") from None

    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.shutdown_timeout < 0:
        raise UsageError("--shutdown-timeout must not be negative")
    for directory in args.reload_dir:
        if not os.path.isdir(directory):
            raise UsageError(f"--reload-dir: {directory!r} is not a folder")

    return WebOptions(
        listen=listen,
        path=args.path,
        className=args.className,
        resourceScript=args.resource_script,
        wsgi=args.wsgi,
        logfile=args.logfile,
        mimeType=args.mime_type,
        allowIgnoreExt=args.allow_ignore_ext,
        ignoreExt=list(args.ignore_ext),
        index=list(args.index),
        processors=processors,
        addHeaders=headers,
        displayTracebacks=args.display_tracebacks,
        limits=limits,
        workers=args.workers,
        reusePort=args.reusePort,
        shutdownTimeout=args.shutdown_timeout,
        reload=args.reload,
        reloadDirs=list(args.reload_dir),
        argv=list(argv),
    )
