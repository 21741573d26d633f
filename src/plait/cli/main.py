"""The ``plait`` command: ``plait web [options]`` serves a site (see ``plait web --help``).

Every failure a user can cause (a bad option, a port in use, a class that does not import)
is one line on standard error and exit status 2 (the command line is wrong) or 1 (the
command line is fine but the server cannot start); never a traceback.
"""

from __future__ import annotations

import logging
import sys

from plait._version import __version__

__all__ = ["main"]

_USAGE = f"""usage: plait COMMAND [options]

plait {__version__}: a web application server with Twisted Web's API on asyncio.

commands:
  web     serve a folder, a resource class or a .rpy script over HTTP
          (plait web --help lists its options)

options:
  -h, --help  show this message
  --version   show the version
"""


def _configureLogging() -> None:
    # Log lines and the access log (when no --logfile is given) go to stderr; access-log
    # lines carry their own timestamp.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    access = logging.StreamHandler(sys.stderr)
    access.setFormatter(logging.Formatter("%(message)s"))
    accessLogger = logging.getLogger("plait.access")
    accessLogger.addHandler(access)
    accessLogger.propagate = False


def web(argv: list[str]) -> int:
    """Run ``plait web`` with *argv* (the arguments after ``web``); the exit status."""
    from plait.cli._options import UsageError, parseWebOptions
    from plait.cli._serve import ServeError, serve, workerSettings
    from plait.web.tap import BuildError

    try:
        options = parseWebOptions(argv)
    except UsageError as e:
        print(f"plait web: error: {e}", file=sys.stderr)
        return 2
    except SystemExit as e:  # --help and --version
        return e.code if isinstance(e.code, int) else 0
    worker = workerSettings()
    try:
        if worker is None and (options.workers > 1 or options.reload):
            from plait.cli._workers import supervise

            return supervise(options)
        _configureLogging()
        return serve(options, worker)
    except BuildError as e:
        print(f"plait web: error: {e}", file=sys.stderr)
        return 2
    except ServeError as e:
        print(f"plait web: error: {e}", file=sys.stderr)
        return e.code


def main(argv: list[str] | None = None) -> int:
    """The ``plait`` console script; *argv* defaults to ``sys.argv[1:]``."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        if not args or args[0] in ("-h", "--help", "help"):
            print(_USAGE, end="")
            return 0 if args else 2
        if args[0] == "--version":
            print(f"plait {__version__}")
            return 0
        if args[0] == "web":
            return web(args[1:])
        print(
            f"plait: error: unknown command {args[0]!r} (try 'plait web --help')", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        return 130
