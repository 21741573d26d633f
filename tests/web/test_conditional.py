"""Tests for plait.web._conditional: RFC 9110 preconditions, If-Range and ETags."""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from email.utils import formatdate

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plait.web._conditional import (
    Outcome,
    evaluate,
    if_range_allows,
    make_etag,
    parse_entity_tags,
    parse_http_date,
)

ETAG = b'"v1"'
MTIME = 784111777  # Sun, 06 Nov 1994 08:49:37 GMT
PROCEED, NOT_MODIFIED, FAILED = Outcome.PROCEED, Outcome.NOT_MODIFIED, Outcome.PRECONDITION_FAILED


def http_date(seconds: int) -> bytes:
    return formatdate(seconds, usegmt=True).encode()


def headers(**fields: bytes) -> Callable[[bytes], bytes | None]:
    table = {name.replace("_", "-").encode(): value for name, value in fields.items()}
    return table.get


def test_outcome_codes() -> None:
    assert (PROCEED.code, NOT_MODIFIED.code, FAILED.code) == (None, 304, 412)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"Sun, 06 Nov 1994 08:49:37 GMT", MTIME),
        (b"Sunday, 06-Nov-94 08:49:37 GMT", MTIME),
        (b"Sun Nov  6 08:49:37 1994", MTIME),
        (b"Sun Nov 06 08:49:37 1994", MTIME),
        (b"  Sun, 06 Nov 1994 08:49:37 GMT ", MTIME),
        (b"Thu, 01 Jan 1970 00:00:00 GMT", 0),
        (b"Tue, 29 Feb 2000 12:00:00 GMT", calendar.timegm((2000, 2, 29, 12, 0, 0))),
        # invalid
        (b"", None),
        (b"yesterday", None),
        (b"Sun, 06 Nov 1994 08:49:37 UTC", None),
        (b"Sun, 06 Nov 1994 08:49:37 +0000", None),
        (b"Sun, 6 Nov 1994 08:49:37 GMT", None),
        (b"Sun, 06 Nov 94 08:49:37 GMT", None),
        (b"Sun, 06 Foo 1994 08:49:37 GMT", None),
        (b"Xyz, 06 Nov 1994 08:49:37 GMT", None),
        (b"Sun, 31 Nov 1994 08:49:37 GMT", None),
        (b"Sun, 29 Feb 1900 08:49:37 GMT", None),
        (b"Sun, 06 Nov 1994 24:00:00 GMT", None),
        (b"Sun, 06 Nov 1994 08:60:00 GMT", None),
        (b"Sun, 06 Nov 1994 8:49:37 GMT", None),
        (b"Sun, 06 Nov 1994 08:49 GMT", None),
        (b"Sun, 06 Nov 0000 08:49:37 GMT", None),
        (b"Sun, 06 Nov +994 08:49:37 GMT", None),
        (b"Sunday, 06-Nov-1994 08:49:37 GMT", None),
        (b"Sun Nov 106 08:49:37 1994", None),
        (b"Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT", None),
    ],
)
def test_parse_http_date(text: bytes, expected: int | None) -> None:
    assert parse_http_date(text) == expected


def test_rfc850_two_digit_years_follow_the_fifty_year_rule() -> None:
    this_year = time.gmtime().tm_year
    near_future = (this_year + 10) % 100
    far_future = (this_year + 60) % 100
    near = parse_http_date(b"Monday, 01-Jan-%02d 00:00:00 GMT" % near_future)
    far = parse_http_date(b"Monday, 01-Jan-%02d 00:00:00 GMT" % far_future)
    assert near is not None
    assert far is not None
    assert time.gmtime(near).tm_year == this_year + 10
    assert time.gmtime(far).tm_year == this_year + 60 - 100


@given(st.integers(min_value=0, max_value=253402300799))
def test_parse_http_date_round_trips_imf_fixdate(seconds: int) -> None:
    assert parse_http_date(http_date(seconds)) == seconds


@given(st.binary(max_size=60))
def test_parse_http_date_never_raises(value: bytes) -> None:
    result = parse_http_date(value)
    assert result is None or isinstance(result, int)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b'"a"', [(False, b'"a"')]),
        (b'W/"a"', [(True, b'"a"')]),
        (b'"a", W/"b" ,"c"', [(False, b'"a"'), (True, b'"b"'), (False, b'"c"')]),
        (b'"a,b"', [(False, b'"a,b"')]),
        (b'""', [(False, b'""')]),
        (b', "a",,', [(False, b'"a"')]),
        (b'"a" "b"', None),
        (b"a", None),
        (b'"a', None),
        (b'w/"a"', None),
        (b'W/ "a"', None),
        (b'"a b"', None),
        (b"", None),
        (b" , ", None),
    ],
)
def test_parse_entity_tags(text: bytes, expected: list[tuple[bool, bytes]] | None) -> None:
    assert parse_entity_tags(text) == expected


OLDER = http_date(MTIME - 1)
SAME = http_date(MTIME)
NEWER = http_date(MTIME + 1)


@pytest.mark.parametrize(
    ("method", "fields", "expected"),
    [
        # no preconditions
        (b"GET", {}, PROCEED),
        # If-Match: strong comparison, '*', lists
        (b"GET", {"if_match": b'"v1"'}, PROCEED),
        (b"PUT", {"if_match": b'"v1"'}, PROCEED),
        (b"GET", {"if_match": b'"v0", "v1"'}, PROCEED),
        (b"GET", {"if_match": b'"v0"'}, FAILED),
        (b"GET", {"if_match": b'W/"v1"'}, FAILED),
        (b"PUT", {"if_match": b"*"}, PROCEED),
        (b"GET", {"if_match": b"garbage"}, FAILED),
        # If-Unmodified-Since
        (b"PUT", {"if_unmodified_since": SAME}, PROCEED),
        (b"PUT", {"if_unmodified_since": NEWER}, PROCEED),
        (b"PUT", {"if_unmodified_since": OLDER}, FAILED),
        (b"GET", {"if_unmodified_since": OLDER}, FAILED),
        (b"PUT", {"if_unmodified_since": b"not a date"}, PROCEED),
        # If-Unmodified-Since is ignored when If-Match is present
        (b"PUT", {"if_match": b'"v1"', "if_unmodified_since": OLDER}, PROCEED),
        (b"PUT", {"if_match": b'"v0"', "if_unmodified_since": NEWER}, FAILED),
        # If-None-Match: weak comparison, '*', lists; 304 for GET/HEAD, 412 otherwise
        (b"GET", {"if_none_match": b'"v1"'}, NOT_MODIFIED),
        (b"HEAD", {"if_none_match": b'"v1"'}, NOT_MODIFIED),
        (b"GET", {"if_none_match": b'W/"v1"'}, NOT_MODIFIED),
        (b"GET", {"if_none_match": b'"a", W/"v1", "b"'}, NOT_MODIFIED),
        (b"GET", {"if_none_match": b'"v0"'}, PROCEED),
        (b"GET", {"if_none_match": b'"v0", "v2"'}, PROCEED),
        (b"GET", {"if_none_match": b"*"}, NOT_MODIFIED),
        (b"PUT", {"if_none_match": b"*"}, FAILED),
        (b"DELETE", {"if_none_match": b'"v1"'}, FAILED),
        (b"POST", {"if_none_match": b'"v0"'}, PROCEED),
        (b"GET", {"if_none_match": b"garbage"}, PROCEED),
        # If-Modified-Since: GET/HEAD only, invalid dates ignored
        (b"GET", {"if_modified_since": SAME}, NOT_MODIFIED),
        (b"HEAD", {"if_modified_since": NEWER}, NOT_MODIFIED),
        (b"GET", {"if_modified_since": OLDER}, PROCEED),
        (b"GET", {"if_modified_since": b"Sun, 06 Nov 1994"}, PROCEED),
        (b"GET", {"if_modified_since": b"Sunday, 06-Nov-94 08:49:37 GMT"}, NOT_MODIFIED),
        (b"GET", {"if_modified_since": b"Sun Nov  6 08:49:37 1994"}, NOT_MODIFIED),
        (b"POST", {"if_modified_since": NEWER}, PROCEED),
        (b"PUT", {"if_modified_since": NEWER}, PROCEED),
        # If-Modified-Since is ignored when If-None-Match is present
        (b"GET", {"if_none_match": b'"v0"', "if_modified_since": NEWER}, PROCEED),
        (b"GET", {"if_none_match": b'"v1"', "if_modified_since": OLDER}, NOT_MODIFIED),
        # If-Match is evaluated before If-None-Match
        (b"GET", {"if_match": b'"v0"', "if_none_match": b'"v1"'}, FAILED),
        (b"GET", {"if_match": b'"v1"', "if_none_match": b'"v1"'}, NOT_MODIFIED),
        (b"GET", {"if_unmodified_since": OLDER, "if_modified_since": NEWER}, FAILED),
    ],
)
def test_evaluate_table(method: bytes, fields: dict[str, bytes], expected: Outcome) -> None:
    assert evaluate(method, headers(**fields), ETAG, MTIME) is expected


def test_missing_validators() -> None:
    # No ETag: If-Match lists cannot match, If-None-Match lists cannot match.
    assert evaluate(b"GET", headers(if_match=b'"v1"'), None, MTIME) is FAILED
    assert evaluate(b"GET", headers(if_match=b"*"), None, MTIME) is PROCEED
    assert evaluate(b"GET", headers(if_none_match=b'"v1"'), None, MTIME) is PROCEED
    # No Last-Modified: date conditions are ignored.
    assert evaluate(b"GET", headers(if_modified_since=NEWER), ETAG, None) is PROCEED
    assert evaluate(b"PUT", headers(if_unmodified_since=OLDER), ETAG, None) is PROCEED


def test_nonexistent_representation() -> None:
    assert evaluate(b"PUT", headers(if_match=b"*"), None, None, exists=False) is FAILED
    assert evaluate(b"PUT", headers(if_none_match=b"*"), None, None, exists=False) is PROCEED


def test_weak_own_etag() -> None:
    weak = b'W/"v1"'
    assert evaluate(b"GET", headers(if_match=b'"v1"'), weak, MTIME) is FAILED
    assert evaluate(b"GET", headers(if_none_match=b'"v1"'), weak, MTIME) is NOT_MODIFIED
    assert not if_range_allows(headers(if_range=b'"v1"'), weak, MTIME)


def test_unquoted_own_etag_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="quotes"):
        evaluate(b"GET", headers(), b"v1", MTIME)


@pytest.mark.parametrize(
    ("if_range", "expected"),
    [
        (None, True),
        (b'"v1"', True),
        (b' "v1" ', True),
        (b'"v0"', False),
        (b'W/"v1"', False),
        (b'"v1", "v2"', False),
        (b'"v1', False),
        (SAME, True),
        (OLDER, False),
        (NEWER, False),
        (b"Sunday, 06-Nov-94 08:49:37 GMT", True),
        (b"garbage", False),
        (b"", False),
    ],
)
def test_if_range(if_range: bytes | None, expected: bool) -> None:
    get = headers() if if_range is None else headers(if_range=if_range)
    assert if_range_allows(get, ETAG, MTIME) is expected


def test_if_range_without_validators() -> None:
    assert not if_range_allows(headers(if_range=b'"v1"'), None, MTIME)
    assert not if_range_allows(headers(if_range=SAME), ETAG, None)


@given(
    st.sampled_from([b"GET", b"HEAD", b"POST", b"PUT"]),
    st.dictionaries(
        st.sampled_from(
            [b"if-match", b"if-none-match", b"if-modified-since", b"if-unmodified-since"]
        ),
        st.binary(max_size=40),
    ),
)
def test_evaluate_never_raises(method: bytes, fields: dict[bytes, bytes]) -> None:
    outcome = evaluate(method, fields.get, ETAG, MTIME)
    if method not in (b"GET", b"HEAD"):
        assert outcome is not NOT_MODIFIED
    assert isinstance(if_range_allows(fields.get, ETAG, MTIME), bool)


@given(st.integers(0, 2**40), st.integers(0, 2**62), st.integers(0, 2**40))
def test_make_etag_is_a_strong_entity_tag(size: int, mtime_ns: int, inode: int) -> None:
    tag = make_etag(size, mtime_ns, inode)
    assert parse_entity_tags(tag) == [(False, tag)]
    if inode >= 10**8:
        assert str(inode).encode() not in tag
    assert make_etag(size, mtime_ns, inode) == tag
    assert make_etag(size + 1, mtime_ns, inode) != tag
    assert make_etag(size, mtime_ns + 1, inode) != tag
    assert make_etag(size, mtime_ns, inode + 1) != tag
    assert evaluate(b"GET", headers(if_none_match=tag), tag, None) is NOT_MODIFIED


@pytest.mark.parametrize(
    ("value", "etag", "matches"),
    [
        (b'"v1"', b'"v1"', True),
        (b'W/"v0", "v1"', b'"v1"', True),
        (b'"v1"', b'W/"v1"', True),  # weak comparison
        (b"*", b'"anything"', True),
        (b'"v2"', b'"v1"', False),
        (b'"v1', b'"v1"', False),  # malformed: matches nothing
        (b'"v1"', b"not-quoted", False),
    ],
)
def test_if_none_match_matches(value: bytes, etag: bytes, matches: bool) -> None:
    from plait.web._conditional import if_none_match_matches

    assert if_none_match_matches(value, etag) is matches
