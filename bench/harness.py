"""What every benchmark in bench/ shares: contenders, starting and stopping them, wrk, facts.

A contender is a script in bench/servers/ started as ``python SCRIPT PORT [ARGS]`` (nginx
too: its script writes a config and execs nginx, so the PID stays the server's). `running`
starts one on a free port, waits for it to listen, probes it and stops it by PID. `run_wrk`
runs wrk with `wrk_report.lua` and reads the JSON line it prints. `machine_facts` and
`replace_block` make the RESULTS.md blocks.
"""

from __future__ import annotations

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
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

BENCH = Path(__file__).resolve().parent
SERVERS = BENCH / "servers"
RESULTS = BENCH / "RESULTS.md"
REQUIREMENTS = BENCH / "requirements.txt"
WRK_SCRIPT = BENCH / "wrk_report.lua"
WORK = BENCH / "_work"
BODY = b"Hello, world!\n"
JSON_MARK = "BENCH-JSON "
TIMES = "\N{MULTIPLICATION SIGN}"
BENCH_PACKAGES = ("aiohttp", "uvicorn", "jinja2")

T = TypeVar("T")


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


@dataclass
class Sample:
    """What one measured wrk run gave."""

    rps: float
    p99_ms: float
    errors: int
    mib_per_s: float = 0.0
    requests: int = 0
    status_errors: int = 0


# -- set-up ------------------------------------------------------------------------------------


def ensure_requirements() -> None:
    """Install bench/requirements.txt into this interpreter if a package is missing."""
    missing = [name for name in BENCH_PACKAGES if importlib.util.find_spec(name) is None]
    if not missing:
        return
    print(f"bench: installing {', '.join(missing)} from {REQUIREMENTS.name}", flush=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)]
    subprocess.run(command, check=True)
    importlib.invalidate_caches()


def ensure_tool(name: str, package: str | None = None) -> str:
    """The path of *name*, installed with apt-get when missing and running as root."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"bench: installing {name} with apt-get", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", package or name], check=True)
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
        if found:
            return found
    raise SystemExit(f"bench: {name} is required (apt-get install {package or name})")


def ensure_wrk() -> str:
    """The path of wrk (installed with apt-get when missing and running as root)."""
    return ensure_tool("wrk")


# -- servers -------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: str | None, argv: list[str]) -> list[str]:
    """*argv* run through taskset on *cpu* (taskset execs, so the PID is the program's)."""
    return argv if cpu is None else ["taskset", "-c", cpu, *argv]


def is_hello(body: bytes) -> bool:
    """Whether *body* is the hello-world body."""
    return body == BODY


def probe(
    port: int, timeout: float = 5.0, path: str = "/", check: Callable[[bytes], bool] = is_hello
) -> None:
    """One GET *path*; raise unless it is a 200 whose body passes *check*."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200 or not check(body):
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
    contender: Contender,
    cpu: str | None,
    logdir: Path,
    path: str = "/",
    check: Callable[[bytes], bool] = is_hello,
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Start *contender* on a free port, check it answers *path*, and stop it afterwards."""
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1", **dict(contender.env))
    with open(logdir / f"{contender.key}.log", "ab") as log:
        proc = subprocess.Popen(
            pinned(cpu, contender.command(port)), stdout=log, stderr=subprocess.STDOUT, env=env
        )
        try:
            wait_listening(port, proc)
            probe(port, path=path, check=check)
            yield port, proc
        finally:
            stop(proc)


def rss_kib(pid: int) -> int:
    """The resident set size of process *pid* in KiB (VmRSS in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


# -- wrk -----------------------------------------------------------------------------------------


def wrk_argv(
    wrk: str,
    cpu: str | None,
    port: int,
    seconds: int,
    connections: int,
    path: str = "/",
    headers: Sequence[str] = (),
    script: Path = WRK_SCRIPT,
) -> list[str]:
    """The wrk argv for one run against ``http://127.0.0.1:PORT/PATH``, pinned to *cpu*."""
    argv = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
    for header in headers:
        argv += ["-H", header]
    argv.append(f"http://127.0.0.1:{port}{path}")
    return pinned(cpu, argv)


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
        mib_per_s=data["bytes"] / seconds / 2**20 if seconds > 0 else 0.0,
        requests=data["requests"],
        status_errors=data["errors"]["status"],
    )


def run_wrk(argv: list[str], seconds: int) -> Sample:
    """Run wrk; its Sample."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True)
    return parse_wrk(done.stdout)


def display_command(argv: Sequence[str]) -> str:
    """*argv* as a shell line, repository paths made relative and the port shown as PORT."""
    line = shlex.join(argv).replace(str(BENCH.parent) + "/", "")
    return line.replace("127.0.0.1:0/", "127.0.0.1:PORT/")


def rotated(items: Sequence[T], by: int) -> list[T]:
    """*items* rotated left by *by* places, so each round starts with another contender."""
    if not items:
        return []
    by %= len(items)
    return [*items[by:], *items[:by]]


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
    for name in ("plait", "uvloop", "httptools", "Twisted", "aiohttp", "uvicorn", "Jinja2"):
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


def machine_facts(wrk: str, argv: Sequence[str], load_before: str) -> dict[str, str]:
    """Date, machine, versions, commit, command line and load: the head of every block."""
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "versions": ", ".join(f"{k} {v}" for k, v in versions().items()),
        "wrk": wrk_version(wrk),
        "commit": git_revision(),
        "command": shlex.join(["python", "bench/run.py", *argv]),
        "load_before": load_before,
        "load_after": loadavg(),
    }


def facts_lines(facts: dict[str, str]) -> list[str]:
    """The Markdown bullet lines for *facts* (machine, versions, commit, command)."""
    return [
        f"- Machine: {facts['nproc']} CPUs, {facts['cpu']}, Linux {facts['kernel']}; "
        f"load average {facts['load_before']} before, {facts['load_after']} after",
        f"- Python {facts['python']}; {facts['versions']}; {facts['wrk']}",
        f"- plait at commit {facts['commit']}",
        f"- Command: `{facts['command']}`",
    ]


def markers(mode: str, name: str = "hello") -> tuple[str, str]:
    """The comment lines delimiting block *name*'s *mode* in RESULTS.md."""
    return f"<!-- bench:{name}:{mode}:start -->", f"<!-- bench:{name}:{mode}:end -->"


def replace_block(text: str, mode: str, block: str, name: str = "hello") -> str:
    """*text* with the *name*/*mode* block replaced by *block* (appended if it has none)."""
    start, end = markers(mode, name)
    wrapped = f"{start}\n{block.rstrip()}\n{end}"
    head, found, rest = text.partition(start)
    if found:
        _, closed, tail = rest.partition(end)
        if closed:
            return head + wrapped + tail
    return text.rstrip("\n") + "\n\n" + wrapped + "\n"


def write_block(mode: str, block: str, name: str) -> None:
    """Put *block* into RESULTS.md as the *name*/*mode* block."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    RESULTS.write_text(replace_block(text, mode, block, name))
    print(f"bench: {name}/{mode} written to {RESULTS}", flush=True)


@dataclass(frozen=True)
class Common:
    """The settings every workload shares (rounds, durations, pinning, the command line)."""

    mode: str
    quick: bool
    rounds: int
    duration: int
    warmup: int
    server_cpu: str | None
    wrk_cpu: str | None
    argv: tuple[str, ...] = ()
