"""plait.internet.address: value semantics of the address classes."""

from __future__ import annotations

import socket
from pathlib import Path

from plait.internet.address import IPv4Address, IPv6Address, UNIXAddress, fromSockname
from plait.internet.interfaces import IAddress


def test_ip_addresses_compare_by_value_and_hash() -> None:
    a = IPv4Address("TCP", "127.0.0.1", 80)
    assert a == IPv4Address("TCP", "127.0.0.1", 80)
    assert a != IPv4Address("TCP", "127.0.0.1", 81)
    assert a != IPv6Address("TCP", "127.0.0.1", 80)
    assert len({a, IPv4Address("TCP", "127.0.0.1", 80)}) == 1
    assert IAddress.providedBy(a)
    assert repr(a) == "IPv4Address(type='TCP', host='127.0.0.1', port=80)"
    six = IPv6Address("TCP", "::1", 443)
    assert (six.flowInfo, six.scopeID) == (0, 0)


def test_unix_address_same_file_is_equal(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        link = tmp_path / "link.sock"
        link.symlink_to(path)
        assert UNIXAddress(str(path)) == UNIXAddress(str(link))
        assert hash(UNIXAddress(str(path))) == hash(UNIXAddress(str(link)))
    assert UNIXAddress(None) == UNIXAddress(None)
    assert UNIXAddress("/no/such") != UNIXAddress("/no/other")


def test_fromSockname() -> None:
    assert fromSockname(("10.0.0.1", 5)) == IPv4Address("TCP", "10.0.0.1", 5)
    assert fromSockname(("::1", 5, 0, 0)) == IPv6Address("TCP", "::1", 5, 0, 0)
    assert fromSockname("/tmp/x") == UNIXAddress("/tmp/x")
    assert fromSockname("") == UNIXAddress(None)
