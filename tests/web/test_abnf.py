from __future__ import annotations

import pytest

from plait.web._abnf import TOKEN_CHARS, isFieldValue, isToken, parseDecimal, parseHex


def test_tokens() -> None:
    assert isToken(b"Content-Type")
    assert isToken(TOKEN_CHARS)
    for bad in (b"", b"a b", b"a:b", b"a\x00", b"caf\xc3\xa9", b"(x)", b"a\r\n"):
        assert not isToken(bad)


def test_field_values() -> None:
    assert isFieldValue(b"")
    assert isFieldValue(b"text/html; q=0.5\tx \x80\xff")
    for bad in (b"a\r", b"a\n", b"\x00", b"\x01", b"\x7f"):
        assert not isFieldValue(bad)


@pytest.mark.parametrize(
    "text", [b"", b"+1", b"-1", b" 1", b"1 ", b"1_0", b"0x1", b"1.0", b"\xd9\xa1", b"9" * 20]
)
def test_decimal_rejects(text: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        parseDecimal(text)


def test_decimal_accepts() -> None:
    assert parseDecimal(b"0") == 0
    assert parseDecimal(b"007") == 7
    assert parseDecimal(b"9" * 19) == int("9" * 19)


@pytest.mark.parametrize(
    "text", [b"", b"+a", b"-a", b" a", b"a ", b"a_b", b"0x1", b"g", b"1" * 17]
)
def test_hex_rejects(text: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        parseHex(text)


def test_hex_accepts() -> None:
    assert parseHex(b"fF") == 255
    assert parseHex(b"f" * 16) == 2**64 - 1
