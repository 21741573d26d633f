"""Checks for the RFC 9110 / RFC 9112 grammar: tokens, field values, strict integers."""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "TOKEN_CHARS",
    "isFieldValue",
    "isToken",
    "parseDecimal",
    "parseHex",
]

TOKEN_CHARS: Final = (
    b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
"""The bytes allowed in a token (RFC 9110 section 5.6.2)."""

_TOKEN: Final = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
# field-value = *field-content; field-vchar = VCHAR / obs-text; SP and HTAB inside.
_FIELD_VALUE: Final = re.compile(rb"[\t\x20-\x7e\x80-\xff]*")
_DIGITS: Final = re.compile(rb"[0-9]+")
_HEXDIGITS: Final = re.compile(rb"[0-9A-Fa-f]+")


def isToken(value: bytes) -> bool:
    """True when *value* is a non-empty RFC 9110 token (a header name, a method)."""
    return _TOKEN.fullmatch(value) is not None


def isFieldValue(value: bytes) -> bool:
    """True when *value* holds no control byte but HTAB (so no NUL, CR or LF)."""
    return _FIELD_VALUE.fullmatch(value) is not None


def parseDecimal(value: bytes, maxDigits: int = 19) -> int:
    """Parse ASCII digits only (no sign, space, underscore or prefix); ValueError otherwise.

    *maxDigits* bounds the work and the result (19 digits fit a signed 64-bit integer).
    """
    if len(value) > maxDigits or _DIGITS.fullmatch(value) is None:
        raise ValueError(f"not a decimal number: {value[:32]!r}")
    return int(value)


def parseHex(value: bytes, maxDigits: int = 16) -> int:
    """Parse ASCII hex digits only (no sign, space, underscore or ``0x``); ValueError otherwise."""
    if len(value) > maxDigits or _HEXDIGITS.fullmatch(value) is None:
        raise ValueError(f"not a hexadecimal number: {value[:32]!r}")
    return int(value, 16)
