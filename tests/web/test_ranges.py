"""Tests for plait.web._ranges: Range header parsing and multipart/byteranges framing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plait.web._ranges import (
    DEFAULT_MAX_RANGES,
    IGNORE,
    UNSATISFIABLE,
    RangeOutcome,
    RangePlan,
    content_range,
    multipart_byteranges_plan,
    new_boundary,
    parse_range_header,
    unsatisfied_content_range,
)


def single(first: int, last: int) -> RangePlan:
    return RangePlan(RangeOutcome.SINGLE, ((first, last),))


def multiple(*ranges: tuple[int, int]) -> RangePlan:
    return RangePlan(RangeOutcome.MULTIPLE, tuple(ranges))


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        # single ranges
        (b"bytes=0-0", 100, single(0, 0)),
        (b"bytes=0-99", 100, single(0, 99)),
        (b"bytes=10-19", 100, single(10, 19)),
        (b"bytes=90-", 100, single(90, 99)),
        (b"bytes=0-", 100, single(0, 99)),
        (b"bytes=-10", 100, single(90, 99)),
        (b"bytes=-100", 100, single(0, 99)),
        (b"bytes=-1000", 100, single(0, 99)),
        (b"bytes=50-1000", 100, single(50, 99)),
        (b"bytes=50-99999999999999999999999999999999999", 100, single(50, 99)),
        (b"bytes=-99999999999999999999999999999999999999", 100, single(0, 99)),
        (b"bytes=007-010", 100, single(7, 10)),
        # unit names are case-insensitive; optional whitespace around list elements
        (b"BYTES=1-2", 100, single(1, 2)),
        (b"Bytes=1-2", 100, single(1, 2)),
        (b"bytes= 1-2 ", 100, single(1, 2)),
        (b"bytes=1-2,", 100, single(1, 2)),
        (b"bytes=,1-2,,", 100, single(1, 2)),
        # unsatisfiable
        (b"bytes=100-", 100, UNSATISFIABLE),
        (b"bytes=100-200", 100, UNSATISFIABLE),
        (b"bytes=-0", 100, UNSATISFIABLE),
        (b"bytes=999999999999999999999999999999999999-", 100, UNSATISFIABLE),
        (b"bytes=0-", 0, UNSATISFIABLE),
        (b"bytes=0-0", 0, UNSATISFIABLE),
        (b"bytes=-0", 0, UNSATISFIABLE),
        (b"bytes=100-,200-300", 100, UNSATISFIABLE),
        # an empty file's non-zero suffix is satisfiable but has no Content-Range: whole file
        (b"bytes=-5", 0, IGNORE),
        # unsatisfiable parts are dropped when others are satisfiable
        (b"bytes=200-300,0-4", 100, single(0, 4)),
        # malformed or foreign: ignored
        (b"", 100, IGNORE),
        (b"bytes", 100, IGNORE),
        (b"bytes=", 100, IGNORE),
        (b"bytes=,", 100, IGNORE),
        (b"bytes=-", 100, IGNORE),
        (b"bytes=5-2", 100, IGNORE),
        (b"bytes=+1-2", 100, IGNORE),
        (b"bytes=1-+2", 100, IGNORE),
        (b"bytes=-+2", 100, IGNORE),
        (b"bytes=--2", 100, IGNORE),
        (b"bytes=1_0-20", 100, IGNORE),
        (b"bytes=1-2_0", 100, IGNORE),
        (b"bytes=1 0-20", 100, IGNORE),
        (b"bytes=1-2 0", 100, IGNORE),
        (b"bytes=1 -2", 100, IGNORE),
        (b"bytes=0x1-2", 100, IGNORE),
        (b"bytes=1-2-3", 100, IGNORE),
        (b"bytes=1.5-2", 100, IGNORE),
        (b"bytes=\xd9\xa1-2", 100, IGNORE),  # ARABIC-INDIC DIGIT ONE in UTF-8
        (b"bytes=1-2,5-2", 100, IGNORE),
        (b"bytes=5-0002", 100, IGNORE),
        (b"bytes=" + b"9" * 30 + b"-" + b"9" * 29, 100, IGNORE),
        (b"bytes=" + b"9" * 29 + b"-" + b"9" * 30, 100, UNSATISFIABLE),
        (b"bytes=1-2,x", 100, IGNORE),
        (b"items=0-1", 100, IGNORE),
        (b"bytesx=0-1", 100, IGNORE),
        (b"0-1", 100, IGNORE),
    ],
)
def test_parse_table(header: bytes, size: int, expected: RangePlan) -> None:
    assert parse_range_header(header, size) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"bytes=0-9,20-29", multiple((0, 9), (20, 29))),
        # sorted
        (b"bytes=20-29,0-9", multiple((0, 9), (20, 29))),
        (b"bytes=-10,0-9", multiple((0, 9), (90, 99))),
        # adjacent ranges coalesce
        (b"bytes=0-9,10-19", single(0, 19)),
        # overlapping ranges coalesce
        (b"bytes=0-9,5-14,30-39", multiple((0, 14), (30, 39))),
        (b"bytes=5-14,0-9", single(0, 14)),
        # a range contained in another
        (b"bytes=0-50,10-20", single(0, 50)),
        # three-way merge through a bridge
        (b"bytes=0-9,20-29,8-21", single(0, 29)),
    ],
)
def test_multiple_and_coalescing(header: bytes, expected: RangePlan) -> None:
    assert parse_range_header(header, 100) == expected


def test_max_ranges_cap() -> None:
    at_cap = b"bytes=" + b",".join(b"%d-%d" % (i * 3, i * 3) for i in range(DEFAULT_MAX_RANGES))
    plan = parse_range_header(at_cap, 1000)
    assert plan.outcome is RangeOutcome.MULTIPLE
    assert len(plan.ranges) == DEFAULT_MAX_RANGES
    over = at_cap + b",900-901"
    assert parse_range_header(over, 1000) == IGNORE
    assert parse_range_header(over, 1000, max_ranges=DEFAULT_MAX_RANGES + 1).outcome is (
        RangeOutcome.MULTIPLE
    )
    assert parse_range_header(b"bytes=0-1,3-4", 10, max_ranges=1) == IGNORE


def test_empty_elements_do_not_count_towards_the_cap() -> None:
    assert parse_range_header(b"bytes=" + b"," * 100 + b"0-1", 10, max_ranges=1) == single(0, 1)


def test_overlap_amplification_is_refused() -> None:
    # The same whole-file range twice (or many small overlapping ranges adding up to more
    # than the file): an abusive shape, answered with the plain 200.
    assert parse_range_header(b"bytes=0-,0-", 100) == IGNORE
    assert parse_range_header(b"bytes=0-60,40-99", 100) == IGNORE
    many = b"bytes=" + b",".join([b"0-9"] * 11)
    assert parse_range_header(many, 100) == IGNORE
    # but modest overlaps are fine (coalesced)
    assert parse_range_header(b"bytes=0-50,40-80", 100) == single(0, 80)


def test_negative_size_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_range_header(b"bytes=0-1", -1)


def test_huge_digit_strings_are_cheap_and_clipped() -> None:
    digits = b"9" * 100_000
    assert parse_range_header(b"bytes=5-" + digits, 10) == single(5, 9)
    assert parse_range_header(b"bytes=" + digits + b"-", 10) == UNSATISFIABLE
    assert parse_range_header(b"bytes=-" + digits, 10) == single(0, 9)
    assert parse_range_header(b"bytes=" + b"0" * 100_000 + b"1-2", 10) == single(1, 2)


def test_plan_length() -> None:
    assert parse_range_header(b"bytes=0-9,20-29", 100).length == 20
    assert IGNORE.length == 0


def test_content_range() -> None:
    assert content_range(0, 0, 1) == b"bytes 0-0/1"
    assert content_range(10, 19, 100) == b"bytes 10-19/100"
    assert unsatisfied_content_range(100) == b"bytes */100"
    for bad in [(-1, 0, 10), (5, 4, 10), (0, 10, 10)]:
        with pytest.raises(ValueError, match="not within"):
            content_range(*bad)


def test_multipart_plan_exact_bytes() -> None:
    data = bytes(range(100))
    ranges = ((0, 9), (20, 29))
    heads, closing, length = multipart_byteranges_plan(ranges, 100, b"text/plain", b"B0UND")
    assert heads[0] == (
        b"--B0UND\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-9/100\r\n\r\n"
    )
    assert heads[1] == (
        b"\r\n--B0UND\r\nContent-Type: text/plain\r\nContent-Range: bytes 20-29/100\r\n\r\n"
    )
    assert closing == b"\r\n--B0UND--\r\n"
    body = heads[0] + data[0:10] + heads[1] + data[20:30] + closing
    assert length == len(body)


def test_multipart_plan_parses_with_the_stdlib_mime_parser() -> None:
    import email.parser
    import email.policy

    data = bytes(range(256)) * 4
    plan = parse_range_header(b"bytes=-5,0-9,100-199", len(data))
    boundary = new_boundary()
    heads, closing, length = multipart_byteranges_plan(
        plan.ranges, len(data), "application/octet-stream", boundary
    )
    body = b"".join(h + data[a : b + 1] for h, (a, b) in zip(heads, plan.ranges, strict=True))
    body += closing
    assert len(body) == length
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b'Content-Type: multipart/byteranges; boundary="' + boundary + b'"\r\n\r\n' + body
    )
    parts = list(message.iter_parts())
    assert [p["Content-Range"] for p in parts] == [
        f"bytes {a}-{b}/{len(data)}" for a, b in plan.ranges
    ]
    assert [p.get_payload(decode=True) for p in parts] == [data[a : b + 1] for a, b in plan.ranges]


def test_multipart_plan_without_content_type() -> None:
    heads, _, _ = multipart_byteranges_plan([(0, 0), (2, 2)], 3, None, b"b")
    assert heads[0] == b"--b\r\nContent-Range: bytes 0-0/3\r\n\r\n"


@pytest.mark.parametrize("boundary", [b"", b"x" * 71, b"a\r\nb", b"a;b", b"ends ", b'"q"'])
def test_multipart_plan_rejects_bad_boundaries(boundary: bytes) -> None:
    with pytest.raises(ValueError, match="boundary"):
        multipart_byteranges_plan([(0, 0)], 1, b"text/plain", boundary)


def test_multipart_plan_rejects_header_injection() -> None:
    with pytest.raises(ValueError, match="line break"):
        multipart_byteranges_plan([(0, 0)], 1, b"text/plain\r\nX: y", b"b")


def test_new_boundary_is_valid_and_fresh() -> None:
    first, second = new_boundary(), new_boundary()
    assert first != second
    multipart_byteranges_plan([(0, 0)], 1, b"text/plain", first)


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=10**12))
def test_arbitrary_bytes_never_raise(value: bytes, size: int) -> None:
    plan = parse_range_header(value, size)
    assert isinstance(plan, RangePlan)


range_spec = st.one_of(
    st.tuples(st.integers(0, 2000), st.integers(0, 2000)).map(lambda t: b"%d-%d" % t),
    st.integers(0, 2000).map(lambda n: b"%d-" % n),
    st.integers(0, 2000).map(lambda n: b"-%d" % n),
)


def check_plan(plan: RangePlan, size: int) -> None:
    if plan.outcome in (RangeOutcome.IGNORE, RangeOutcome.UNSATISFIABLE):
        assert plan.ranges == ()
        return
    assert plan.ranges
    assert (len(plan.ranges) == 1) == (plan.outcome is RangeOutcome.SINGLE)
    for first, last in plan.ranges:
        assert 0 <= first <= last < size
    for (_, last), (first, _) in zip(plan.ranges, plan.ranges[1:], strict=False):
        # sorted, disjoint, and not even adjacent (adjacent ones are coalesced)
        assert last + 1 < first
    assert plan.length <= size


@given(
    st.lists(range_spec, min_size=1, max_size=20),
    st.integers(min_value=0, max_value=1500),
    st.sampled_from([b"", b" ", b" \t"]),
)
def test_well_formed_plans_are_sane(specs: list[bytes], size: int, ows: bytes) -> None:
    plan = parse_range_header(b"bytes=" + (b"," + ows).join(specs), size)
    check_plan(plan, size)
    if len(specs) > DEFAULT_MAX_RANGES:
        assert plan == IGNORE


@given(
    st.lists(range_spec, min_size=1, max_size=20),
    st.integers(min_value=1, max_value=1500),
)
def test_plans_select_exactly_the_requested_bytes(specs: list[bytes], size: int) -> None:
    plan = parse_range_header(b"bytes=" + b",".join(specs), size, max_ranges=100)
    check_plan(plan, size)
    if plan.outcome not in (RangeOutcome.SINGLE, RangeOutcome.MULTIPLE):
        return
    # A model: the set of offsets each spec names, clipped to the file.
    wanted: set[int] = set()
    for spec in specs:
        first, _, last = spec.partition(b"-")
        if not first:
            wanted.update(range(max(size - int(last), 0), size) if int(last) else ())
        else:
            stop = size if not last else min(int(last) + 1, size)
            wanted.update(range(int(first), stop))
    got = {i for a, b in plan.ranges for i in range(a, b + 1)}
    assert got == wanted


@given(
    st.lists(st.tuples(st.integers(0, 999), st.integers(0, 999)), min_size=1, max_size=10),
    st.binary(min_size=1, max_size=40).map(lambda b: b.hex().encode()[:70]),
    st.sampled_from([b"text/plain", b"", None, "image/png"]),
)
def test_multipart_length_is_the_sum_of_the_parts(
    pairs: list[tuple[int, int]], boundary: bytes, content_type: bytes | str | None
) -> None:
    ranges = [(min(a, b), max(a, b)) for a, b in pairs]
    heads, closing, length = multipart_byteranges_plan(ranges, 1000, content_type, boundary)
    assert len(heads) == len(ranges)
    assert length == sum(len(h) for h in heads) + sum(b - a + 1 for a, b in ranges) + len(closing)
