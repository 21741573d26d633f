"""plait's benchmarks: every workload, or one (``--workload``), against the other servers.

Workloads (each written as its own block in bench/RESULTS.md):

- ``hello``: hello world under wrk, keep-alive and ``Connection: close``, plait against the
  other Python servers and the httptools ceiling (this module);
- ``static``: 1 KiB, 1 MiB and 64 MiB files, plait against Twisted, aiohttp and nginx, and
  plait's RSS while 32 clients download the big file (bench/static_bench.py);
- ``template``: a 100-row table page through ``renderElement``, plait against Twisted and
  Jinja2 on aiohttp (bench/template_bench.py);
- ``connections``: 10,000 concurrent keep-alive connections held by one plait process, with
  memory per connection (bench/load_bench.py);
- ``soak``: a million mixed requests against one plait process, RSS sampled throughout, no
  failed request (bench/load_bench.py).

Each contender (a script in bench/servers/) runs pinned to one core and wrk to the other.
Every round starts each contender afresh, in an order rotated from round to round, and runs
each workload as a warm-up followed by a measured run. Reports give medians over rounds and
ratios truncated, never rounded up.

    python bench/run.py                      # everything, full (about 30 min)
    python bench/run.py --quick              # everything, short (about 6 min)
    python bench/run.py --workload static    # one workload

What the harness needs and does not find it installs: the packages of
bench/requirements.txt into the running interpreter, and wrk and nginx through apt-get when
running as root. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness import (
    BODY,
    JSON_MARK,
    TIMES,
    Common,
    Contender,
    Sample,
    display_command,
    ensure_requirements,
    ensure_wrk,
    facts_lines,
    floor_ratio,
    loadavg,
    machine_facts,
    parse_wrk,
    pinned,
    replace_block,
    rotated,
    run_wrk,
    running,
    write_block,
    wrk_argv,
)

__all__ = [
    "BODY",
    "CONTENDERS",
    "CONTENDER_KEYS",
    "JSON_MARK",
    "TIMES",
    "WORKLOAD_NAMES",
    "Contender",
    "Sample",
    "floor_ratio",
    "main",
    "parse_wrk",
    "pinned",
    "replace_block",
    "rotated",
    "running",
]


@dataclass(frozen=True)
class Workload:
    """A wrk run shape: extra request headers."""

    key: str
    label: str
    headers: tuple[str, ...] = ()


CONTENDERS: tuple[Contender, ...] = (
    Contender(
        "plait", "plait (Resource/Site, uvloop)", "plait_site.py", env=(("PLAIT_LOOP", "uvloop"),)
    ),
    Contender(
        "plait-asyncio",
        "plait (Resource/Site, stdlib loop)",
        "plait_site.py",
        env=(("PLAIT_LOOP", "asyncio"),),
    ),
    Contender("twisted", "Twisted Web (default reactor)", "twisted_site.py"),
    Contender(
        "twisted-asyncio", "Twisted Web (asyncio reactor)", "twisted_site.py", ("--asyncio",)
    ),
    Contender("aiohttp", "aiohttp (uvloop)", "aiohttp_app.py"),
    Contender("uvicorn", "uvicorn + raw ASGI (httptools, uvloop)", "uvicorn_asgi.py"),
    Contender("ceiling", "asyncio + httptools protocol (uvloop)", "httptools_ceiling.py"),
)
CONTENDER_KEYS = tuple(c.key for c in CONTENDERS)
BASELINE = "twisted"
CEILING = "ceiling"

WORKLOADS: tuple[Workload, ...] = (
    Workload("keepalive", "hello world, keep-alive"),
    Workload("close", "hello world, Connection: close", ("Connection: close",)),
)


@dataclass
class Settings:
    """The shape of a run."""

    mode: str
    rounds: int
    duration: int
    warmup: int
    connections: int
    server_cpu: str | None
    wrk_cpu: str | None
    contenders: tuple[Contender, ...]
    workloads: tuple[Workload, ...]
    samples: dict[tuple[str, str], list[Sample]] = field(default_factory=dict)


# -- hello world ----------------------------------------------------------------------------


def wrk_command(
    wrk: str, settings: Settings, workload: Workload, port: int, seconds: int
) -> list[str]:
    """The wrk argv for one run of *workload* against *port*."""
    return wrk_argv(
        wrk, settings.wrk_cpu, port, seconds, settings.connections, headers=workload.headers
    )


def run_rounds(settings: Settings, wrk: str, logdir: Path) -> None:
    """Measure every contender on every workload, *settings.rounds* times, interleaved."""
    for number in range(settings.rounds):
        for contender in rotated(settings.contenders, number):
            with running(contender, settings.server_cpu, logdir) as (port, proc):
                for workload in settings.workloads:
                    if settings.warmup:
                        run_wrk(
                            wrk_command(wrk, settings, workload, port, settings.warmup),
                            settings.warmup,
                        )
                    argv = wrk_command(wrk, settings, workload, port, settings.duration)
                    sample = run_wrk(argv, settings.duration)
                    if proc.poll() is not None:
                        raise RuntimeError(f"{contender.key} died during the {workload.key} run")
                    settings.samples.setdefault((contender.key, workload.key), []).append(sample)
                    print(
                        f"round {number + 1}/{settings.rounds} {contender.key:16} "
                        f"{workload.key:10} {sample.rps:10.0f} req/s  p99 {sample.p99_ms:7.2f} ms"
                        f"  errors {sample.errors}",
                        flush=True,
                    )


def report(settings: Settings, facts: dict[str, str]) -> str:
    """The Markdown block for RESULTS.md."""
    lines = [
        f"### Hello world, {settings.mode} run — {facts['date']}",
        "",
        *facts_lines(facts),
        f"- Each measurement: `{facts['wrk_command']}` (server pinned with "
        f"`taskset -c {settings.server_cpu}`), after a {settings.warmup} s warm-up with the "
        f"same command; {settings.rounds} rounds, contender order rotated each round, each "
        "contender restarted every round.",
        "",
    ]
    for workload in settings.workloads:
        base = settings.samples.get((BASELINE, workload.key))
        ceiling = settings.samples.get((CEILING, workload.key))
        base_rps = statistics.median(s.rps for s in base) if base else 0.0
        ceiling_rps = statistics.median(s.rps for s in ceiling) if ceiling else 0.0
        lines += [
            f"**{workload.label}** ({settings.connections} connections)",
            "",
            "| contender | req/s (median) | p99 ms (median) | vs Twisted | vs ceiling "
            "| req/s per round | errors |",
            "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
        ]
        for contender in settings.contenders:
            samples = settings.samples.get((contender.key, workload.key), [])
            if not samples:
                continue
            rps = statistics.median(s.rps for s in samples)
            p99 = statistics.median(s.p99_ms for s in samples)
            per_round = " / ".join(f"{s.rps:.0f}" for s in samples)
            errors = sum(s.errors for s in samples)
            lines.append(
                f"| {contender.label} | {rps:.0f} | {p99:.2f} | {floor_ratio(rps, base_rps)} "
                f"| {floor_ratio(rps, ceiling_rps)} | {per_round} | {errors} |"
            )
        lines.append("")
    return "\n".join(lines)


# -- main ----------------------------------------------------------------------------------------


WORKLOAD_NAMES = ("hello", "static", "template", "connections", "soak")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--workload",
        choices=(*WORKLOAD_NAMES, "all"),
        default="all",
        help="run one workload (default: all of them, in this order: "
        + ", ".join(WORKLOAD_NAMES)
        + ")",
    )
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--rounds", type=int, help="rounds (default 3, quick 2)")
    parser.add_argument(
        "--duration", type=int, help="seconds per measured run (default 10, quick 3)"
    )
    parser.add_argument(
        "--warmup", type=int, help="seconds of warm-up per run (default 2, quick 1)"
    )
    parser.add_argument(
        "--connections", type=int, default=64, help="wrk connections for hello (default 64)"
    )
    parser.add_argument(
        "--contenders",
        default=",".join(CONTENDER_KEYS),
        help="hello: comma-separated subset of " + ", ".join(CONTENDER_KEYS),
    )
    parser.add_argument(
        "--workloads", default="keepalive,close", help="hello: keepalive, close or both"
    )
    parser.add_argument("--server-cpu", default="0", help="core for the server (default 0)")
    parser.add_argument("--wrk-cpu", default="1", help="core for wrk (default 1)")
    parser.add_argument(
        "--soak-requests",
        type=int,
        help="soak: requests to send (default 1,000,000, quick 100,000)",
    )
    parser.add_argument(
        "--held-connections",
        type=int,
        help="connections: keep-alive connections to hold (default 10,000)",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the tables, leave RESULTS.md alone"
    )
    return parser.parse_args(argv)


def common_from(args: argparse.Namespace, argv: Sequence[str]) -> Common:
    """The settings every workload shares, from the parsed command line."""
    quick = bool(args.quick)
    custom = any(v is not None for v in (args.rounds, args.duration, args.warmup))
    pin = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    return Common(
        mode="custom" if custom else ("quick" if quick else "full"),
        quick=quick,
        rounds=args.rounds or (2 if quick else 3),
        duration=args.duration or (3 if quick else 10),
        warmup=args.warmup if args.warmup is not None else (1 if quick else 2),
        server_cpu=args.server_cpu if pin else None,
        wrk_cpu=args.wrk_cpu if pin else None,
        argv=tuple(argv),
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """The hello-world settings from the parsed command line."""
    common = common_from(args, ())
    wanted = [k.strip() for k in args.contenders.split(",") if k.strip()]
    unknown = set(wanted) - set(CONTENDER_KEYS)
    if unknown:
        raise SystemExit(f"bench: unknown contenders: {', '.join(sorted(unknown))}")
    kinds = [k.strip() for k in args.workloads.split(",") if k.strip()]
    workloads = tuple(w for w in WORKLOADS if w.key in kinds)
    if not workloads:
        raise SystemExit("bench: no workload selected")
    all_chosen = wanted == list(CONTENDER_KEYS) and len(workloads) == len(WORKLOADS)
    mode = common.mode
    if not all_chosen or args.connections != 64:
        mode = "custom"
    return Settings(
        mode=mode,
        rounds=common.rounds,
        duration=common.duration,
        warmup=common.warmup,
        connections=args.connections,
        server_cpu=common.server_cpu,
        wrk_cpu=common.wrk_cpu,
        contenders=tuple(c for c in CONTENDERS if c.key in wanted),
        workloads=workloads,
    )


def run_hello(args: argparse.Namespace, argv: Sequence[str], wrk: str) -> None:
    """The hello-world workloads: run, print, and write their block."""
    settings = settings_from(args)
    runs = settings.rounds * len(settings.contenders) * len(settings.workloads)
    estimate = (
        runs * (settings.duration + settings.warmup)
        + settings.rounds * len(settings.contenders) * 2
    )
    print(
        f"bench: hello, {settings.mode} run, {runs} measured runs, about {estimate // 60 + 1} min",
        flush=True,
    )
    load_before = loadavg()
    with tempfile.TemporaryDirectory(prefix="plait-bench-") as logdir:
        run_rounds(settings, wrk, Path(logdir))
    facts = machine_facts(wrk, argv, load_before)
    sample_cmd = wrk_command("wrk", settings, settings.workloads[-1], 0, settings.duration)
    facts["wrk_command"] = display_command(sample_cmd)
    block = report(settings, facts)
    print()
    print(block)
    if not args.no_write:
        write_block(settings.mode, block, "hello")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen workloads and write their reports."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    common = common_from(args, argv)
    chosen = WORKLOAD_NAMES if args.workload == "all" else (args.workload,)
    ensure_requirements()
    wrk = ensure_wrk()
    if common.server_cpu is None:
        print("bench: fewer than 2 CPUs or no taskset: server and wrk are NOT pinned", flush=True)
    for name in chosen:
        if name == "hello":
            run_hello(args, argv, wrk)
            continue
        if name == "static":
            import static_bench

            mode, block = static_bench.run(common, wrk)
        elif name == "template":
            import template_bench

            mode, block = template_bench.run(common, wrk)
        elif name == "connections":
            import load_bench

            mode, block = load_bench.run_connections(common, wrk, args.held_connections)
        else:
            import load_bench

            mode, block = load_bench.run_soak(common, wrk, args.soak_requests)
        print()
        print(block)
        if not args.no_write:
            write_block(mode, block, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
