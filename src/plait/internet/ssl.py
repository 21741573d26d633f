"""TLS context factories, certificates and keys, built on the standard ``ssl`` module.

Twisted's ``twisted.internet.ssl`` wraps pyOpenSSL; plait offers the same
names over the standard library, and every ``getContext()`` here returns an
:class:`ssl.SSLContext`. Server contexts require TLS 1.2 or later, refuse TLS
compression and prefer the server's cipher order.

The standard ``ssl`` module reads certificate chains and private keys only
from files. When a key held in memory (a :class:`KeyPair` or
:class:`PrivateCertificate`) must go into a context, plait writes it to an
anonymous in-memory file (``memfd_create`` on Linux) or, elsewhere, to a
private temporary file created with mode 0600, and removes it as soon as
OpenSSL has read it. Trusted CA certificates never touch a file: they are
passed as ``cadata``.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import ssl as _ssl
import tempfile
from collections.abc import Iterator, Sequence
from ssl import TLSVersion
from typing import Protocol

__all__ = [
    "FILETYPE_ASN1",
    "FILETYPE_PEM",
    "Certificate",
    "CertificateOptions",
    "ClientContextFactory",
    "ClientTLSOptions",
    "ContextFactory",
    "DefaultOpenSSLContextFactory",
    "DiffieHellmanParameters",
    "KeyPair",
    "OpenSSLCertificateAuthorities",
    "OpenSSLDefaultPaths",
    "PrivateCertificate",
    "TLSVersion",
    "optionsForClientTLS",
    "platformTrust",
    "trustRootFromCertificates",
]

#: Data is PEM text (pyOpenSSL's constant, kept for compatibility).
FILETYPE_PEM = 1
#: Data is DER (ASN.1) bytes (pyOpenSSL's constant, kept for compatibility).
FILETYPE_ASN1 = 2

_MINIMUM_VERSION = TLSVersion.TLSv1_2
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
_KEY_LABELS = (b"PRIVATE KEY", b"RSA PRIVATE KEY", b"EC PRIVATE KEY", b"DSA PRIVATE KEY")

# pyOpenSSL method names Twisted programs and endpoint strings use. None
# means "negotiate the best version both sides support".
_METHODS: dict[str, TLSVersion | None] = {
    "SSLv23_METHOD": None,
    "TLS_METHOD": None,
    "TLS_SERVER_METHOD": None,
    "TLS_CLIENT_METHOD": None,
    "TLSv1_2_METHOD": TLSVersion.TLSv1_2,
}
_INSECURE_METHODS = ("SSLv2_METHOD", "SSLv3_METHOD", "TLSv1_METHOD", "TLSv1_1_METHOD")


def _pemBlocks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Every ``(label, whole block)`` in PEM text, in order."""
    return [(m.group(1), m.group(0) + b"\n") for m in _PEM_BLOCK.finditer(data)]


def _pemBody(block: bytes) -> bytes:
    """The DER bytes inside one PEM block, strictly decoded."""
    body = b"".join(block.splitlines()[1:-1])
    try:
        return base64.b64decode(b"".join(body.split()), validate=True)
    except ValueError as e:
        raise ValueError(f"malformed PEM certificate: {e}") from None


def _asBytes(data: bytes | str) -> bytes:
    return data.encode("ascii") if isinstance(data, str) else data


def _derToPEM(der: bytes, label: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, b"\n".join(lines), label)


class Certificate:
    """An X.509 certificate, held as PEM."""

    def __init__(self, pem: bytes) -> None:
        blocks = [block for label, block in _pemBlocks(pem) if label == b"CERTIFICATE"]
        if not blocks:
            raise ValueError("no PEM CERTIFICATE block found")
        self._pem = blocks[0]
        self._der = _pemBody(self._pem)
        if not self._der.startswith(b"\x30"):  # every certificate is a DER SEQUENCE
            raise ValueError("malformed PEM certificate: not a DER SEQUENCE")

    @classmethod
    def loadPEM(cls, data: bytes | str) -> Certificate:
        """The first certificate in PEM text."""
        return cls(_asBytes(data))

    @classmethod
    def load(cls, requestData: bytes, format: int = FILETYPE_ASN1) -> Certificate:
        """A certificate from DER bytes, or from PEM when ``format`` is ``FILETYPE_PEM``."""
        if format == FILETYPE_PEM:
            return cls(requestData)
        return cls(_derToPEM(requestData, b"CERTIFICATE"))

    @classmethod
    def loadAll(cls, data: bytes | str) -> list[Certificate]:
        """Every certificate in PEM text, in order (a chain or a CA bundle)."""
        return [
            cls(block) for label, block in _pemBlocks(_asBytes(data)) if label == b"CERTIFICATE"
        ]

    def dump(self, format: int = FILETYPE_ASN1) -> bytes:
        """The certificate as DER bytes (Twisted's default) or as PEM."""
        return self._pem if format == FILETYPE_PEM else self._der

    def dumpPEM(self) -> bytes:
        """The certificate as PEM text."""
        return self._pem

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Certificate):
            return NotImplemented
        return self._der == other._der

    def __hash__(self) -> int:
        return hash(self._der)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ({len(self._der)} bytes DER)>"


class KeyPair:
    """A private key, held as PEM (any key type OpenSSL reads)."""

    def __init__(self, pem: bytes) -> None:
        blocks = [block for label, block in _pemBlocks(pem) if label in _KEY_LABELS]
        if not blocks:
            if any(label == b"ENCRYPTED PRIVATE KEY" for label, _ in _pemBlocks(pem)):
                raise ValueError("encrypted private keys are not supported; decrypt it first")
            raise ValueError("no PEM PRIVATE KEY block found")
        self._pem = blocks[0]

    @classmethod
    def load(cls, data: bytes | str, format: int = FILETYPE_ASN1) -> KeyPair:
        """A key from PEM text, or from PKCS#8 DER bytes.

        PEM is recognised whatever ``format`` says, since the two cannot be
        confused.
        """
        raw = _asBytes(data)
        if format == FILETYPE_PEM or raw.lstrip().startswith(b"-----BEGIN"):
            return cls(raw)
        return cls(_derToPEM(raw, b"PRIVATE KEY"))

    def dump(self, format: int = FILETYPE_PEM) -> bytes:
        """The key as PEM (the only form plait keeps)."""
        if format != FILETYPE_PEM:
            raise ValueError("plait keeps private keys as PEM only")
        return self._pem

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class PrivateCertificate(Certificate):
    """A certificate together with its private key."""

    def __init__(self, pem: bytes, privateKey: KeyPair) -> None:
        super().__init__(pem)
        self.privateKey = privateKey

    @classmethod
    def loadPEM(cls, data: bytes | str) -> PrivateCertificate:
        """Key and certificate from one PEM text (in either order)."""
        raw = _asBytes(data)
        return cls(raw, KeyPair(raw))

    @classmethod
    def fromCertificateAndKeyPair(
        cls, certificateInstance: Certificate, privateKey: KeyPair
    ) -> PrivateCertificate:
        """Join a certificate and its key."""
        return cls(certificateInstance.dumpPEM(), privateKey)

    def getPrivateKey(self) -> KeyPair:
        """The private key."""
        return self.privateKey

    def options(self, *authorities: Certificate) -> CertificateOptions:
        """Server options with this certificate, verifying clients against ``authorities``."""
        return CertificateOptions(
            privateKey=self.privateKey,
            certificate=self,
            verify=bool(authorities),
            caCerts=list(authorities) or None,
        )


class DiffieHellmanParameters:
    """Finite-field Diffie-Hellman parameters, read from a PEM file."""

    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def fromFile(cls, filePath: str | os.PathLike[str]) -> DiffieHellmanParameters:
        """Parameters from a file (a path or anything with a ``.path``)."""
        return cls(os.fspath(getattr(filePath, "path", filePath)))


class _TrustRoot(Protocol):
    def _addCACertsToContext(self, context: _ssl.SSLContext) -> None: ...


class OpenSSLCertificateAuthorities:
    """Trust exactly these CA certificates."""

    def __init__(self, caCerts: Sequence[Certificate]) -> None:
        self._caCerts = list(caCerts)

    def _addCACertsToContext(self, context: _ssl.SSLContext) -> None:
        cadata = b"".join(cert.dumpPEM() for cert in self._caCerts)
        if cadata:
            context.load_verify_locations(cadata=cadata.decode("ascii"))


class OpenSSLDefaultPaths:
    """Trust the platform's CA store."""

    def _addCACertsToContext(self, context: _ssl.SSLContext) -> None:
        context.load_default_certs(_ssl.Purpose.SERVER_AUTH)


class _PathTrustRoot:
    """Trust the CA certificates in a PEM file or an OpenSSL hashed directory."""

    def __init__(self, path: str) -> None:
        if not os.path.exists(path):
            raise ValueError(f"trust root {path!r} does not exist")
        self._path = path

    def _addCACertsToContext(self, context: _ssl.SSLContext) -> None:
        if os.path.isdir(self._path):
            # A directory of arbitrary names (Twisted's caCertsDir) is read
            # whole; OpenSSL's capath would only find c_rehash'ed names.
            certificates: list[Certificate] = []
            for name in sorted(os.listdir(self._path)):
                full = os.path.join(self._path, name)
                if os.path.isfile(full):
                    with open(full, "rb") as f:
                        certificates.extend(Certificate.loadAll(f.read()))
            OpenSSLCertificateAuthorities(certificates)._addCACertsToContext(context)
        else:
            context.load_verify_locations(cafile=self._path)


def platformTrust() -> OpenSSLDefaultPaths:
    """The platform's trusted CA store."""
    return OpenSSLDefaultPaths()


def trustRootFromCertificates(
    certificates: Sequence[Certificate],
) -> OpenSSLCertificateAuthorities:
    """A trust root of exactly these certificates."""
    return OpenSSLCertificateAuthorities(certificates)


TrustRoot = _TrustRoot | Certificate | str | os.PathLike[str]


def _trustRoot(trustRoot: TrustRoot) -> _TrustRoot:
    if isinstance(trustRoot, Certificate):
        return OpenSSLCertificateAuthorities([trustRoot])
    if isinstance(trustRoot, str | os.PathLike):
        return _PathTrustRoot(os.fspath(trustRoot))
    return trustRoot


@contextlib.contextmanager
def _privateFile(content: bytes) -> Iterator[str]:
    """A path to ``content`` that only this process can read, gone on exit."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("plait-tls", os.MFD_CLOEXEC)
        try:
            os.write(fd, content)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    fd, path = tempfile.mkstemp(prefix="plait-tls-", suffix=".pem")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        yield path
    finally:
        os.unlink(path)


def _loadChain(
    context: _ssl.SSLContext,
    certificate: Certificate,
    privateKey: KeyPair,
    chain: Sequence[Certificate] = (),
) -> None:
    """Put a certificate, its chain and its key into a context, from memory."""
    pem = certificate.dumpPEM() + b"".join(c.dumpPEM() for c in chain) + privateKey.dump()
    with _privateFile(pem) as path:
        context.load_cert_chain(path)


def _alpn(protocols: Sequence[bytes]) -> list[str]:
    names = []
    for protocol in protocols:
        if not isinstance(protocol, bytes) or not 0 < len(protocol) < 256:
            raise ValueError(f"ALPN protocol names are 1 to 255 bytes, got {protocol!r}")
        names.append(protocol.decode("ascii"))
    return names


def _versionBounds(method: str | None) -> tuple[TLSVersion | None, TLSVersion | None]:
    """(minimum, maximum) versions a pyOpenSSL method name pins, if any."""
    if method is None:
        return None, None
    if method in _INSECURE_METHODS:
        raise ValueError(f"sslmethod {method} is insecure; plait speaks TLS 1.2 and later only")
    if method not in _METHODS:
        known = ", ".join(sorted(_METHODS))
        raise ValueError(f"unknown sslmethod {method!r} (known: {known})")
    pinned = _METHODS[method]
    return pinned, pinned


def _hardened(context: _ssl.SSLContext, enableSessionTickets: bool = False) -> _ssl.SSLContext:
    context.minimum_version = _MINIMUM_VERSION
    context.options |= _ssl.OP_NO_COMPRESSION | _ssl.OP_CIPHER_SERVER_PREFERENCE
    context.options |= _ssl.OP_SINGLE_DH_USE | _ssl.OP_SINGLE_ECDH_USE
    if not enableSessionTickets:
        context.options |= _ssl.OP_NO_TICKET
    return context


class CertificateOptions:
    """Twisted's ``CertificateOptions``: a recipe for server and client TLS contexts.

    ``privateKey`` and ``certificate`` are a :class:`KeyPair` and a
    :class:`Certificate` (or their PEM bytes); give both or neither.
    ``verify=True`` with ``caCerts`` makes a server demand client certificates
    signed by those CAs. ``trustRoot`` (a certificate, a path, or
    :func:`platformTrust`) makes a client verify the server's chain.
    ``acceptableProtocols`` are offered by ALPN, most preferred first.
    ``method`` is a pyOpenSSL method name such as ``"TLSv1_2_METHOD"``.
    ``verifyDepth``, ``verifyOnce``, ``enableSingleUseKeys``, ``enableSessions``
    and ``fixBrokenPeers`` are accepted for compatibility; the standard
    library's behaviour for each is already the safe one.
    """

    def __init__(
        self,
        privateKey: KeyPair | bytes | None = None,
        certificate: Certificate | bytes | None = None,
        method: str | None = None,
        verify: bool = False,
        caCerts: Sequence[Certificate | bytes] | None = None,
        verifyDepth: int = 9,
        requireCertificate: bool = True,
        verifyOnce: bool = True,
        enableSingleUseKeys: bool = True,
        enableSessions: bool = False,
        fixBrokenPeers: bool = False,
        enableSessionTickets: bool = False,
        extraCertChain: Sequence[Certificate | bytes] | None = None,
        acceptableCiphers: str | None = None,
        dhParameters: DiffieHellmanParameters | None = None,
        trustRoot: TrustRoot | None = None,
        acceptableProtocols: Sequence[bytes] | None = None,
        raiseMinimumTo: TLSVersion | None = None,
        insecurelyLowerMinimumTo: TLSVersion | None = None,
        lowerMaximumSecurityTo: TLSVersion | None = None,
    ) -> None:
        if (privateKey is None) != (certificate is None):
            raise ValueError("Specify neither or both of privateKey and certificate")
        if verify and not caCerts:
            raise ValueError("verify=True needs caCerts, the CAs that sign client certificates")
        if caCerts and trustRoot is not None:
            raise TypeError("Specify caCerts or trustRoot, not both")
        if extraCertChain and certificate is None:
            raise ValueError("extraCertChain needs a certificate and privateKey")
        if method is not None and (raiseMinimumTo or insecurelyLowerMinimumTo):
            raise TypeError("Specify method or a minimum TLS version, not both")
        if raiseMinimumTo is not None and insecurelyLowerMinimumTo is not None:
            raise TypeError("Specify raiseMinimumTo or insecurelyLowerMinimumTo, not both")
        self.privateKey = privateKey if not isinstance(privateKey, bytes) else KeyPair(privateKey)
        self.certificate = (
            Certificate(certificate) if isinstance(certificate, bytes) else certificate
        )
        self.extraCertChain = [
            Certificate(c) if isinstance(c, bytes) else c for c in extraCertChain or ()
        ]
        self.caCerts = [Certificate(c) if isinstance(c, bytes) else c for c in caCerts or ()]
        self.verify = verify
        self.requireCertificate = requireCertificate
        self.enableSessionTickets = enableSessionTickets
        self.acceptableCiphers = acceptableCiphers
        self.dhParameters = dhParameters
        self.trustRoot = None if trustRoot is None else _trustRoot(trustRoot)
        self.acceptableProtocols = list(acceptableProtocols) if acceptableProtocols else None
        if self.acceptableProtocols:
            _alpn(self.acceptableProtocols)
        minimum, maximum = _versionBounds(method)
        if raiseMinimumTo is not None:
            minimum = max(raiseMinimumTo, _MINIMUM_VERSION)
        if insecurelyLowerMinimumTo is not None:
            minimum = insecurelyLowerMinimumTo
        self._minimum = minimum
        self._maximum = lowerMaximumSecurityTo or maximum
        self._context: _ssl.SSLContext | None = None
        self._clientContext: _ssl.SSLContext | None = None

    def _configure(self, context: _ssl.SSLContext, protocols: Sequence[bytes]) -> None:
        _hardened(context, self.enableSessionTickets)
        if self._minimum is not None:
            context.minimum_version = self._minimum
        if self._maximum is not None:
            context.maximum_version = self._maximum
        if self.acceptableCiphers:
            context.set_ciphers(self.acceptableCiphers)
        if self.certificate is not None and self.privateKey is not None:
            _loadChain(context, self.certificate, self.privateKey, self.extraCertChain)
        if protocols:
            context.set_alpn_protocols(_alpn(protocols))

    def _newServerContext(self, extraProtocols: Sequence[bytes] = ()) -> _ssl.SSLContext:
        """A fresh server context offering ``extraProtocols`` before this recipe's own."""
        context = _ssl.SSLContext(_ssl.PROTOCOL_TLS_SERVER)
        self._configure(context, _merge(extraProtocols, self.acceptableProtocols or ()))
        if self.dhParameters is not None:
            context.load_dh_params(self.dhParameters.path)
        if self.verify:
            OpenSSLCertificateAuthorities(self.caCerts)._addCACertsToContext(context)
            context.verify_mode = (
                _ssl.CERT_REQUIRED if self.requireCertificate else _ssl.CERT_OPTIONAL
            )
        return context

    def _newClientContext(self, extraProtocols: Sequence[bytes] = ()) -> _ssl.SSLContext:
        """A fresh client context; it verifies the server only if there is a trust root."""
        context = _ssl.SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        self._configure(context, _merge(extraProtocols, self.acceptableProtocols or ()))
        trustRoot: _TrustRoot | None = self.trustRoot
        if trustRoot is None and self.caCerts:
            trustRoot = OpenSSLCertificateAuthorities(self.caCerts)
        if trustRoot is None:
            context.verify_mode = _ssl.CERT_NONE
        else:
            trustRoot._addCACertsToContext(context)
            context.verify_mode = _ssl.CERT_REQUIRED
        return context

    def getContext(self) -> _ssl.SSLContext:
        """The server-side context (made once, then reused)."""
        if self._context is None:
            self._context = self._newServerContext()
        return self._context

    def getClientContext(self) -> _ssl.SSLContext:
        """The client-side context (made once, then reused); a plait addition."""
        if self._clientContext is None:
            self._clientContext = self._newClientContext()
        return self._clientContext


def _merge(first: Sequence[bytes], second: Sequence[bytes]) -> list[bytes]:
    """``first`` then ``second``, without repeats."""
    return list(dict.fromkeys([*first, *second]))


class ContextFactory:
    """The base of server context factories: ``getContext()`` returns an `ssl.SSLContext`."""

    isClient = 0

    def getContext(self) -> _ssl.SSLContext:
        """The context for a new connection; subclasses provide it."""
        raise NotImplementedError


class DefaultOpenSSLContextFactory(ContextFactory):
    """A server context from a private key file and a certificate (chain) file."""

    def __init__(
        self,
        privateKeyFileName: str,
        certificateFileName: str,
        sslmethod: str | None = None,
    ) -> None:
        self.privateKeyFileName = privateKeyFileName
        self.certificateFileName = certificateFileName
        self.sslmethod = sslmethod
        self._context: _ssl.SSLContext | None = None
        self.cacheContext()

    def cacheContext(self) -> None:
        """Build the context now, so a bad file fails here rather than at the first client."""
        if self._context is not None:
            return
        context = _hardened(_ssl.SSLContext(_ssl.PROTOCOL_TLS_SERVER))
        minimum, maximum = _versionBounds(self.sslmethod)
        if minimum is not None:
            context.minimum_version = minimum
        if maximum is not None:
            context.maximum_version = maximum
        context.load_cert_chain(self.certificateFileName, self.privateKeyFileName)
        self._context = context

    def getContext(self) -> _ssl.SSLContext:
        """The server context."""
        self.cacheContext()
        assert self._context is not None
        return self._context


class ClientContextFactory:
    """Twisted's bare client context factory: TLS without verifying the server.

    Prefer :func:`optionsForClientTLS`, which verifies.
    """

    method: str | None = None

    def getContext(self) -> _ssl.SSLContext:
        """An unverified client context."""
        return CertificateOptions(method=self.method).getClientContext()


class ClientTLSOptions:
    """Client options for one server name: verify its certificate and send SNI."""

    def __init__(self, hostname: str, ctx: _ssl.SSLContext) -> None:
        self.hostname = hostname
        self._ctx = ctx

    def getContext(self) -> _ssl.SSLContext:
        """The verifying client context."""
        return self._ctx

    def __repr__(self) -> str:
        return f"<ClientTLSOptions for {self.hostname!r}>"


def optionsForClientTLS(
    hostname: str,
    trustRoot: TrustRoot | None = None,
    clientCertificate: PrivateCertificate | None = None,
    acceptableProtocols: Sequence[bytes] | None = None,
) -> ClientTLSOptions:
    """Client options that verify ``hostname``'s certificate.

    ``trustRoot`` defaults to the platform's CA store; it may be a
    :class:`Certificate`, a path to a PEM file or directory, or a trust root
    from :func:`trustRootFromCertificates`.
    """
    name: object = hostname  # a ported program may still pass bytes
    if not isinstance(name, str):
        raise TypeError(f"optionsForClientTLS requires text for host names, not {name!r}")
    options = CertificateOptions(
        privateKey=clientCertificate.privateKey if clientCertificate else None,
        certificate=clientCertificate,
        trustRoot=trustRoot if trustRoot is not None else platformTrust(),
        acceptableProtocols=acceptableProtocols,
    )
    context = options.getClientContext()
    context.check_hostname = True
    return ClientTLSOptions(hostname, context)
