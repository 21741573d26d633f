"""Errors of plait.cred: why a login did not produce an avatar."""

from __future__ import annotations

__all__ = [
    "LoginDenied",
    "LoginFailed",
    "Unauthorized",
    "UnauthorizedLogin",
    "UnhandledCredentials",
]


class Unauthorized(Exception):
    """The caller is not allowed to do this."""


class LoginFailed(Exception):
    """A login did not succeed; the base of every login error."""


class UnauthorizedLogin(LoginFailed, Unauthorized):
    """The credentials were wrong: unknown user, wrong password, or unreadable database."""


class UnhandledCredentials(LoginFailed):
    """No checker of the portal accepts credentials of this kind."""


class LoginDenied(LoginFailed):
    """The credentials were right, but the realm refuses this avatar (e.g. a banned user)."""
