"""Load and soak against one plait process (bench/servers/plait_mixed.py, uvloop).

- ``connections``: a separate client process (bench/hold_client.py) opens 10,000 keep-alive
  connections, gets one answer on each and holds them all; the server's RSS and open
  descriptors are read before and while they are held, a second request is sent on every
  connection, then they are closed. Memory per connection is the RSS growth divided by the
  connections held.
- ``soak``: a million requests of mixed kinds (hello, a small POST form, a 404, a 1 KiB
  static file, the 100-row template page; a third of them with ``Connection: close``) from
  wrk with bench/soak_mix.lua, in consecutive 30 s runs against the same process until the
  count is reached, RSS sampled every second throughout. Every answer is classified by
  status and body length: anything but the expected kinds is a failure, and wrk's
  non-2xx/3xx count must equal the 404s asked for.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import (
    BENCH,
    Common,
    Contender,
    display_command,
    facts_lines,
    loadavg,
    machine_facts,
    pinned,
    rss_kib,
    run_wrk,
    running,
    wrk_argv,
)
from static_bench import FILES, STATIC_DIR, prepare_files

MIXED = Contender(
    "plait",
    "plait (plait_mixed.py, uvloop)",
    "plait_mixed.py",
    (str(STATIC_DIR),),
    (("PLAIT_LOOP", "uvloop"),),
)
HELD = 10_000
SOAK_REQUESTS = 1_000_000
SOAK_CONNECTIONS = 64
SOAK_CHUNK = 30
SOAK_LIMIT_S = 1200  # the soak gives up (and says so) past 20 minutes
SOAK_SCRIPT = BENCH / "soak_mix.lua"
DRIFT_BOUND_MIB = 5.0
SOAK_MARK = "SOAK-JSON "
KINDS = ("hello", "form", "notfound", "static", "page")


def open_fds(pid: int) -> int:
    """How many descriptors process *pid* has open."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def mib(kib: float) -> str:
    """*kib* KiB shown in MiB."""
    return f"{kib / 1024:.1f}"


# -- connections ---------------------------------------------------------------------------------


def settle(pid: int, fds: int, timeout: float = 30.0) -> None:
    """Wait (polling, at most *timeout* s) until process *pid* has at most *fds* + 2 open."""
    deadline = time.monotonic() + timeout
    while open_fds(pid) > fds + 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # another process's descriptors: nothing to wait on but polling


def expect_line(proc: subprocess.Popen[str], word: str) -> list[str]:
    """The next line of the client, which must start with *word*; its fields after it."""
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != word:
        raise RuntimeError(f"hold_client said {line!r}, expected {word}")
    return line[1:]


def tell(proc: subprocess.Popen[str], word: str) -> None:
    """Send *word* as a line to the client."""
    assert proc.stdin is not None
    proc.stdin.write(word + "\n")
    proc.stdin.flush()


def hold(common: Common, wrk: str, count: int, logdir: Path) -> dict[str, str]:
    """Hold *count* connections on one plait process; the figures, as display strings."""
    found: dict[str, str] = {}
    with running(MIXED, common.server_cpu, logdir) as (port, proc):
        # Warm the code paths first, so the baseline is a server that has served, and let
        # the warm-up's connections close (the server sees them go on its own schedule).
        fds_idle = open_fds(proc.pid)
        run_wrk(wrk_argv(wrk, common.wrk_cpu, port, 2, 64), 2)
        settle(proc.pid, fds_idle)
        before, fds_before = rss_kib(proc.pid), open_fds(proc.pid)
        argv = pinned(common.wrk_cpu, [sys.executable, str(BENCH / "hold_client.py")])
        client = subprocess.Popen(
            [*argv, str(port), str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            ok, failed, seconds = expect_line(client, "HELD")
            held, fds_held = rss_kib(proc.pid), open_fds(proc.pid)
            tell(client, "again")
            again_ok, again_failed, again_seconds = expect_line(client, "AGAIN")
            after_again = rss_kib(proc.pid)
            tell(client, "close")
            expect_line(client, "CLOSED")
            client.wait(timeout=60)
        finally:
            if client.poll() is None:
                client.kill()
                client.wait()
        settle(proc.pid, fds_before)
        after_close, fds_after = rss_kib(proc.pid), open_fds(proc.pid)
        alive = proc.poll() is None
        if alive:
            run_wrk(wrk_argv(wrk, common.wrk_cpu, port, 1, 8), 1)  # still serving
    held_count = int(ok)
    found.update(
        requested=str(count),
        held=ok,
        failed=failed,
        open_s=seconds,
        fds_before=str(fds_before),
        fds_held=str(fds_held),
        fds_after=str(fds_after),
        rss_before=mib(before),
        rss_held=mib(held),
        rss_again=mib(after_again),
        rss_after=mib(after_close),
        per_conn=f"{(held - before) / held_count:.1f}" if held_count else "n/a",
        per_conn_again=f"{(after_again - before) / held_count:.1f}" if held_count else "n/a",
        again_ok=again_ok,
        again_failed=again_failed,
        again_s=again_seconds,
        alive="yes" if alive else "NO",
    )
    return found


def run_connections(common: Common, wrk: str, count: int | None) -> tuple[str, str]:
    """The ``connections`` workload; its mode and Markdown block."""
    prepare_files(files=FILES[:1])
    mode = "custom" if count not in (None, HELD) else ("quick" if common.quick else "full")
    count = count or HELD
    print(f"bench: connections, {mode} run: {count} keep-alive connections, about 1 min")
    load_before = loadavg()
    with tempfile.TemporaryDirectory(prefix="plait-bench-") as logdir:
        got = hold(common, wrk, count, Path(logdir))
    print(json.dumps(got), flush=True)
    facts = machine_facts(wrk, common.argv, load_before)
    lines = [
        f"### {count:,} concurrent keep-alive connections, {mode} run — {facts['date']}",
        "",
        *facts_lines(facts),
        f"- One plait process (`bench/servers/plait_mixed.py`, pinned with `taskset -c "
        f"{common.server_cpu}`, soft fd limit raised to the hard limit), warmed with 2 s of "
        f"wrk; the client is `bench/hold_client.py PORT {count}` (uvloop, at most 256 "
        f"connects in flight, pinned with `taskset -c {common.wrk_cpu}`): it opens every "
        "connection, sends `GET /` and reads the 200 on each, and holds them; then a second "
        "request on every connection; then closes them all. RSS is VmRSS.",
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| connections asked for / answered and held / failed | {got['requested']} / "
        f"{got['held']} / {got['failed']} |",
        f"| time to open them and get the first answers | {got['open_s']} s |",
        f"| server's open descriptors: before / while held / after close | "
        f"{got['fds_before']} / {got['fds_held']} / {got['fds_after']} |",
        f"| server RSS before (warm, idle) | {got['rss_before']} MiB |",
        f"| server RSS with all connections held | {got['rss_held']} MiB |",
        f"| **memory per held connection** | **{got['per_conn']} KiB** |",
        f"| second request on every held connection: answered / failed | {got['again_ok']} / "
        f"{got['again_failed']} (in {got['again_s']} s) |",
        f"| server RSS after the second round / per connection | {got['rss_again']} MiB / "
        f"{got['per_conn_again']} KiB |",
        f"| server RSS after the client closed them all | {got['rss_after']} MiB |",
        f"| server still answering afterwards | {got['alive']} |",
        "",
    ]
    return mode, "\n".join(lines)


# -- soak ----------------------------------------------------------------------------------------


@dataclass
class Soak:
    """What the soak's wrk runs added up to, and the RSS samples (seconds, KiB)."""

    requests: int = 0
    duration_s: float = 0.0
    runs: int = 0
    closes: int = 0
    sent: dict[str, int] = field(default_factory=dict)
    got: dict[str, int] = field(default_factory=dict)
    socket_errors: int = 0
    status_errors: int = 0
    p99_ms: list[float] = field(default_factory=list)
    first_unknown: str = ""
    rss: list[tuple[float, int]] = field(default_factory=list)
    warm_at: float = 0.0


def body_lengths(port: int) -> list[int]:
    """The body length of each kind's answer, in soak_mix.lua's argument order."""
    sizes = []
    for method, path, body in (
        ("GET", "/", None),
        ("POST", "/form", "name=plait&count=3"),
        ("GET", "/missing", None),
        ("GET", f"/static/{FILES[0].name}", None),
        ("GET", "/page", None),
    ):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        try:
            conn.request(method, path, body=body, headers=headers)
            sizes.append(len(conn.getresponse().read()))
        finally:
            conn.close()
    if len(set(sizes)) != len(sizes):
        raise RuntimeError(f"two kinds of answer have the same length: {sizes}")
    return sizes


def soak_wrk(wrk: str, common: Common, port: int, seconds: int, sizes: list[int]) -> list[str]:
    """The wrk argv for one soak run."""
    argv = wrk_argv(wrk, common.wrk_cpu, port, seconds, SOAK_CONNECTIONS, script=SOAK_SCRIPT)
    return [*argv[:-1], "--timeout", "10s", argv[-1], "--", *map(str, sizes)]


def add_run(soak: Soak, output: str) -> None:
    """Add one wrk run's SOAK-JSON line to *soak*."""
    line = next((x for x in output.splitlines() if x.startswith(SOAK_MARK)), None)
    if line is None:
        raise ValueError("no SOAK-JSON line in wrk's output:\n" + output)
    data = json.loads(line[len(SOAK_MARK) :])
    soak.runs += 1
    soak.requests += data["requests"]
    soak.duration_s += data["duration_us"] / 1e6
    soak.closes += data["closes_sent"]
    for kind, n in data["sent"].items():
        soak.sent[kind] = soak.sent.get(kind, 0) + n
    for kind, n in data["got"].items():
        soak.got[kind] = soak.got.get(kind, 0) + n
    errors = data["errors"]
    soak.status_errors += errors["status"]
    soak.socket_errors += sum(v for k, v in errors.items() if k != "status")
    soak.p99_ms.append(data["p99_us"] / 1000)
    if data["first_unknown"] and not soak.first_unknown:
        soak.first_unknown = data["first_unknown"]


def soak_run(common: Common, wrk: str, target: int, chunk: int, logdir: Path) -> Soak:
    """Mixed requests against one plait process until *target* answers, RSS sampled."""
    soak = Soak()
    with running(MIXED, common.server_cpu, logdir) as (port, proc):
        sizes = body_lengths(port)
        stop = threading.Event()
        start = time.monotonic()

        def sample() -> None:
            while not stop.is_set():
                soak.rss.append((time.monotonic() - start, rss_kib(proc.pid)))
                stop.wait(1.0)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            while soak.requests < target and time.monotonic() - start < SOAK_LIMIT_S:
                argv = soak_wrk(wrk, common, port, chunk, sizes)
                done = subprocess.run(
                    argv, capture_output=True, text=True, timeout=chunk + 60, check=True
                )
                add_run(soak, done.stdout)
                if soak.runs == 1:
                    soak.warm_at = time.monotonic() - start
                if proc.poll() is not None:
                    raise RuntimeError("plait died during the soak")
                print(
                    f"soak run {soak.runs}: {soak.requests:,} requests, "
                    f"{soak.requests / soak.duration_s:.0f} req/s, "
                    f"RSS {mib(soak.rss[-1][1])} MiB, unknown {soak.got.get('unknown', 0)}, "
                    f"socket errors {soak.socket_errors}",
                    flush=True,
                )
        finally:
            stop.set()
            sampler.join()
    return soak


def soak_report(common: Common, facts: dict[str, str], soak: Soak, target: int, mode: str) -> str:
    """The Markdown block for RESULTS.md."""
    rss = [kib for _, kib in soak.rss]
    warm = [kib for t, kib in soak.rss if t >= soak.warm_at] or rss
    warm_start = statistics.median(warm[:5])
    end = statistics.median(warm[-5:])
    drift = (end - warm_start) / 1024
    unknown = soak.got.get("unknown", 0)
    notfound = soak.got.get("notfound", 0)
    failed = unknown + soak.socket_errors + abs(soak.status_errors - notfound)
    flat = abs(drift) <= DRIFT_BOUND_MIB
    marks = [soak.rss[min(len(soak.rss) - 1, len(soak.rss) * i // 10)] for i in range(11)]
    lines = [
        f"### Soak: {soak.requests:,} mixed requests, {mode} run — {facts['date']}",
        "",
        *facts_lines(facts),
        f"- One plait process (`bench/servers/plait_mixed.py`, pinned with `taskset -c "
        f"{common.server_cpu}`); {soak.runs} consecutive runs of `{facts['wrk_command']}` "
        f"against it until {target:,} answers, RSS (VmRSS) sampled every second. The mix "
        "(`bench/soak_mix.lua`, a cycle of 20): 8 hello, 3 POST form, 2 404, 4 static 1 KiB, "
        "3 template page; 6 of the 20 with `Connection: close`.",
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| answers / time in wrk / rate | {soak.requests:,} / {soak.duration_s:.0f} s / "
        f"{soak.requests / soak.duration_s:.0f} req/s |",
        "| answers by kind: "
        + ", ".join(KINDS)
        + " | "
        + " / ".join(f"{soak.got.get(k, 0):,}" for k in KINDS)
        + " |",
        "| requests sent by kind (in flight when a run ended are sent, not answered) | "
        + " / ".join(f"{soak.sent.get(k, 0):,}" for k in KINDS)
        + " |",
        f"| requests sent with `Connection: close` | {soak.closes:,} |",
        f"| answers of no expected kind (wrong status or size) | {unknown} "
        + (f"(first: `{soak.first_unknown}`)" if soak.first_unknown else "")
        + " |",
        f"| wrk socket errors (connect, read, write, timeout) | {soak.socket_errors} |",
        f"| wrk non-2xx/3xx / 404s asked for and answered | {soak.status_errors:,} / "
        f"{notfound:,} |",
        f"| **failed requests** | **{failed}** |",
        f"| p99 latency per run, median | {statistics.median(soak.p99_ms):.2f} ms |",
        f"| RSS min / max over the whole soak | {mib(min(rss))} / {mib(max(rss))} MiB |",
        f"| RSS after the first run (warm) → at the end (medians of 5 samples) | "
        f"{mib(warm_start)} → {mib(end)} MiB |",
        f"| **drift** (bound: ±{DRIFT_BOUND_MIB:.0f} MiB) | **{drift:+.1f} MiB, "
        + ("within" if flat else "OUTSIDE")
        + " the bound** |",
        "| RSS at each tenth of the soak (s: MiB) | "
        + ", ".join(f"{t:.0f}: {mib(k)}" for t, k in marks)
        + " |",
        "",
    ]
    return "\n".join(lines)


def run_soak(common: Common, wrk: str, requests: int | None) -> tuple[str, str]:
    """The ``soak`` workload; its mode and Markdown block."""
    prepare_files(files=FILES[:1])
    default = 100_000 if common.quick else SOAK_REQUESTS
    mode = "custom" if requests not in (None, default) else ("quick" if common.quick else "full")
    target = requests or default
    chunk = 10 if common.quick else SOAK_CHUNK
    print(f"bench: soak, {mode} run: {target:,} requests in {chunk} s runs (at most 20 min)")
    load_before = loadavg()
    with tempfile.TemporaryDirectory(prefix="plait-bench-") as logdir:
        soak = soak_run(common, wrk, target, chunk, Path(logdir))
    facts = machine_facts(wrk, common.argv, load_before)
    facts["wrk_command"] = display_command(soak_wrk("wrk", common, 0, chunk, [0] * 5)).replace(
        "-- 0 0 0 0 0", "-- LENGTHS"
    )
    return mode, soak_report(common, facts, soak, target, mode)
