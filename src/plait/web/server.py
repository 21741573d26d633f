"""The web server: `Site`, `Request`, `Session` (Twisted's ``twisted.web.server``)."""

from __future__ import annotations

from plait.web._constants import NOT_DONE_YET
from plait.web._encoders import GzipEncoderFactory
from plait.web._server_request import Request, version
from plait.web._session import Session
from plait.web._site import Site

__all__ = [
    "NOT_DONE_YET",
    "GzipEncoderFactory",
    "Request",
    "Session",
    "Site",
    "supportedMethods",
    "version",
]

supportedMethods = (b"GET", b"HEAD", b"POST")
"""Kept for compatibility with Twisted; plait's resources accept any method they define."""
