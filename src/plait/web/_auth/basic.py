"""HTTP Basic authentication (RFC 7617): a username and password, base64-encoded."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from zope.interface import implementer

from plait.cred.credentials import UsernamePassword
from plait.cred.error import LoginFailed
from plait.web.iweb import ICredentialFactory

__all__ = ["BasicCredentialFactory"]


@implementer(ICredentialFactory)
class BasicCredentialFactory:
    """Challenge clients for Basic credentials in ``authenticationRealm`` and decode them.

    Basic sends the password itself on every request: use it only over TLS.
    """

    scheme = b"basic"

    def __init__(self, authenticationRealm: bytes | str) -> None:
        self.authenticationRealm = authenticationRealm

    def getChallenge(self, request: Any) -> dict[str, Any]:
        """The challenge parameters: just the realm."""
        return {"realm": self.authenticationRealm}

    def decode(self, response: bytes, request: Any) -> UsernamePassword:
        """Credentials from the base64 ``user:password`` token; `LoginFailed` if unreadable."""
        token = response.strip()
        # Some clients drop the padding; put it back rather than refuse them.
        token += b"=" * (-len(token) % 4)
        try:
            decoded = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            raise LoginFailed("Invalid credentials: not base64") from None
        username, colon, password = decoded.partition(b":")
        if not colon:
            raise LoginFailed("Invalid credentials: no colon between user and password")
        return UsernamePassword(username, password)
