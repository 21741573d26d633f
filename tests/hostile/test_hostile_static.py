"""static.File under attack: traversal in every shape, and Range amplification.

Traversal (aiohttp's CVE-2024-23334 and the classic shapes): dot segments raw, encoded,
double-encoded and overlong-UTF-8; encoded and backslash separators; NUL; absolute paths;
trailing dots and spaces; symlinks pointing out of the tree. Each must end in 400/403/404 with
nothing from outside the root, never a 500, and the connection (when kept) still serving.

Ranges (Apache's CVE-2011-3192): hundreds of overlapping ranges, ranges summing far past the
file, huge numbers, negative-looking specs. The answer must stay bounded (never much more than
the file itself) and the server must go on serving.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hostile_support import SEGMENTATIONS, attack, parseResponses

from plait.web.server import Site
from plait.web.static import File

SECRET = b"OUTSIDE-THE-ROOT"
SIZE = 10_000
CONTENT = bytes(range(256)) * (SIZE // 256) + b"z" * (SIZE % 256)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    www = tmp_path / "www"
    (www / "sub").mkdir(parents=True)
    (www / "a.txt").write_bytes(CONTENT)
    (www / "probe").write_bytes(b"probe")  # what hostile_support's PROBE asks for
    (www / "sub" / "b.txt").write_bytes(b"b")
    (www / "sub" / "out").symlink_to(outside)
    (www / "escape.txt").symlink_to(outside / "secret.txt")
    (www / "rel_escape.txt").symlink_to("../outside/secret.txt")
    return www


TRAVERSALS = [
    b"/../outside/secret.txt",
    b"/sub/../../outside/secret.txt",
    b"/%2e%2e/outside/secret.txt",
    b"/%2E%2e/outside/secret.txt",
    b"/%2e%2E%2Foutside%2Fsecret.txt",
    b"/.%2E/outside/secret.txt",
    b"/..%2Foutside/secret.txt",
    b"/sub%2F..%2F..%2Foutside%2Fsecret.txt",
    b"/..%5Coutside%5Csecret.txt",
    b"/..\\outside\\secret.txt",
    b"/sub\\..\\..\\outside\\secret.txt",
    b"/%252e%252e/outside/secret.txt",
    b"/%25252e%25252e/outside/secret.txt",
    b"/%c0%ae%c0%ae/outside/secret.txt",
    b"/%e0%80%ae%e0%80%ae/outside/secret.txt",
    b"/..%c0%afoutside%c0%afsecret.txt",
    b"/..%c1%9coutside%c1%9csecret.txt",
    b"/%u002e%u002e/outside/secret.txt",
    b"/..%00/outside/secret.txt",
    b"/a.txt%00.png",
    b"/%00../outside/secret.txt",
    b"/%2Fetc%2Fpasswd",
    b"//etc/passwd",
    b"///etc/passwd",
    b"/%2F%2Fetc/passwd",
    b"/C:%5Cwindows%5Cwin.ini",
    b"/sub/..;/..;/outside/secret.txt",
    b"/.../outside/secret.txt",
    b"/.. /outside/secret.txt".replace(b" ", b"%20"),
    b"/..%20/outside/secret.txt",
    b"/..%09/outside/secret.txt",
    b"/.. ./outside/secret.txt".replace(b" ", b"%20"),
    b"/a.txt.",
    b"/a.txt%20",
    b"/a.txt..",
    b"/a.txt/",
    b"/a.txt/..",
    b"/a.txt/../../outside/secret.txt",
    b"/A.TXT",
    b"/a.txt::$DATA",
    b"/sub/out/secret.txt",
    b"/sub/out/",
    b"/escape.txt",
    b"/rel_escape.txt",
    b"/sub/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    b"/" + b"../" * 100 + b"etc/passwd",
    b"/" + b"%2e%2e%2f" * 100 + b"etc/passwd",
    b"/%ff%fe/../../outside/secret.txt",
]


@pytest.mark.parametrize("segmentation", SEGMENTATIONS)
def test_traversal_shapes(serve: Any, root: Path, segmentation: str) -> None:
    server = serve(Site(File(str(root))))
    for target in TRAVERSALS:
        request = b"GET " + target + b" HTTP/1.1\r\nHost: a\r\n\r\n"
        outcome = attack(server, request, segmentation, quiet=2.0)
        assert SECRET not in outcome.data, target
        assert b"root:" not in outcome.data, target
        statuses = [r.status for r in parseResponses(outcome.data)]
        assert statuses[0] in (400, 403, 404), (target, statuses)
        # A 400 closes the connection; a 403/404 keeps it, and the probe behind is served.
        assert statuses[1:] == ([] if statuses[0] == 400 else [200]), (target, statuses)
        assert outcome.closed == (statuses[0] == 400), target
    # And the server is none the worse for it.
    outcome = attack(server, b"GET /a.txt HTTP/1.1\r\nHost: a\r\n\r\n", "whole", quiet=2.0)
    responses = parseResponses(outcome.data)
    assert [r.status for r in responses] == [200, 200]
    assert responses[0].body == CONTENT
    assert outcome.probeAnswered


def ranges(*specs: bytes) -> bytes:
    return b"bytes=" + b",".join(specs)


RANGE_ATTACKS = [
    ("500 whole-file ranges", ranges(*[b"0-"] * 500)),
    ("200 overlapping", ranges(*[b"%d-%d" % (i * 10, SIZE - 1) for i in range(200)])),
    ("1000 adjacent single bytes", ranges(*[b"%d-%d" % (i, i) for i in range(1000)])),
    ("descending overlaps", ranges(*[b"%d-" % (SIZE - i * 50) for i in range(1, 150)])),
    ("300 suffixes", ranges(*[b"-%d" % (SIZE - i) for i in range(300)])),
    ("mixed amplification", ranges(b"0-", b"-9999", b"1-9998", b"0-0", b"5-", b"-1") * 40),
    ("many past the end", ranges(*[b"%d-%d" % (i, 10**12) for i in range(0, 5000, 20)])),
    ("huge end", ranges(b"0-" + b"9" * 25)),
    ("huge start", ranges(b"9" * 25 + b"-")),
    ("huge suffix", ranges(b"-" + b"9" * 25)),
    ("minus zero", ranges(b"-0")),
    ("double minus", ranges(b"--1")),
    ("negative end", ranges(b"5--1")),
    ("negative-looking start", ranges(b"-1-5")),
    ("inverted", ranges(b"9-1")),
    ("signed", ranges(b"+1-5")),
    ("hex", ranges(b"0x0-0x10")),
    ("empty specs", ranges(b"", b"", b"0-1", b"")),
    ("whitespace", b"bytes = 0-1 , 2-3"),
    ("other unit", b"items=0-1"),
    ("no equals", b"bytes 0-1"),
    ("NUL inside", b"bytes=0-\x001"),
]


# Byte by byte only for the short headers: the long ones would take minutes that way.
RANGE_CASES = [
    pytest.param(segmentation, header, id=f"{name}-{segmentation}")
    for name, header in RANGE_ATTACKS
    for segmentation in SEGMENTATIONS
    if segmentation == "whole" or len(header) <= 400
]


@pytest.mark.parametrize(("segmentation", "header"), RANGE_CASES)
def test_range_abuse_is_bounded(serve: Any, root: Path, segmentation: str, header: bytes) -> None:
    server = serve(Site(File(str(root))))
    request = b"GET /a.txt HTTP/1.1\r\nHost: a\r\nRange: " + header + b"\r\n\r\n"
    outcome = attack(server, request, segmentation, quiet=2.0)
    if b"\x00" in header:
        # A NUL is not allowed in a field value at all: refused before static sees it.
        assert parseResponses(outcome.data)[0].status == 400
        return
    responses = parseResponses(outcome.data)
    assert [r.status for r in responses][-1:] == [200], "the probe was not answered"
    answer = responses[0]
    assert answer.status in (200, 206, 416), answer.status
    # Bounded: the file, plus at most a small part header per allowed range and the head.
    assert len(outcome.data) - len(b"probe") <= SIZE + 4096, len(outcome.data)
    if answer.status == 200:
        assert answer.body == CONTENT
    elif answer.status == 206 and answer.header(b"content-range") is not None:
        first, last = answer.header(b"content-range").split(b" ")[1].split(b"/")[0].split(b"-")
        assert answer.body == CONTENT[int(first) : int(last) + 1]
