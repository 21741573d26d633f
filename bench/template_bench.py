"""Templates: a 100-row table page, plait against Twisted Web and Jinja2 on aiohttp.

plait and Twisted run the same script (bench/servers/template_site.py, the import prefix
chosen by a flag): an ``Element`` loaded from an XML template whose ``rows`` renderer
clones the row tag and fills its slots, written by ``renderElement``. They produce the same
bytes. Jinja2 renders the equivalent template (autoescaping on) inside an aiohttp handler,
as a reference. wrk, keep-alive, 64 connections; medians over interleaved rounds.
"""

from __future__ import annotations

import importlib.util
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from harness import (
    SERVERS,
    Common,
    Contender,
    Sample,
    display_command,
    facts_lines,
    floor_ratio,
    loadavg,
    machine_facts,
    rotated,
    run_wrk,
    running,
    wrk_argv,
)

CONNECTIONS = 64
# A page takes milliseconds: a 2 s timeout (wrk's default) would count slow answers as lost.
WRK_TIMEOUT = "10s"
CONTENDERS = (
    Contender(
        "plait",
        "plait (plait.web.template, renderElement, uvloop)",
        "template_site.py",
        env=(("PLAIT_LOOP", "uvloop"),),
    ),
    Contender(
        "twisted",
        "Twisted Web (twisted.web.template, renderElement, default reactor)",
        "template_site.py",
        ("--twisted",),
    ),
    Contender("jinja2", "Jinja2 in an aiohttp handler (uvloop)", "aiohttp_jinja.py"),
)


def page_module() -> ModuleType:
    """bench/servers/_page.py, the page's data and templates."""
    spec = importlib.util.spec_from_file_location("plait_bench_page", SERVERS / "_page.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page_check() -> Callable[[bytes], bool]:
    """The probe check: the body is the whole page, escaped."""
    check: Callable[[bytes], bool] = page_module().looks_right
    return check


def template_wrk(wrk: str, common: Common, port: int, seconds: int) -> list[str]:
    """The wrk argv fetching the page for *seconds*, with the longer timeout."""
    argv = wrk_argv(wrk, common.wrk_cpu, port, seconds, CONNECTIONS)
    return [*argv[:-1], "--timeout", WRK_TIMEOUT, argv[-1]]


def measure(common: Common, wrk: str, logdir: Path) -> dict[str, list[Sample]]:
    """req/s samples per contender key, one per round."""
    samples: dict[str, list[Sample]] = {}
    check = page_check()
    for number in range(common.rounds):
        for contender in rotated(CONTENDERS, number):
            with running(contender, common.server_cpu, logdir, "/", check) as (port, proc):
                if common.warmup:
                    argv = template_wrk(wrk, common, port, common.warmup)
                    run_wrk(argv, common.warmup)
                argv = template_wrk(wrk, common, port, common.duration)
                sample = run_wrk(argv, common.duration)
                if proc.poll() is not None:
                    raise RuntimeError(f"{contender.key} died during the template run")
                samples.setdefault(contender.key, []).append(sample)
                print(
                    f"template round {number + 1}/{common.rounds} {contender.key:8} "
                    f"{sample.rps:9.0f} req/s  p99 {sample.p99_ms:7.2f} ms"
                    f"  errors {sample.errors}",
                    flush=True,
                )
    return samples


def report(common: Common, facts: dict[str, str], samples: dict[str, list[Sample]]) -> str:
    """The Markdown block for RESULTS.md."""
    twisted = samples.get("twisted", [])
    base = statistics.median(s.rps for s in twisted) if twisted else 0.0
    lines = [
        f"### Templates, {common.mode} run — {facts['date']}",
        "",
        *facts_lines(facts),
        f"- Each measurement: `{facts['wrk_command']}` (server pinned with "
        f"`taskset -c {common.server_cpu}`), after a {common.warmup} s warm-up; "
        f"{common.rounds} rounds, contender order rotated each round, each contender restarted "
        "every round.",
        "",
        f"**100-row table page** (`bench/servers/_page.py`; {CONNECTIONS} connections, "
        "keep-alive; plait and Twisted send the same 16,469-byte body)",
        "",
        "| contender | req/s (median) | p99 ms (median) | vs Twisted | MiB/s | req/s per round "
        "| errors |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for contender in CONTENDERS:
        got = samples.get(contender.key, [])
        if not got:
            continue
        rps = statistics.median(s.rps for s in got)
        p99 = statistics.median(s.p99_ms for s in got)
        mib = statistics.median(s.mib_per_s for s in got)
        per_round = " / ".join(f"{s.rps:.0f}" for s in got)
        errors = sum(s.errors for s in got)
        lines.append(
            f"| {contender.label} | {rps:.0f} | {p99:.2f} | {floor_ratio(rps, base)} "
            f"| {mib:.1f} | {per_round} | {errors} |"
        )
    lines.append("")
    return "\n".join(lines)


def run(common: Common, wrk: str) -> tuple[str, str]:
    """Run the template workload; its mode and Markdown block."""
    runs = common.rounds * len(CONTENDERS)
    minutes = runs * (common.duration + common.warmup + 2) // 60 + 1
    print(f"bench: template, {common.mode} run, {runs} measured runs, about {minutes} min")
    load_before = loadavg()
    with tempfile.TemporaryDirectory(prefix="plait-bench-") as logdir:
        samples = measure(common, wrk, Path(logdir))
    facts = machine_facts(wrk, common.argv, load_before)
    facts["wrk_command"] = display_command(template_wrk("wrk", common, 0, common.duration))
    return common.mode, report(common, facts, samples)
