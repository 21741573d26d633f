"""plait.cred: pluggable authentication (Twisted's ``twisted.cred``).

A `portal.Portal` takes credentials (`credentials`), finds a checker that can verify them
(`checkers`), and asks a realm (`portal.IRealm`) for the avatar of the authenticated
identity.  `plait.web.guard` puts HTTP authentication in front of a resource with it.
"""
