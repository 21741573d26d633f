"""The benchmark harness: each contender script starts and answers, and the report is right.

aiohttp, uvicorn and jinja2 are bench-only packages (bench/requirements.txt, not the dev
extra) and nginx a system package, so the scripts needing them are not started here;
bench/run.py probes every contender before loading it.
"""

from __future__ import annotations

import dataclasses
import http.client
import importlib
import json
import socket
import subprocess
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


# -- the static, template, connections and soak workloads ----------------------------------------

static_bench = _loadBench("static_bench")
template_bench = _loadBench("template_bench")
load_bench = _loadBench("load_bench")

STATIC_SMOKE = ("plait", "twisted")
STATIC_NOT_IN_CI = ("aiohttp", "nginx")  # bench-only package; a system server
TEMPLATE_SMOKE = ("plait", "twisted")
TEMPLATE_NOT_IN_CI = ("jinja2",)  # aiohttp + jinja2 are bench-only packages
SMALL = static_bench.StaticFile("1k.bin", 1024, "1 KiB file", 4)


def _get(port: int, path: str) -> bytes:
    """The body of a 200 answer to GET *path* on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status == 200
    return body


def _inDir(contender: object, directory: Path) -> object:
    """*contender* serving *directory* instead of bench/_work/static."""
    return dataclasses.replace(contender, args=(str(directory),))  # type: ignore[type-var]


def test_every_new_contender_is_smoke_tested_or_explained() -> None:
    static_keys = [c.key for c in static_bench.CONTENDERS]
    template_keys = [c.key for c in template_bench.CONTENDERS]
    assert sorted(STATIC_SMOKE + STATIC_NOT_IN_CI) == sorted(static_keys)
    assert sorted(TEMPLATE_SMOKE + TEMPLATE_NOT_IN_CI) == sorted(template_keys)


def test_prepare_files_writes_each_size_once(tmp_path: Path) -> None:
    static_bench.prepare_files(tmp_path, (SMALL,))
    path = tmp_path / "1k.bin"
    first = path.read_bytes()
    assert len(first) == 1024
    static_bench.prepare_files(tmp_path, (SMALL,))
    assert path.read_bytes() == first  # an existing file of the right size is kept


@pytest.mark.integration
@pytest.mark.parametrize("key", STATIC_SMOKE)
def test_static_contender_serves_the_file(key: str, tmp_path: Path) -> None:
    static_bench.prepare_files(tmp_path, (SMALL,))
    contender = _inDir(next(c for c in static_bench.CONTENDERS if c.key == key), tmp_path)
    check = static_bench.same_as(tmp_path / "1k.bin")
    with harness.running(contender, None, tmp_path, "/1k.bin", check) as (port, proc):
        assert _get(port, "/1k.bin") == (tmp_path / "1k.bin").read_bytes()
    assert proc.poll() is not None


@pytest.mark.integration
def test_template_contenders_render_the_same_page(tmp_path: Path) -> None:
    bodies = {}
    check = template_bench.page_check()
    for contender in template_bench.CONTENDERS:
        if contender.key not in TEMPLATE_SMOKE:
            continue
        with harness.running(contender, None, tmp_path, "/", check) as (port, proc):
            bodies[contender.key] = _get(port, "/")
        assert proc.poll() is not None
    assert check(bodies["plait"])
    assert bodies["plait"] == bodies["twisted"]  # the same template gives the same bytes


def test_page_check_refuses_unescaped_or_short_pages() -> None:
    page = template_bench.page_module()
    good = (
        b"<tr><th>#</th></tr>"
        + b"<tr><td>&lt;O'Brien &amp; Sons&gt;</td><td>mailto:user100@example.com</td></tr>"
        * page.ROW_COUNT
    )
    assert page.looks_right(good)
    assert not page.looks_right(good.replace(b"&lt;O'", b"<O'", 1))
    assert not page.looks_right(good[: good.rindex(b"<tr>")])


@pytest.mark.integration
def test_mixed_site_answers_every_kind_with_a_distinct_length(tmp_path: Path) -> None:
    static_bench.prepare_files(tmp_path, (SMALL,))
    with harness.running(_inDir(load_bench.MIXED, tmp_path), None, tmp_path) as (port, proc):
        sizes = load_bench.body_lengths(port)
    assert proc.poll() is not None
    assert sizes[0] == len(harness.BODY)
    assert sizes[3] == 1024
    assert len(set(sizes)) == 5


@pytest.mark.integration
def test_hold_client_holds_and_reuses_connections(tmp_path: Path) -> None:
    static_bench.prepare_files(tmp_path, (SMALL,))
    with harness.running(_inDir(load_bench.MIXED, tmp_path), None, tmp_path) as (port, proc):
        client = subprocess.Popen(
            [sys.executable, str(BENCH / "hold_client.py"), str(port), "40"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            held = load_bench.expect_line(client, "HELD")
            assert held[:2] == ["40", "0"]
            assert load_bench.open_fds(proc.pid) >= 40
            load_bench.tell(client, "again")
            assert load_bench.expect_line(client, "AGAIN")[:2] == ["40", "0"]
            load_bench.tell(client, "close")
            load_bench.expect_line(client, "CLOSED")
            assert client.wait(timeout=30) == 0
        finally:
            if client.poll() is None:
                client.kill()
                client.wait()
            for stream in (client.stdin, client.stdout):
                if stream is not None:
                    stream.close()


def _soakLine(unknown: int = 0, status: int = 10, timeout: int = 0) -> str:
    got = {"hello": 40, "form": 15, "notfound": 10, "static": 20, "page": 15, "unknown": unknown}
    sent = dict(got, hello=41)
    errors = {"connect": 0, "read": 0, "write": 0, "status": status, "timeout": timeout}
    data = {
        "requests": 100 + unknown,
        "duration_us": 2_000_000,
        "bytes": 1,
        "p50_us": 1,
        "p99_us": 1500,
        "max_us": 2,
        "closes_sent": 30,
        "sent": sent,
        "got": got,
        "first_unknown": "500 oops" if unknown else "",
        "errors": errors,
    }
    return "Running...\n\n" + load_bench.SOAK_MARK + json.dumps(data) + "\n"


def _soakCommon() -> object:
    return harness.Common("custom", False, 1, 1, 0, "0", "1")


def test_soak_adds_runs_and_reports_no_failure_when_clean() -> None:
    soak = load_bench.Soak(rss=[(0.0, 30000), (1.0, 31000), (2.0, 31000)], warm_at=1.0)
    load_bench.add_run(soak, _soakLine())
    load_bench.add_run(soak, _soakLine())
    assert soak.requests == 200
    assert soak.got["notfound"] == 20
    assert soak.sent["hello"] == 82
    facts = dict.fromkeys(("date", "nproc", "cpu", "kernel", "python", "versions"), "x")
    facts.update(wrk="wrk", commit="c", command="cmd", load_before="0", load_after="0")
    facts["wrk_command"] = "wrk ..."
    text = load_bench.soak_report(_soakCommon(), facts, soak, 200, "custom")
    assert "| **failed requests** | **0** |" in text
    assert "+0.0 MiB, within the bound" in text


@pytest.mark.parametrize(
    ("line", "failed"),
    [
        (_soakLine(unknown=3, status=13), 6),  # 3 unknown answers, 3 unexpected non-2xx
        (_soakLine(timeout=2), 2),
        (_soakLine(status=9), 1),  # non-2xx and 404 counts disagree: a failure either way
    ],
)
def test_soak_report_counts_every_failure(line: str, failed: int) -> None:
    soak = load_bench.Soak(rss=[(0.0, 30000), (1.0, 30000)], warm_at=0.0)
    load_bench.add_run(soak, line)
    facts = dict.fromkeys(("date", "nproc", "cpu", "kernel", "python", "versions"), "x")
    facts.update(wrk="wrk", commit="c", command="cmd", load_before="0", load_after="0")
    facts["wrk_command"] = "wrk ..."
    text = load_bench.soak_report(_soakCommon(), facts, soak, 100, "custom")
    assert f"| **failed requests** | **{failed}** |" in text


def test_soak_report_flags_drift_beyond_the_bound() -> None:
    rss = [(float(t), 30000 + (t * 1024 if t > 5 else 0)) for t in range(20)]
    soak = load_bench.Soak(rss=rss, warm_at=0.0)
    load_bench.add_run(soak, _soakLine())
    facts = dict.fromkeys(("date", "nproc", "cpu", "kernel", "python", "versions"), "x")
    facts.update(wrk="wrk", commit="c", command="cmd", load_before="0", load_after="0")
    facts["wrk_command"] = "wrk ..."
    text = load_bench.soak_report(_soakCommon(), facts, soak, 100, "custom")
    assert "OUTSIDE the bound" in text


def test_parse_wrk_gives_the_transfer_rate() -> None:
    output = (
        'BENCH-JSON {"requests": 10, "duration_us": 2000000, "bytes": 4194304, "p50_us": 1, '
        '"p90_us": 2, "p99_us": 3, "max_us": 9, "mean_us": 1.5, '
        '"errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}}\n'
    )
    sample = harness.parse_wrk(output)
    assert sample.mib_per_s == pytest.approx(2.0)
    assert sample.requests == 10


def test_blocks_of_different_workloads_are_independent() -> None:
    text = harness.replace_block("# R\n", "full", "hello figures")
    text = harness.replace_block(text, "full", "static figures", "static")
    text = harness.replace_block(text, "full", "new static", "static")
    assert "hello figures" in text
    assert "new static" in text
    assert "static figures" not in text
    assert text.count("<!-- bench:static:full:start -->") == 1


def test_workload_flag_selects_one_workload() -> None:
    assert run.parse_args(["--workload", "static"]).workload == "static"
    assert run.parse_args([]).workload == "all"
    with pytest.raises(SystemExit):
        run.parse_args(["--workload", "nope"])
