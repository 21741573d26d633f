"""The benchmark harness: each contender script starts and answers, and the report is right.

aiohttp and uvicorn are bench-only packages (bench/requirements.txt, not the dev extra), so
their scripts are not started here; bench/run.py probes every contender before loading it.
"""

from __future__ import annotations

import importlib
import socket
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _loadBench(name: str) -> ModuleType:
    """Import bench/NAME.py; the bench scripts import each other as top-level modules."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


run = _loadBench("run")
harness = _loadBench("harness")

SMOKE = ("plait", "plait-asyncio", "twisted", "twisted-asyncio", "ceiling")
NOT_IN_CI = ("aiohttp", "uvicorn")


def _contender(key: str) -> object:
    return next(c for c in run.CONTENDERS if c.key == key)


def _getWithClose(port: int) -> bytes:
    """One request asking the server to close; everything it sends until it does."""
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_every_contender_is_smoke_tested_or_explained() -> None:
    assert sorted(SMOKE + NOT_IN_CI) == sorted(run.CONTENDER_KEYS)
    assert run.BASELINE in SMOKE
    assert run.CEILING in SMOKE


@pytest.mark.integration
@pytest.mark.parametrize("key", SMOKE)
def test_contender_starts_and_answers(key: str, tmp_path: Path) -> None:
    # running() waits for the port, then probes GET / for a 200 with the hello-world body.
    with run.running(_contender(key), None, tmp_path) as (port, proc):
        answer = _getWithClose(port)
        assert proc.poll() is None
    assert proc.poll() is not None  # stopped by PID on the way out
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert body == run.BODY
    assert b"content-length: %d" % len(run.BODY) in head.lower()


def test_parse_wrk_reads_the_json_line() -> None:
    output = (
        "Running 10s test @ http://127.0.0.1:1/\n  Requests/sec: 999.00\n\n"
        'BENCH-JSON {"requests": 30000, "duration_us": 10000000, "bytes": 1, "p50_us": 1, '
        '"p90_us": 2, "p99_us": 2500, "max_us": 9, "mean_us": 1.5, '
        '"errors": {"connect": 1, "read": 2, "write": 0, "status": 3, "timeout": 0}}\n'
    )
    sample = run.parse_wrk(output)
    assert sample.rps == pytest.approx(3000.0)
    assert sample.p99_ms == pytest.approx(2.5)
    assert sample.errors == 6


def test_parse_wrk_refuses_output_without_the_json_line() -> None:
    with pytest.raises(ValueError, match="BENCH-JSON"):
        run.parse_wrk("Requests/sec: 12.0\n")


@pytest.mark.parametrize(
    ("value", "reference", "expected"),
    [
        (4.0, 1.0, "4.00\N{MULTIPLICATION SIGN}"),
        (6999.0, 10000.0, "0.69\N{MULTIPLICATION SIGN}"),
        (3.999, 1.0, "3.99\N{MULTIPLICATION SIGN}"),
        (0.7, 1.0, "0.70\N{MULTIPLICATION SIGN}"),
        (5.0, 0.0, "n/a"),
    ],
)
def test_floor_ratio_never_rounds_up(value: float, reference: float, expected: str) -> None:
    assert run.floor_ratio(value, reference) == expected


def test_replace_block_replaces_only_its_own_mode() -> None:
    text = "# Results\n\nintro\n"
    once = run.replace_block(text, "quick", "first quick")
    both = run.replace_block(once, "full", "first full")
    again = run.replace_block(both, "quick", "second quick")
    assert again.startswith("# Results\n\nintro\n")
    assert "second quick" in again
    assert "first quick" not in again
    assert "first full" in again
    assert again.count("<!-- bench:hello:quick:start -->") == 1


def test_rotated_starts_each_round_elsewhere() -> None:
    items = list(run.CONTENDERS[:3])
    assert run.rotated(items, 0) == items
    assert run.rotated(items, 1) == [items[1], items[2], items[0]]
    assert run.rotated(items, 3) == items
