"""HTTP authentication in front of a resource tree (Twisted's ``twisted.web.guard``).

Wrap a resource with `HTTPAuthSessionWrapper`, give it a `plait.cred.portal.Portal` whose
realm hands out `IResource` avatars, and choose the schemes with `BasicCredentialFactory`
and `DigestCredentialFactory`. See ``docs/auth.md``.
"""

from __future__ import annotations

from plait.web._auth.basic import BasicCredentialFactory
from plait.web._auth.digest import DigestCredentialFactory
from plait.web._auth.wrapper import HTTPAuthSessionWrapper

__all__ = ["BasicCredentialFactory", "DigestCredentialFactory", "HTTPAuthSessionWrapper"]
