"""plait.internet.ssl: certificates, keys and contexts, checked by in-memory handshakes."""

import os
import ssl
import stat
import tempfile
from pathlib import Path

import pytest
import trustme

from plait.internet import ssl as pssl
from plait.internet.ssl import (
    FILETYPE_ASN1,
    FILETYPE_PEM,
    Certificate,
    CertificateOptions,
    ClientContextFactory,
    DefaultOpenSSLContextFactory,
    KeyPair,
    PrivateCertificate,
    TLSVersion,
    optionsForClientTLS,
    platformTrust,
    trustRootFromCertificates,
)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def leaf(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("localhost", "127.0.0.1")


@pytest.fixture(scope="module")
def serverPEM(leaf: trustme.LeafCert) -> bytes:
    return leaf.private_key_and_cert_chain_pem.bytes()


def handshake(
    server: ssl.SSLContext, client: ssl.SSLContext, hostname: str | None = "localhost"
) -> tuple[ssl.SSLObject, ssl.SSLObject]:
    """Run a TLS handshake between two contexts over memory BIOs."""
    toServer, toClient = ssl.MemoryBIO(), ssl.MemoryBIO()
    sIn, sOut = ssl.MemoryBIO(), ssl.MemoryBIO()
    s = server.wrap_bio(sIn, sOut, server_side=True)
    c = client.wrap_bio(toClient, toServer, server_hostname=hostname)
    done = {"s": False, "c": False}
    for _ in range(20):
        for name, obj in (("c", c), ("s", s)):
            if not done[name]:
                try:
                    obj.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        sIn.write(toServer.read())
        toClient.write(sOut.read())
        if all(done.values()):
            return s, c
    raise AssertionError("handshake did not finish")


def stdlibClient(ca: trustme.CA, alpn: list[str] | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    if alpn:
        context.set_alpn_protocols(alpn)
    return context


class TestCertificate:
    def test_load_pem_and_dump(self, ca: trustme.CA) -> None:
        pem = ca.cert_pem.bytes()
        cert = Certificate.loadPEM(pem)
        assert cert.dump(FILETYPE_PEM) == pem
        assert cert.dump() == ssl.PEM_cert_to_DER_cert(pem.decode())

    def test_load_der_round_trips(self, ca: trustme.CA) -> None:
        cert = Certificate.loadPEM(ca.cert_pem.bytes())
        again = Certificate.load(cert.dump(FILETYPE_ASN1))
        assert again == cert
        assert hash(again) == hash(cert)
        assert again.dumpPEM() == cert.dumpPEM()

    def test_load_all_reads_a_chain(self, leaf: trustme.LeafCert, ca: trustme.CA) -> None:
        bundle = leaf.cert_chain_pems[0].bytes() + ca.cert_pem.bytes()
        certs = Certificate.loadAll(bundle)
        assert certs[1] == Certificate.loadPEM(ca.cert_pem.bytes())
        assert certs[0] != certs[1]

    def test_no_certificate(self) -> None:
        with pytest.raises(ValueError, match="no PEM CERTIFICATE block"):
            Certificate.loadPEM(b"hello")

    def test_malformed_certificate(self) -> None:
        with pytest.raises(ValueError, match="malformed PEM certificate"):
            Certificate.loadPEM(b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n")


class TestKeys:
    def test_keypair_from_pem(self, leaf: trustme.LeafCert) -> None:
        pem = leaf.private_key_pem.bytes()
        assert KeyPair.load(pem).dump() == pem

    def test_keypair_from_pkcs8_der(self, leaf: trustme.LeafCert) -> None:
        from cryptography.hazmat.primitives import serialization

        key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        pair = KeyPair.load(der, FILETYPE_ASN1)
        server = CertificateOptions(
            privateKey=pair, certificate=Certificate.loadPEM(leaf.cert_chain_pems[0].bytes())
        )
        assert server.getContext().verify_mode == ssl.CERT_NONE

    def test_keypair_dumps_pem_only(self, leaf: trustme.LeafCert) -> None:
        with pytest.raises(ValueError, match="PEM only"):
            KeyPair.load(leaf.private_key_pem.bytes()).dump(FILETYPE_ASN1)

    def test_no_key(self, ca: trustme.CA) -> None:
        with pytest.raises(ValueError, match="no PEM PRIVATE KEY block"):
            KeyPair.load(ca.cert_pem.bytes(), FILETYPE_PEM)

    def test_encrypted_key_is_refused_clearly(self) -> None:
        pem = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
        with pytest.raises(ValueError, match="encrypted private keys are not supported"):
            KeyPair.load(pem)

    def test_private_certificate_from_one_pem(
        self, serverPEM: bytes, leaf: trustme.LeafCert
    ) -> None:
        private = PrivateCertificate.loadPEM(serverPEM)
        assert private.getPrivateKey().dump() == leaf.private_key_pem.bytes()
        assert private == Certificate.loadPEM(leaf.cert_chain_pems[0].bytes())

    def test_private_certificate_needs_a_key(self, ca: trustme.CA) -> None:
        with pytest.raises(ValueError, match="PRIVATE KEY"):
            PrivateCertificate.loadPEM(ca.cert_pem.bytes())

    def test_from_certificate_and_key_pair(self, leaf: trustme.LeafCert, ca: trustme.CA) -> None:
        private = PrivateCertificate.fromCertificateAndKeyPair(
            Certificate.loadPEM(leaf.cert_chain_pems[0].bytes()),
            KeyPair.load(leaf.private_key_pem.bytes()),
        )
        _s, c = handshake(private.options().getContext(), stdlibClient(ca))
        assert c.getpeercert()["subjectAltName"][0] == ("DNS", "localhost")


class TestCertificateOptions:
    def test_server_handshake_with_a_verifying_client(
        self, serverPEM: bytes, ca: trustme.CA
    ) -> None:
        private = PrivateCertificate.loadPEM(serverPEM)
        options = CertificateOptions(privateKey=private.privateKey, certificate=private)
        context = options.getContext()
        assert context is options.getContext()
        assert context.minimum_version >= TLSVersion.TLSv1_2
        assert context.options & ssl.OP_NO_COMPRESSION
        _s, c = handshake(context, stdlibClient(ca))
        assert c.version() in ("TLSv1.2", "TLSv1.3")

    def test_accepts_pem_bytes(self, leaf: trustme.LeafCert, ca: trustme.CA) -> None:
        options = CertificateOptions(
            privateKey=leaf.private_key_pem.bytes(), certificate=leaf.cert_chain_pems[0].bytes()
        )
        handshake(options.getContext(), stdlibClient(ca))

    def test_alpn(self, serverPEM: bytes, ca: trustme.CA) -> None:
        private = PrivateCertificate.loadPEM(serverPEM)
        options = CertificateOptions(
            privateKey=private.privateKey,
            certificate=private,
            acceptableProtocols=[b"h2", b"http/1.1"],
        )
        s, c = handshake(options.getContext(), stdlibClient(ca, ["http/1.1", "h2"]))
        assert s.selected_alpn_protocol() == "h2"
        s, c = handshake(options.getContext(), stdlibClient(ca, ["http/1.1"]))
        assert c.selected_alpn_protocol() == "http/1.1"

    def test_bad_alpn_name(self) -> None:
        with pytest.raises(ValueError, match="ALPN protocol names are 1 to 255 bytes"):
            CertificateOptions(acceptableProtocols=[b""])

    def test_extra_cert_chain_is_sent(self, ca: trustme.CA) -> None:
        intermediate = ca.create_child_ca()
        leaf = intermediate.issue_cert("localhost")
        options = CertificateOptions(
            privateKey=KeyPair.load(leaf.private_key_pem.bytes()),
            certificate=Certificate.loadPEM(leaf.cert_chain_pems[0].bytes()),
            extraCertChain=[Certificate.loadPEM(intermediate.cert_pem.bytes())],
        )
        # The client trusts only the root: it succeeds only if the server sends
        # the intermediate.
        handshake(options.getContext(), stdlibClient(ca))

    def test_client_certificates_are_required(self, serverPEM: bytes, ca: trustme.CA) -> None:
        private = PrivateCertificate.loadPEM(serverPEM)
        server = private.options(Certificate.loadPEM(ca.cert_pem.bytes())).getContext()
        assert server.verify_mode == ssl.CERT_REQUIRED
        with pytest.raises(ssl.SSLError):
            handshake(server, stdlibClient(ca))
        client = stdlibClient(ca)
        ca.issue_cert("client@example.com").configure_cert(client)
        s, _c = handshake(server, client)
        assert s.getpeercert()

    def test_client_context_verifies_with_a_trust_root(
        self, serverPEM: bytes, ca: trustme.CA
    ) -> None:
        server = PrivateCertificate.loadPEM(serverPEM).options().getContext()
        trusted = CertificateOptions(trustRoot=Certificate.loadPEM(ca.cert_pem.bytes()))
        handshake(server, trusted.getClientContext())
        stranger = CertificateOptions(
            trustRoot=trustRootFromCertificates(
                [Certificate.loadPEM(trustme.CA().cert_pem.bytes())]
            )
        )
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(server, stranger.getClientContext())

    def test_client_context_without_trust_root_does_not_verify(self, serverPEM: bytes) -> None:
        server = PrivateCertificate.loadPEM(serverPEM).options().getContext()
        client = CertificateOptions().getClientContext()
        assert client.verify_mode == ssl.CERT_NONE
        handshake(server, client, hostname=None)

    def test_method_pins_tls_1_2(self, serverPEM: bytes, ca: trustme.CA) -> None:
        private = PrivateCertificate.loadPEM(serverPEM)
        options = CertificateOptions(
            privateKey=private.privateKey, certificate=private, method="TLSv1_2_METHOD"
        )
        s, _c = handshake(options.getContext(), stdlibClient(ca))
        assert s.version() == "TLSv1.2"

    def test_raise_minimum_to_tls_1_3(self, serverPEM: bytes, ca: trustme.CA) -> None:
        private = PrivateCertificate.loadPEM(serverPEM)
        options = CertificateOptions(
            privateKey=private.privateKey, certificate=private, raiseMinimumTo=TLSVersion.TLSv1_3
        )
        client = stdlibClient(ca)
        client.maximum_version = TLSVersion.TLSv1_2
        with pytest.raises(ssl.SSLError):
            handshake(options.getContext(), client)

    def test_session_tickets_off_by_default(self) -> None:
        assert CertificateOptions().getContext().options & ssl.OP_NO_TICKET
        on = CertificateOptions(enableSessionTickets=True).getContext()
        assert not on.options & ssl.OP_NO_TICKET

    def test_ciphers(self) -> None:
        context = CertificateOptions(acceptableCiphers="ECDHE+AESGCM").getContext()
        names = {c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"}
        assert names
        assert all("GCM" in name for name in names)

    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            ({"privateKey": b"x"}, ValueError, "neither or both"),
            ({"verify": True}, ValueError, "verify=True needs caCerts"),
            ({"extraCertChain": [b"x"]}, ValueError, "extraCertChain needs a certificate"),
            ({"method": "SSLv3_METHOD"}, ValueError, "insecure"),
            ({"method": "TLSv9_METHOD"}, ValueError, "unknown sslmethod 'TLSv9_METHOD'"),
            (
                {"method": "TLS_METHOD", "raiseMinimumTo": TLSVersion.TLSv1_3},
                TypeError,
                "method or a minimum",
            ),
        ],
    )
    def test_bad_combinations(self, kwargs: dict, error: type, message: str) -> None:
        with pytest.raises(error, match=message):
            CertificateOptions(**kwargs)

    def test_ca_certs_and_trust_root_are_exclusive(self, ca: trustme.CA) -> None:
        cert = Certificate.loadPEM(ca.cert_pem.bytes())
        with pytest.raises(TypeError, match="caCerts or trustRoot"):
            CertificateOptions(verify=True, caCerts=[cert], trustRoot=cert)


class TestDefaultOpenSSLContextFactory:
    def test_from_files(self, tmp_path: Path, leaf: trustme.LeafCert, ca: trustme.CA) -> None:
        key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
        leaf.private_key_pem.write_to_path(str(key))
        leaf.cert_chain_pems[0].write_to_path(str(cert))
        factory = DefaultOpenSSLContextFactory(str(key), str(cert))
        assert factory.getContext() is factory.getContext()
        handshake(factory.getContext(), stdlibClient(ca))

    def test_missing_file_fails_at_construction(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError):
            DefaultOpenSSLContextFactory(str(tmp_path / "k"), str(tmp_path / "c"))

    def test_sslmethod(self, tmp_path: Path, leaf: trustme.LeafCert, ca: trustme.CA) -> None:
        pem = tmp_path / "both.pem"
        leaf.private_key_and_cert_chain_pem.write_to_path(str(pem))
        factory = DefaultOpenSSLContextFactory(str(pem), str(pem), sslmethod="TLSv1_2_METHOD")
        _s, c = handshake(factory.getContext(), stdlibClient(ca))
        assert c.version() == "TLSv1.2"


class TestClientOptions:
    def test_options_for_client_tls_verifies_name(self, serverPEM: bytes, ca: trustme.CA) -> None:
        server = PrivateCertificate.loadPEM(serverPEM).options().getContext()
        caCert = Certificate.loadPEM(ca.cert_pem.bytes())
        good = optionsForClientTLS("localhost", trustRoot=caCert)
        assert good.hostname == "localhost"
        handshake(server, good.getContext(), "localhost")
        wrong = optionsForClientTLS("example.com", trustRoot=caCert)
        with pytest.raises(ssl.SSLCertVerificationError, match=r"example\.com"):
            handshake(server, wrong.getContext(), "example.com")

    def test_trust_root_path_file_and_directory(
        self, tmp_path: Path, serverPEM: bytes, ca: trustme.CA
    ) -> None:
        server = PrivateCertificate.loadPEM(serverPEM).options().getContext()
        ca.cert_pem.write_to_path(str(tmp_path / "ca.crt"))
        for root in (str(tmp_path / "ca.crt"), str(tmp_path), tmp_path):
            handshake(server, optionsForClientTLS("localhost", trustRoot=root).getContext())

    def test_missing_trust_root_path(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="does not exist"):
            optionsForClientTLS("localhost", trustRoot=str(tmp_path / "nope"))

    def test_default_trust_is_the_platform_store(self, serverPEM: bytes) -> None:
        server = PrivateCertificate.loadPEM(serverPEM).options().getContext()
        client = optionsForClientTLS("localhost").getContext()
        assert client.verify_mode == ssl.CERT_REQUIRED
        assert client.check_hostname
        # trustme's CA is in no platform store.
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(server, client)
        assert isinstance(platformTrust(), pssl.OpenSSLDefaultPaths)

    def test_client_certificate_and_alpn(self, serverPEM: bytes, ca: trustme.CA) -> None:
        caCert = Certificate.loadPEM(ca.cert_pem.bytes())
        private = PrivateCertificate.loadPEM(serverPEM)
        server = CertificateOptions(
            privateKey=private.privateKey,
            certificate=private,
            verify=True,
            caCerts=[caCert],
            acceptableProtocols=[b"h2"],
        ).getContext()
        clientCert = PrivateCertificate.loadPEM(
            ca.issue_cert("client.example").private_key_and_cert_chain_pem.bytes()
        )
        options = optionsForClientTLS(
            "localhost",
            trustRoot=caCert,
            clientCertificate=clientCert,
            acceptableProtocols=[b"h2", b"http/1.1"],
        )
        s, c = handshake(server, options.getContext())
        assert c.selected_alpn_protocol() == "h2"
        assert s.getpeercert()["subjectAltName"] == (("DNS", "client.example"),)

    def test_bytes_hostname_is_refused(self) -> None:
        with pytest.raises(TypeError, match="text for host names"):
            optionsForClientTLS(b"localhost")  # type: ignore[arg-type]

    def test_client_context_factory_does_not_verify(self, serverPEM: bytes) -> None:
        server = PrivateCertificate.loadPEM(serverPEM).options().getContext()
        context = ClientContextFactory().getContext()
        assert context.verify_mode == ssl.CERT_NONE
        handshake(server, context, hostname=None)


def test_keys_never_linger_on_disk(
    serverPEM: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Force the temp-file fallback and watch the directory it uses.
    monkeypatch.delattr(os, "memfd_create")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    modes: list[int] = []
    real = tempfile.mkstemp

    def spy(**kwargs: str) -> tuple[int, str]:
        fd, path = real(**kwargs)
        modes.append(stat.S_IMODE(os.stat(path).st_mode))
        return fd, path

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    PrivateCertificate.loadPEM(serverPEM).options().getContext()
    assert modes == [0o600]
    assert list(tmp_path.iterdir()) == []


def test_keys_stay_in_memory_where_memfd_exists(
    serverPEM: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[str] = []
    real = tempfile.mkstemp

    def spy(**kwargs: str) -> tuple[int, str]:
        fd, path = real(**kwargs)
        created.append(path)
        return fd, path

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    context = PrivateCertificate.loadPEM(serverPEM).options().getContext()
    assert isinstance(context, ssl.SSLContext)
    assert len(created) == (0 if hasattr(os, "memfd_create") else 1)
