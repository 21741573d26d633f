"""Static files: 1 KiB, 1 MiB and 64 MiB, plait against Twisted Web, aiohttp and nginx.

The files are generated (random bytes, once) into bench/_work/static/. Every round starts
each contender afresh, in rotated order, and for each file runs a wrk warm-up and a measured
run; the report gives the medians of requests/s and of wrk's transfer rate (MiB/s, headers
included, as wrk counts it) with ratios to nginx and to Twisted, truncated.

Then plait's memory: one plait process, RSS (VmRSS) sampled while 32 clients download the
1 KiB file, then while 32 clients download the 64 MiB file. Serving a big file must not
cost memory in proportion to its size (32 times 64 MiB would be 2 GiB); the Python
contenders are sampled the same way for comparison.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness import (
    WORK,
    Common,
    Contender,
    Sample,
    display_command,
    ensure_tool,
    facts_lines,
    floor_ratio,
    loadavg,
    machine_facts,
    rotated,
    rss_kib,
    run_wrk,
    running,
    wrk_argv,
)

STATIC_DIR = WORK / "static"
MIB = 2**20


@dataclass(frozen=True)
class StaticFile:
    """One file of the workload and the wrk connections it is fetched with."""

    name: str
    size: int
    label: str
    connections: int


FILES = (
    StaticFile("1k.bin", 1024, "1 KiB file", 64),
    StaticFile("1m.bin", MIB, "1 MiB file", 32),
    StaticFile("64m.bin", 64 * MIB, "64 MiB file", 32),
)
CONTENDERS = (
    Contender(
        "plait",
        "plait (static.File, uvloop, sendfile)",
        "plait_static.py",
        (str(STATIC_DIR),),
        (("PLAIT_LOOP", "uvloop"),),
    ),
    Contender(
        "twisted",
        "Twisted Web (static.File, default reactor)",
        "twisted_static.py",
        (str(STATIC_DIR),),
    ),
    Contender(
        "aiohttp",
        "aiohttp (add_static, stdlib loop, loop.sendfile)",
        "aiohttp_static.py",
        (str(STATIC_DIR),),
    ),
    Contender("nginx", "nginx 1 worker (sendfile on)", "nginx_static.py", (str(STATIC_DIR),)),
)
RSS_CONTENDERS = ("plait", "twisted", "aiohttp")
RSS_CLIENTS = 32
# wrk's default 2 s timeout is shorter than one 64 MiB response takes when 32 share a core.
WRK_TIMEOUT = "60s"


@dataclass
class Memory:
    """RSS of one contender (KiB): idle, and the peak and median under each download."""

    idle: int
    peaks: dict[str, int] = field(default_factory=dict)
    medians: dict[str, int] = field(default_factory=dict)
    rps: dict[str, float] = field(default_factory=dict)


def prepare_files(directory: Path = STATIC_DIR, files: tuple[StaticFile, ...] = FILES) -> None:
    """Create the files of *files* in *directory* (random bytes) unless already there."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)  # nginx's worker runs as nobody
    for item in files:
        path = directory / item.name
        if path.exists() and path.stat().st_size == item.size:
            continue
        with open(path, "wb") as out:
            left = item.size
            while left:
                chunk = min(left, 4 * MIB)
                out.write(os.urandom(chunk))
                left -= chunk
        path.chmod(0o644)


def same_as(path: Path) -> Callable[[bytes], bool]:
    """A probe check: the body is exactly the content of *path*."""
    expected = path.read_bytes()
    return lambda body: body == expected


def static_wrk(wrk: str, common: Common, port: int, item: StaticFile, seconds: int) -> list[str]:
    """The wrk argv fetching *item* for *seconds*."""
    argv = wrk_argv(wrk, common.wrk_cpu, port, seconds, item.connections, path=f"/{item.name}")
    return [*argv[:-1], "--timeout", WRK_TIMEOUT, argv[-1]]


def measure(
    common: Common, wrk: str, logdir: Path, contenders: tuple[Contender, ...]
) -> dict[tuple[str, str], list[Sample]]:
    """Throughput samples: {(contender key, file name): [Sample per round]}."""
    samples: dict[tuple[str, str], list[Sample]] = {}
    check = same_as(STATIC_DIR / FILES[0].name)
    for number in range(common.rounds):
        for contender in rotated(contenders, number):
            with running(contender, common.server_cpu, logdir, f"/{FILES[0].name}", check) as (
                port,
                proc,
            ):
                for item in FILES:
                    if common.warmup:
                        run_wrk(static_wrk(wrk, common, port, item, common.warmup), common.warmup)
                    argv = static_wrk(wrk, common, port, item, common.duration)
                    sample = run_wrk(argv, common.duration)
                    if proc.poll() is not None:
                        raise RuntimeError(f"{contender.key} died serving {item.name}")
                    samples.setdefault((contender.key, item.name), []).append(sample)
                    print(
                        f"static round {number + 1}/{common.rounds} {contender.key:8} "
                        f"{item.name:8} {sample.rps:9.0f} req/s {sample.mib_per_s:9.1f} MiB/s"
                        f"  errors {sample.errors}",
                        flush=True,
                    )
    return samples


def sampled_rss(pid: int, argv: list[str], seconds: int) -> tuple[list[int], Sample]:
    """Run wrk (*argv*) while sampling *pid*'s RSS every 100 ms: the samples and wrk's Sample."""
    found: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            found.append(rss_kib(pid))
            done.wait(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        result = run_wrk(argv, seconds)
    finally:
        done.set()
        thread.join()
    return found, result


def memory(common: Common, wrk: str, logdir: Path, keys: tuple[str, ...]) -> dict[str, Memory]:
    """RSS of each Python contender under 32 downloads of the small file, then the big one."""
    found: dict[str, Memory] = {}
    small, big = FILES[0], FILES[-1]
    check = same_as(STATIC_DIR / small.name)
    for contender in CONTENDERS:
        if contender.key not in keys:
            continue
        with running(contender, common.server_cpu, logdir, f"/{small.name}", check) as (
            port,
            proc,
        ):
            entry = Memory(idle=rss_kib(proc.pid))
            for item in (small, big):
                shape = StaticFile(item.name, item.size, item.label, RSS_CLIENTS)
                rss, sample = sampled_rss(
                    proc.pid,
                    static_wrk(wrk, common, port, shape, common.duration),
                    common.duration,
                )
                entry.peaks[item.name] = max(rss)
                entry.medians[item.name] = int(statistics.median(rss))
                entry.rps[item.name] = sample.rps
                print(
                    f"static rss {contender.key:8} {item.name:8} peak {max(rss) / 1024:7.1f} MiB"
                    f"  ({sample.rps:.0f} req/s, errors {sample.errors})",
                    flush=True,
                )
            found[contender.key] = entry
    return found


def report(
    common: Common,
    facts: dict[str, str],
    samples: dict[tuple[str, str], list[Sample]],
    rss: dict[str, Memory],
    contenders: tuple[Contender, ...],
) -> str:
    """The Markdown block for RESULTS.md."""
    lines = [
        f"### Static files, {common.mode} run — {facts['date']}",
        "",
        *facts_lines(facts),
        f"- Each measurement: `{facts['wrk_command']}` (the file and `-c` vary: "
        + ", ".join(f"{f.name} with {f.connections} connections" for f in FILES)
        + f"; server pinned with `taskset -c {common.server_cpu}`), after a {common.warmup} s "
        f"warm-up; {common.rounds} rounds, contender order rotated each round, each contender "
        "restarted every round. MiB/s is wrk's transfer rate (bytes read, headers included).",
        "",
    ]
    for item in FILES:
        nginx = samples.get(("nginx", item.name), [])
        twisted = samples.get(("twisted", item.name), [])
        nginx_mib = statistics.median(s.mib_per_s for s in nginx) if nginx else 0.0
        twisted_rps = statistics.median(s.rps for s in twisted) if twisted else 0.0
        twisted_mib = statistics.median(s.mib_per_s for s in twisted) if twisted else 0.0
        nginx_rps = statistics.median(s.rps for s in nginx) if nginx else 0.0
        lines += [
            f"**{item.label}** ({item.connections} connections, keep-alive)",
            "",
            "| contender | req/s (median) | MiB/s (median) | p99 ms | vs nginx | vs Twisted "
            "| MiB/s per round | errors |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
        ]
        for contender in contenders:
            got = samples.get((contender.key, item.name), [])
            if not got:
                continue
            rps = statistics.median(s.rps for s in got)
            mib = statistics.median(s.mib_per_s for s in got)
            p99 = statistics.median(s.p99_ms for s in got)
            # The small file is about requests, the big ones about bytes.
            if item is FILES[0]:
                vs_nginx, vs_twisted = floor_ratio(rps, nginx_rps), floor_ratio(rps, twisted_rps)
            else:
                vs_nginx, vs_twisted = floor_ratio(mib, nginx_mib), floor_ratio(mib, twisted_mib)
            per_round = " / ".join(f"{s.mib_per_s:.0f}" for s in got)
            errors = sum(s.errors for s in got)
            lines.append(
                f"| {contender.label} | {rps:.0f} | {mib:.1f} | {p99:.2f} | {vs_nginx} "
                f"| {vs_twisted} | {per_round} | {errors} |"
            )
        lines.append("")
    lines.append(
        "Ratios: req/s for the 1 KiB file, MiB/s for the 1 MiB and 64 MiB files; truncated."
    )
    lines.append("")
    if rss:
        small, big = FILES[0].name, FILES[-1].name
        lines += [
            f"**Memory while {RSS_CLIENTS} clients download** (VmRSS every 100 ms during a "
            f"{common.duration} s wrk run with `-c{RSS_CLIENTS}`, one process, the 1 KiB run "
            "first)",
            "",
            "| contender | idle MiB | 1 KiB: peak MiB | 64 MiB: peak MiB | 64 MiB: median MiB "
            "| peak growth 1 KiB → 64 MiB | 64 MiB req/s |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for key, entry in rss.items():
            label = next(c.label for c in CONTENDERS if c.key == key)
            growth = (entry.peaks[big] - entry.peaks[small]) / 1024
            lines.append(
                f"| {label} | {entry.idle / 1024:.1f} | {entry.peaks[small] / 1024:.1f} "
                f"| {entry.peaks[big] / 1024:.1f} | {entry.medians[big] / 1024:.1f} "
                f"| {growth:+.1f} MiB | {entry.rps[big]:.1f} |"
            )
        lines.append("")
    return "\n".join(lines)


def run(common: Common, wrk: str) -> tuple[str, str]:
    """Run the static workload; its mode and Markdown block."""
    ensure_tool("nginx")
    prepare_files()
    contenders = CONTENDERS
    rounds = common.rounds * len(contenders) * len(FILES)
    minutes = (rounds * (common.duration + common.warmup) + 6 * common.duration) // 60 + 1
    print(f"bench: static, {common.mode} run, {rounds} measured runs, about {minutes} min")
    load_before = loadavg()
    with tempfile.TemporaryDirectory(prefix="plait-bench-") as logdir:
        samples = measure(common, wrk, Path(logdir), contenders)
        rss = memory(common, wrk, Path(logdir), RSS_CONTENDERS)
    facts = machine_facts(wrk, common.argv, load_before)
    facts["wrk_command"] = display_command(
        static_wrk("wrk", common, 0, FILES[-1], common.duration)
    )
    return common.mode, report(common, facts, samples, rss, contenders)
