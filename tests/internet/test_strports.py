"""The endpoint description grammar: every form, escaping, every error."""

import pytest

from plait.internet._strports import (
    SSLClientSpec,
    SSLServerSpec,
    TCPClientSpec,
    TCPServerSpec,
    TLSClientSpec,
    UNIXClientSpec,
    UNIXServerSpec,
    parseClient,
    parseServer,
    tokenize,
)


class TestTokenize:
    def test_positional_and_keywords(self) -> None:
        assert tokenize("tcp:80:interface=127.0.0.1") == (
            ["tcp", "80"],
            {"interface": "127.0.0.1"},
        )

    def test_backslash_escapes_colon_and_equals(self) -> None:
        args, kwargs = tokenize(r"unix:C\:/a\=b:mode=6\:6")
        assert args == ["unix", "C:/a=b"]
        assert kwargs == {"mode": "6:6"}

    def test_backslash_makes_any_character_literal(self) -> None:
        assert tokenize(r"tcp:8\0\\x") == (["tcp", "80\\x"], {})

    def test_later_equals_belong_to_the_value(self) -> None:
        assert tokenize("x:k=a=b") == (["x"], {"k": "a=b"})

    def test_escaped_equals_in_keyword_name(self) -> None:
        assert tokenize(r"x:a\=b=c") == (["x"], {"a=b": "c"})

    def test_empty_fields_are_kept(self) -> None:
        assert tokenize("tcp::") == (["tcp", "", ""], {})

    def test_empty_description(self) -> None:
        with pytest.raises(ValueError, match="empty endpoint description"):
            tokenize("")

    def test_trailing_backslash(self) -> None:
        with pytest.raises(ValueError, match=r"ends with a lone '\\'"):
            tokenize("tcp:80\\")

    def test_duplicate_keyword(self) -> None:
        with pytest.raises(ValueError, match="keyword 'backlog' given twice"):
            tokenize("tcp:80:backlog=1:backlog=2")


class TestServerTCP:
    def test_defaults(self) -> None:
        assert parseServer("tcp:8080") == TCPServerSpec(8080, "", 50, ipv6=False)

    def test_all_keywords(self) -> None:
        spec = parseServer("tcp:port=0:interface=127.0.0.1:backlog=7")
        assert spec == TCPServerSpec(0, "127.0.0.1", 7, ipv6=False)

    def test_type_is_case_insensitive(self) -> None:
        assert parseServer("TCP:1") == TCPServerSpec(1, "", 50, ipv6=False)

    def test_tcp6_default_interface(self) -> None:
        assert parseServer("tcp6:443") == TCPServerSpec(443, "::", 50, ipv6=True)

    def test_tcp6_escaped_interface(self) -> None:
        spec = parseServer(r"tcp6:0:interface=\:\:1")
        assert spec == TCPServerSpec(0, "::1", 50, ipv6=True)

    def test_bare_port_is_refused_with_a_hint(self) -> None:
        with pytest.raises(ValueError, match=r"bare port number.*write 'tcp:8080'"):
            parseServer("8080")

    def test_unknown_type(self) -> None:
        with pytest.raises(ValueError, match=r"unknown server endpoint type 'foo' \(known: ssl"):
            parseServer("foo:1")

    def test_missing_type(self) -> None:
        with pytest.raises(ValueError, match="does not start with a type"):
            parseServer(":80")

    def test_type_given_as_keyword(self) -> None:
        with pytest.raises(ValueError, match="does not start with a type"):
            parseServer("port=80")

    def test_missing_port(self) -> None:
        with pytest.raises(ValueError, match="tcp: missing port"):
            parseServer("tcp:interface=127.0.0.1")

    def test_non_integer_port(self) -> None:
        with pytest.raises(ValueError, match="tcp: port must be an integer, got 'http'"):
            parseServer("tcp:http")

    def test_empty_port(self) -> None:
        with pytest.raises(ValueError, match="tcp: port must be an integer, got ''"):
            parseServer("tcp:")

    def test_port_out_of_range(self) -> None:
        with pytest.raises(ValueError, match="tcp6: port must be between 0 and 65535"):
            parseServer("tcp6:70000")

    def test_unknown_keyword(self) -> None:
        with pytest.raises(
            ValueError, match=r"tcp: unknown keyword 'bogus' \(known: backlog, interface, port\)"
        ):
            parseServer("tcp:80:bogus=1")

    def test_port_twice(self) -> None:
        with pytest.raises(ValueError, match="port given both by position and as port="):
            parseServer("tcp:80:port=81")

    def test_extra_positional(self) -> None:
        with pytest.raises(ValueError, match=r"unexpected field '127.0.0.1' \(tcp takes PORT\)"):
            parseServer("tcp:80:127.0.0.1")

    def test_bad_backlog(self) -> None:
        with pytest.raises(ValueError, match="tcp: backlog must be an integer, got 'many'"):
            parseServer("tcp:80:backlog=many")

    def test_backlog_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="tcp: backlog must be at least 1, got 0"):
            parseServer("tcp:80:backlog=0")


class TestServerSSL:
    def test_key_only_uses_it_as_certificate_too(self) -> None:
        spec = parseServer("ssl:443:privateKey=both.pem")
        assert spec == SSLServerSpec(443, "", 50, "both.pem", "both.pem", None, None, None)

    def test_every_keyword(self) -> None:
        spec = parseServer(
            r"ssl:port=0:privateKey=C\:/k.pem:certKey=c.pem:extraCertChain=chain.pem"
            ":dhParameters=dh.pem:sslmethod=TLS_METHOD:interface=127.0.0.1:backlog=5"
        )
        assert spec == SSLServerSpec(
            0, "127.0.0.1", 5, "C:/k.pem", "c.pem", "chain.pem", "dh.pem", "TLS_METHOD"
        )

    def test_default_key_file_is_server_pem(self) -> None:
        spec = parseServer("ssl:443")
        assert isinstance(spec, SSLServerSpec)
        assert (spec.privateKey, spec.certKey) == ("server.pem", "server.pem")

    def test_empty_private_key(self) -> None:
        with pytest.raises(ValueError, match="ssl: privateKey must not be empty"):
            parseServer("ssl:443:privateKey=")

    def test_unknown_keyword_lists_known_ones(self) -> None:
        with pytest.raises(ValueError, match=r"ssl: unknown keyword 'cert'.*certKey"):
            parseServer("ssl:443:cert=x")


class TestServerUNIX:
    def test_defaults(self) -> None:
        assert parseServer("unix:/tmp/s") == UNIXServerSpec("/tmp/s", 0o666, 50, wantPID=True)

    def test_octal_mode_backlog_and_lockfile(self) -> None:
        spec = parseServer("unix:address=/tmp/s:mode=660:backlog=3:lockfile=0")
        assert spec == UNIXServerSpec("/tmp/s", 0o660, 3, wantPID=False)

    def test_bad_mode(self) -> None:
        with pytest.raises(ValueError, match="mode must be octal digits such as 660, got '9z'"):
            parseServer("unix:/tmp/s:mode=9z")

    def test_decimal_looking_mode_with_8_is_refused(self) -> None:
        with pytest.raises(ValueError, match="mode must be octal digits"):
            parseServer("unix:/tmp/s:mode=680")

    def test_mode_too_large(self) -> None:
        with pytest.raises(ValueError, match="unix: mode must be at most 7777"):
            parseServer("unix:/tmp/s:mode=17777")

    def test_bad_lockfile(self) -> None:
        with pytest.raises(ValueError, match="unix: lockfile must be 0 or 1, got 'yes'"):
            parseServer("unix:/tmp/s:lockfile=yes")

    def test_missing_path(self) -> None:
        with pytest.raises(ValueError, match="unix: missing address"):
            parseServer("unix:mode=600")

    def test_empty_path(self) -> None:
        with pytest.raises(ValueError, match="unix: address must not be empty"):
            parseServer("unix:")


class TestClient:
    def test_tcp_keywords(self) -> None:
        spec = parseClient("tcp:host=example.com:port=80:timeout=3")
        assert spec == TCPClientSpec("example.com", 80, 3.0, None, ipv6=False)

    def test_tcp_positional(self) -> None:
        spec = parseClient("tcp:localhost:8080:bindAddress=127.0.0.2")
        assert spec == TCPClientSpec("localhost", 8080, 30.0, "127.0.0.2", ipv6=False)

    def test_tcp6_escaped_host(self) -> None:
        spec = parseClient(r"tcp6:host=\:\:1:port=80")
        assert spec == TCPClientSpec("::1", 80, 30.0, None, ipv6=True)

    def test_fractional_timeout(self) -> None:
        spec = parseClient("tcp:h:1:timeout=0.5")
        assert isinstance(spec, TCPClientSpec)
        assert spec.timeout == 0.5

    def test_missing_port(self) -> None:
        with pytest.raises(ValueError, match="tcp: missing port"):
            parseClient("tcp:localhost")

    def test_missing_host(self) -> None:
        with pytest.raises(ValueError, match="tcp: missing host"):
            parseClient("tcp:port=80")

    def test_non_integer_port(self) -> None:
        with pytest.raises(ValueError, match="tcp: port must be an integer, got 'x'"):
            parseClient("tcp:host=h:port=x")

    def test_bad_timeout(self) -> None:
        with pytest.raises(ValueError, match="timeout must be a number of seconds, got 'soon'"):
            parseClient("tcp:h:80:timeout=soon")

    def test_non_positive_timeout(self) -> None:
        with pytest.raises(ValueError, match="tcp: timeout must be positive"):
            parseClient("tcp:h:80:timeout=0")

    def test_unknown_keyword(self) -> None:
        with pytest.raises(ValueError, match="tcp: unknown keyword 'interface'"):
            parseClient("tcp:h:80:interface=x")

    def test_unix(self) -> None:
        assert parseClient("unix:path=/tmp/s") == UNIXClientSpec("/tmp/s", 30.0, checkPID=False)
        assert parseClient("unix:/tmp/s:timeout=2:checkPID=1") == UNIXClientSpec(
            "/tmp/s", 2.0, checkPID=True
        )

    def test_ssl(self) -> None:
        spec = parseClient("ssl:host=localhost:port=443:caCertsDir=/etc/ssl/certs")
        assert spec == SSLClientSpec(
            "localhost", 443, 30.0, None, None, None, None, "/etc/ssl/certs"
        )

    def test_ssl_client_certificate_and_hostname(self) -> None:
        spec = parseClient("ssl:127.0.0.1:443:hostname=example.com:certKey=c.pem:privateKey=k.pem")
        assert spec == SSLClientSpec(
            "127.0.0.1", 443, 30.0, None, "example.com", "c.pem", "k.pem", None
        )

    def test_tls(self) -> None:
        spec = parseClient(
            "tls:example.com:443:trustRoots=/cas:certificate=c.pem:privateKey=k.pem"
        )
        assert spec == TLSClientSpec("example.com", 443, 30.0, None, "c.pem", "k.pem", "/cas")

    def test_tls_is_client_only(self) -> None:
        with pytest.raises(ValueError, match="unknown server endpoint type 'tls'"):
            parseServer("tls:443")

    def test_unknown_client_type(self) -> None:
        with pytest.raises(ValueError, match="unknown client endpoint type 'udp'"):
            parseClient("udp:h:1")

    def test_bare_port_hint_is_for_servers_only(self) -> None:
        with pytest.raises(ValueError, match="unknown client endpoint type '80'") as info:
            parseClient("80")
        assert "bare port" not in str(info.value)
