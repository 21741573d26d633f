from __future__ import annotations

import pytest

from plait.web._date import (
    DateCache,
    datetimeToLogString,
    datetimeToString,
    stringToDatetime,
    timegm,
)

T = 784111777  # Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example)


def test_format() -> None:
    assert datetimeToString(T) == b"Sun, 06 Nov 1994 08:49:37 GMT"
    assert datetimeToLogString(T) == "[06/Nov/1994:08:49:37 +0000]"
    assert len(datetimeToString()) == 29


@pytest.mark.parametrize(
    "text",
    [
        b"Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        b"Sunday, 06-Nov-94 08:49:37 GMT",
        b"Sun Nov  6 08:49:37 1994",
        b"sun, 06 nov 1994 08:49:37 GMT",
    ],
)
def test_parse_three_formats(text: bytes | str) -> None:
    assert stringToDatetime(text) == T


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"yesterday",
        b"Sun, 06 Nov 1994 08:49:37 UTC",
        b"Sun, 06 Foo 1994 08:49:37 GMT",
        b"Sun, 31 Feb 1994 08:49:37 GMT",
        b"Sun, 06 Nov 1994 25:49:37 GMT",
        b"Sun, 06 Nov 1994 08:49 GMT",
        b"Sun, 06 Nov 94 08:49:37 GMT",
        b"Sun, -6 Nov 1994 08:49:37 GMT",
        b"Sun, 06 Nov 1994 08:49:37 GMT extra",
        b"Sun Nov  6 08:49:37",
        b"\xff",
    ],
)
def test_parse_rejects(text: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        stringToDatetime(text)


def test_timegm() -> None:
    assert timegm(1970, 1, 1, 0, 0, 0) == 0
    assert timegm(1994, 11, 6, 8, 49, 37) == T
    with pytest.raises(ValueError):  # noqa: PT011
        timegm(1994, 13, 1, 0, 0, 0)


def test_date_cache_recomputes_once_per_second() -> None:
    now = [T + 0.1]
    cache = DateCache(lambda: now[0])
    first = cache()
    assert first == b"Sun, 06 Nov 1994 08:49:37 GMT"
    now[0] = T + 0.9
    assert cache() is first
    now[0] = T + 1.0
    assert cache() == b"Sun, 06 Nov 1994 08:49:38 GMT"
