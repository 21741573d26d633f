from __future__ import annotations

import pytest

from plait.web.http_headers import Headers, InvalidHeaderName


def test_case_insensitive_multi_map() -> None:
    h = Headers({b"content-type": [b"text/html"]})
    h.addRawHeader(b"X-Foo", b"1")
    h.addRawHeader(b"x-foo", b"2")
    assert h.hasHeader(b"CONTENT-TYPE")
    assert h.getRawHeaders(b"X-FOO") == [b"1", b"2"]
    h.setRawHeaders(b"x-foo", [b"3"])
    assert h.getRawHeaders(b"x-foo") == [b"3"]
    h.removeHeader(b"X-Foo")
    h.removeHeader(b"absent")
    assert not h.hasHeader(b"x-foo")
    assert h.getRawHeaders(b"x-foo") is None
    assert h.getRawHeaders(b"x-foo", [b"d"]) == [b"d"]


def test_str_names_and_values() -> None:
    h = Headers({"X-Name": ["caf\u00e9"]})
    assert h.getRawHeaders(b"x-name") == [b"caf\xc3\xa9"]
    assert h.getRawHeaders("X-NAME") == ["caf\u00e9"]
    assert h.getRawHeaders("missing", "dflt") == "dflt"


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        (b"content-type", b"Content-Type"),
        (b"etag", b"ETag"),
        (b"www-authenticate", b"WWW-Authenticate"),
        (b"content-md5", b"Content-MD5"),
        (b"dnt", b"DNT"),
        (b"te", b"TE"),
        (b"x-xss-protection", b"X-XSS-Protection"),
        (b"content-security-policy", b"Content-Security-Policy"),
        (b"sec-websocket-accept", b"Sec-WebSocket-Accept"),
        (b"sec-websocket-extensions", b"Sec-WebSocket-Extensions"),
        (b"X-FORWARDED-FOR", b"X-Forwarded-For"),
    ],
)
def test_canonical_names(name: bytes, canonical: bytes) -> None:
    h = Headers()
    h.addRawHeader(name, b"v")
    assert list(h.getAllRawHeaders()) == [(canonical, [b"v"])]
    assert h._items() == [(canonical, b"v")]


def test_order_items_copy_eq_repr() -> None:
    h = Headers()
    h.addRawHeader(b"b", b"1")
    h.addRawHeader(b"a", b"2")
    h.addRawHeader(b"B", b"3")
    assert h._items() == [(b"B", b"1"), (b"B", b"3"), (b"A", b"2")]
    c = h.copy()
    assert c == h
    c.addRawHeader(b"a", b"x")
    assert c != h
    assert h.getRawHeaders(b"a") == [b"2"]
    assert repr(Headers({b"a": [b"1"]})) == "Headers({b'A': [b'1']})"
    assert Headers() != object()


def test_returned_lists_are_copies() -> None:
    h = Headers({b"a": [b"1"]})
    values = h.getRawHeaders(b"a")
    assert values is not None
    values.append(b"2")
    assert h.getRawHeaders(b"a") == [b"1"]


def test_from_pairs() -> None:
    h = Headers._fromPairs([(b"Host", b"a"), (b"X", b"1"), (b"x", b"2")])
    assert h.getRawHeaders(b"host") == [b"a"]
    assert h.getRawHeaders(b"X") == [b"1", b"2"]
    assert h == Headers({b"host": [b"a"], b"x": [b"1", b"2"]})


@pytest.mark.parametrize("name", [b"bad name", b"a:b", b"", b"a\r\nb", b"\x00", "caf\u00e9"])
def test_invalid_names(name: bytes | str) -> None:
    with pytest.raises(InvalidHeaderName):
        Headers().addRawHeader(name, b"v")
    with pytest.raises(ValueError):  # noqa: PT011
        Headers().setRawHeaders(name, [b"v"])


@pytest.mark.parametrize("value", [b"a\r\nSet-Cookie: x", b"a\nb", b"a\rb", b"a\x00b", "x\r\ny"])
def test_values_with_cr_lf_nul_raise(value: bytes | str) -> None:
    h = Headers()
    with pytest.raises(ValueError):  # noqa: PT011
        h.addRawHeader(b"x", value)
    with pytest.raises(ValueError):  # noqa: PT011
        h.setRawHeaders(b"x", [b"ok", value])
    assert not h.hasHeader(b"x")


def test_single_value_instead_of_list_is_refused() -> None:
    with pytest.raises(TypeError):
        Headers().setRawHeaders(b"x", b"value")  # type: ignore[arg-type]
