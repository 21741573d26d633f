"""plait's HTTP benchmark: hello world under wrk, plait against the other Python servers.

Each contender (a script in bench/servers/) runs pinned to one core and wrk to the other.
Every round starts each contender afresh, in an order rotated from round to round, and runs
each workload as a warm-up followed by a measured run. The report gives, per contender and
workload, the median over rounds of requests/s and of wrk's p99 latency, and the ratios of
the medians to Twisted Web's and to the httptools ceiling's. It is written between markers
in bench/RESULTS.md (one block per mode, replaced on each run) and printed.

    python bench/run.py            # the full run: 3 rounds of 10 s per workload (~10 min)
    python bench/run.py --quick    # 2 rounds of 3 s (~2-3 min)

What the harness needs and does not find it installs: the packages of
bench/requirements.txt into the running interpreter, and wrk through apt-get when running
as root. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SERVERS = BENCH / "servers"
RESULTS = BENCH / "RESULTS.md"
REQUIREMENTS = BENCH / "requirements.txt"
WRK_SCRIPT = BENCH / "wrk_report.lua"
BODY = b"Hello, world!\n"
JSON_MARK = "BENCH-JSON "
TIMES = "\N{MULTIPLICATION SIGN}"


@dataclass(frozen=True)
class Contender:
    """One server under test: a script in bench/servers/ with its arguments and env."""

    key: str
    label: str
    script: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()

    def command(self, port: int) -> list[str]:
        """The argv that starts this contender on *port* (without CPU pinning)."""
        return [sys.executable, str(SERVERS / self.script), str(port), *self.args]


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
class Sample:
    """What one measured wrk run gave."""

    rps: float
    p99_ms: float
    errors: int


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


# -- set-up ------------------------------------------------------------------------------------


def ensure_requirements() -> None:
    """Install bench/requirements.txt into this interpreter if a package is missing."""
    missing = [name for name in ("aiohttp", "uvicorn") if importlib.util.find_spec(name) is None]
    if not missing:
        return
    print(f"bench: installing {', '.join(missing)} from {REQUIREMENTS.name}", flush=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)]
    subprocess.run(command, check=True)
    importlib.invalidate_caches()


def ensure_wrk() -> str:
    """The path of wrk, installed with apt-get when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("bench: installing wrk with apt-get", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit("bench: wrk is required (apt-get install wrk, or build it from source)")


# -- servers -------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: str | None, argv: list[str]) -> list[str]:
    """*argv* run through taskset on *cpu* (taskset execs, so the PID is the program's)."""
    return argv if cpu is None else ["taskset", "-c", cpu, *argv]


def probe(port: int, timeout: float = 5.0) -> None:
    """One GET /; raise unless it is a 200 with the hello-world body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/")
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200 or body != BODY:
        raise RuntimeError(f"unexpected answer on port {port}: {response.status} {body[:80]!r}")


def wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Return once *port* accepts connections; raise if *proc* dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)  # polling a process we do not control: nothing to wait on
    raise TimeoutError(f"server did not listen on port {port} within {timeout} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM *proc* by PID; SIGKILL it if it is still there after 10 s."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def running(
    contender: Contender, cpu: str | None, logdir: Path
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Start *contender* on a free port, check it answers, and stop it afterwards."""
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1", **dict(contender.env))
    with open(logdir / f"{contender.key}.log", "ab") as log:
        proc = subprocess.Popen(
            pinned(cpu, contender.command(port)), stdout=log, stderr=subprocess.STDOUT, env=env
        )
        try:
            wait_listening(port, proc)
            probe(port)
            yield port, proc
        finally:
            stop(proc)


# -- wrk -----------------------------------------------------------------------------------------


def wrk_command(
    wrk: str, settings: Settings, workload: Workload, port: int, seconds: int
) -> list[str]:
    """The wrk argv for one run of *workload* against *port*."""
    argv = [wrk, "-t1", f"-c{settings.connections}", f"-d{seconds}s", "--latency"]
    argv += ["-s", str(WRK_SCRIPT)]
    for header in workload.headers:
        argv += ["-H", header]
    argv.append(f"http://127.0.0.1:{port}/")
    return pinned(settings.wrk_cpu, argv)


def parse_wrk(output: str) -> Sample:
    """The Sample in wrk's output (the JSON line printed by wrk_report.lua)."""
    for line in output.splitlines():
        if line.startswith(JSON_MARK):
            data = json.loads(line[len(JSON_MARK) :])
            break
    else:
        raise ValueError("no BENCH-JSON line in wrk's output:\n" + output)
    seconds = data["duration_us"] / 1e6
    return Sample(
        rps=data["requests"] / seconds if seconds > 0 else 0.0,
        p99_ms=data["p99_us"] / 1000.0,
        errors=sum(data["errors"].values()),
    )


def run_wrk(argv: list[str], seconds: int) -> Sample:
    """Run wrk; its Sample."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True)
    return parse_wrk(done.stdout)


# -- the rounds ----------------------------------------------------------------------------------


def rotated(items: Sequence[Contender], by: int) -> list[Contender]:
    """*items* rotated left by *by* places, so each round starts with another contender."""
    if not items:
        return []
    by %= len(items)
    return [*items[by:], *items[:by]]


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


# -- the report ----------------------------------------------------------------------------------


def floor_ratio(value: float, reference: float) -> str:
    """``value / reference`` truncated (never rounded up) to 2 decimals, with a times sign."""
    if reference <= 0:
        return "n/a"
    ratio = math.floor(value / reference * 100 + 1e-9) / 100
    return f"{ratio:.2f}{TIMES}"


def versions() -> dict[str, str]:
    """Installed versions of the packages the figures depend on."""
    found = {}
    for name in ("plait", "uvloop", "httptools", "Twisted", "aiohttp", "uvicorn"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or what platform knows)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def git_revision() -> str:
    """The commit the figures were taken at, with ``-dirty`` if src/ had local changes."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=BENCH,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "diff", "--quiet", "HEAD", "--", "src"], cwd=BENCH.parent
        ).returncode
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("-dirty" if dirty else "")


def wrk_version(wrk: str) -> str:
    """wrk's version line (wrk prints it with its usage and exits non-zero)."""
    done = subprocess.run([wrk, "--version"], capture_output=True, text=True)
    first = (done.stdout or done.stderr).splitlines()
    return first[0].split(" Copyright")[0] if first else "unknown"


def loadavg() -> str:
    """The 1-minute load average."""
    return f"{os.getloadavg()[0]:.2f}"


def report(settings: Settings, facts: dict[str, str]) -> str:
    """The Markdown block for RESULTS.md."""
    lines = [
        f"### Hello world, {settings.mode} run — {facts['date']}",
        "",
        f"- Machine: {facts['nproc']} CPUs, {facts['cpu']}, Linux {facts['kernel']}; "
        f"load average {facts['load_before']} before, {facts['load_after']} after",
        f"- Python {facts['python']}; {facts['versions']}; {facts['wrk']}",
        f"- plait at commit {facts['commit']}",
        f"- Command: `{facts['command']}`",
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


def markers(mode: str) -> tuple[str, str]:
    """The comment lines delimiting *mode*'s block in RESULTS.md."""
    return f"<!-- bench:hello:{mode}:start -->", f"<!-- bench:hello:{mode}:end -->"


def replace_block(text: str, mode: str, block: str) -> str:
    """*text* with *mode*'s block replaced by *block* (appended if it has none)."""
    start, end = markers(mode)
    wrapped = f"{start}\n{block.rstrip()}\n{end}"
    head, found, rest = text.partition(start)
    if found:
        _, closed, tail = rest.partition(end)
        if closed:
            return head + wrapped + tail
    return text.rstrip("\n") + "\n\n" + wrapped + "\n"


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="2 rounds of 3 s (about 2-3 minutes)")
    parser.add_argument("--rounds", type=int, help="rounds (default 3, quick 2)")
    parser.add_argument(
        "--duration", type=int, help="seconds per measured run (default 10, quick 3)"
    )
    parser.add_argument(
        "--warmup", type=int, help="seconds of warm-up per run (default 2, quick 1)"
    )
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument(
        "--contenders",
        default=",".join(CONTENDER_KEYS),
        help="comma-separated subset of " + ", ".join(CONTENDER_KEYS),
    )
    parser.add_argument("--workloads", default="keepalive,close", help="keepalive, close or both")
    parser.add_argument("--server-cpu", default="0", help="core for the server (default 0)")
    parser.add_argument("--wrk-cpu", default="1", help="core for wrk (default 1)")
    parser.add_argument(
        "--no-write", action="store_true", help="print the table, leave RESULTS.md alone"
    )
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the parsed command line."""
    quick = bool(args.quick)
    custom = any(v is not None for v in (args.rounds, args.duration, args.warmup))
    wanted = [k.strip() for k in args.contenders.split(",") if k.strip()]
    unknown = set(wanted) - set(CONTENDER_KEYS)
    if unknown:
        raise SystemExit(f"bench: unknown contenders: {', '.join(sorted(unknown))}")
    kinds = [k.strip() for k in args.workloads.split(",") if k.strip()]
    workloads = tuple(w for w in WORKLOADS if w.key in kinds)
    if not workloads:
        raise SystemExit("bench: no workload selected")
    pin = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    all_chosen = wanted == list(CONTENDER_KEYS) and len(workloads) == len(WORKLOADS)
    mode = "quick" if quick else "full"
    if custom or not all_chosen or args.connections != 64:
        mode = "custom"
    return Settings(
        mode=mode,
        rounds=args.rounds or (2 if quick else 3),
        duration=args.duration or (3 if quick else 10),
        warmup=args.warmup if args.warmup is not None else (1 if quick else 2),
        connections=args.connections,
        server_cpu=args.server_cpu if pin else None,
        wrk_cpu=args.wrk_cpu if pin else None,
        contenders=tuple(c for c in CONTENDERS if c.key in wanted),
        workloads=workloads,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write its report."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = settings_from(args)
    ensure_requirements()
    wrk = ensure_wrk()
    runs = settings.rounds * len(settings.contenders) * len(settings.workloads)
    estimate = (
        runs * (settings.duration + settings.warmup)
        + settings.rounds * len(settings.contenders) * 2
    )
    print(
        f"bench: {settings.mode} run, {runs} measured runs, about {estimate // 60 + 1} min",
        flush=True,
    )
    if settings.server_cpu is None:
        print("bench: fewer than 2 CPUs or no taskset: server and wrk are NOT pinned", flush=True)
    load_before = loadavg()
    with tempfile.TemporaryDirectory(prefix="plait-bench-") as logdir:
        run_rounds(settings, wrk, Path(logdir))
    sample_cmd = wrk_command("wrk", settings, settings.workloads[-1], 0, settings.duration)
    facts = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "versions": ", ".join(f"{k} {v}" for k, v in versions().items()),
        "wrk": wrk_version(wrk),
        "commit": git_revision(),
        "command": shlex.join(
            ["python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "wrk_command": shlex.join(sample_cmd)
        .replace(str(BENCH.parent) + "/", "")
        .replace(":0/", ":PORT/"),
        "load_before": load_before,
        "load_after": loadavg(),
    }
    block = report(settings, facts)
    print()
    print(block)
    if not args.no_write:
        text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
        RESULTS.write_text(replace_block(text, settings.mode, block))
        print(f"bench: written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
