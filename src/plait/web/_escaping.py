"""Escaping for each place text can land in markup, and the names markup may use.

Text escapes ``& < >``; attribute values also ``"`` (plait always writes double
quotes); a comment cannot be closed early; a CDATA section cannot be ended
early. NUL, which HTML forbids everywhere, becomes U+FFFD. Output is UTF-8.
"""

from __future__ import annotations

__all__ = [
    "checkName",
    "escapeAttribute",
    "escapeBytes",
    "escapeForContent",
    "escapeRaw",
    "escapedCDATA",
    "escapedComment",
]

_REPLACEMENT = "\ufffd"


def escapeForContent(data: bytes | str) -> bytes:
    """Escape text for element content: ``& < >`` become entities; UTF-8 bytes out."""
    if isinstance(data, str):
        if "&" in data:
            data = data.replace("&", "&amp;")
        if "<" in data:
            data = data.replace("<", "&lt;")
        if ">" in data:
            data = data.replace(">", "&gt;")
        if "\0" in data:
            data = data.replace("\0", _REPLACEMENT)
        return data.encode("utf-8")
    return escapeBytes(data)


def escapeBytes(data: bytes) -> bytes:
    """Escape bytes for element content, like ``escapeForContent``."""
    if b"&" in data:
        data = data.replace(b"&", b"&amp;")
    if b"<" in data:
        data = data.replace(b"<", b"&lt;")
    if b">" in data:
        data = data.replace(b">", b"&gt;")
    if b"\0" in data:
        data = data.replace(b"\0", b"\xef\xbf\xbd")
    return data


def escapeAttribute(data: bytes | str) -> bytes:
    """Escape an attribute value for a double-quoted attribute."""
    escaped = escapeForContent(data)
    if b'"' in escaped:
        escaped = escaped.replace(b'"', b"&quot;")
    return escaped


def escapeRaw(data: bytes | str) -> bytes:
    """Encode text captured inside an attribute; it is escaped when the attribute ends."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if b"\0" in data:
        data = data.replace(b"\0", b"\xef\xbf\xbd")
    return data


def escapedCDATA(data: bytes | str) -> bytes:
    """Escape CDATA content: each ``]]>`` is split across two CDATA sections."""
    return escapeRaw(data).replace(b"]]>", b"]]]]><![CDATA[>")


def escapedComment(data: bytes | str) -> bytes:
    """Escape comment content so that nothing in it can end the comment early.

    ``-->`` and ``--!>`` lose their ``>``; a leading ``>`` or ``->`` (which HTML
    reads as an empty comment) and a trailing ``-`` are padded with a space.
    """
    data = escapeRaw(data)
    data = data.replace(b"-->", b"--&gt;").replace(b"--!>", b"--!&gt;")
    if data.startswith((b">", b"->")):
        data = b" " + data
    if data.endswith(b"-"):
        data += b" "
    return data


_FORBIDDEN_IN_NAMES = frozenset(" \t\n\r\f\v\0\"'<>/=`")


def checkName(name: bytes | str, what: str) -> str:
    """Return a tag or attribute name as ASCII text, or raise ValueError if markup breaks it."""
    text = name.decode("ascii") if isinstance(name, bytes) else name
    if (
        not text
        or not text.isascii()
        or any(c in _FORBIDDEN_IN_NAMES or not c.isprintable() for c in text)
    ):
        raise ValueError(f"invalid {what} name {text!r}")
    return text
