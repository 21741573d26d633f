"""``plait web --workers N``: several processes on one port, supervised."""

from __future__ import annotations

import os
import signal
import ssl
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

PlaitWeb = Any  # the plaitWeb fixture (tests/cli/conftest.py)


def listeningSockets(port: int) -> int:
    """How many sockets listen on 127.0.0.1:*port* (from /proc/net/tcp)."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    return sum(1 for row in rows if row[1] == wanted and row[3] == "0A")  # 0A: LISTEN


def pidsAnswering(url: str, want: int, tries: int = 400) -> set[str]:
    """PIDs seen over fresh connections, until *want* distinct ones (or *tries* requests)."""
    seen: set[str] = set()
    for _ in range(tries):
        with httpx.Client() as client:  # a new connection every time
            seen.add(client.get(url + "/").text)
        if len(seen) >= want:
            break
    return seen


def workerPids(running: Any) -> set[int]:
    match = running.expect(r"serving with 2 worker\(s\) \(pids (\d+), (\d+)\)")
    return {int(match.group(1)), int(match.group(2))}


def test_two_workers_serve_from_two_processes_with_reuseport(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid", "--workers", "2")
    pids = workerPids(running)
    assert running.pid not in pids
    port = int(running.url.rsplit(":", 1)[1])
    assert listeningSockets(port) == 2  # one SO_REUSEPORT socket per worker
    # The kernel spreads connections by their address hash: both workers answer.
    assert pidsAnswering(running.url, 2) == {str(p) for p in pids}


def test_two_workers_sharing_one_accept_queue(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid", "--workers", "2", "--no-reuse-port")
    pids = workerPids(running)
    port = int(running.url.rsplit(":", 1)[1])
    assert listeningSockets(port) == 1  # one inherited socket
    blocked: list[str] = []
    # One worker is kept busy (its loop blocked for 3 s): a connection made meanwhile can
    # only be accepted by the other worker, from the same queue.
    busy = threading.Thread(
        target=lambda: blocked.append(httpx.get(running.url + "/?block=3", timeout=30).text)
    )
    busy.start()
    try:
        busyPid = running.expect(r"^blocking (\d+)$", stream="out").group(1)
        other = httpx.get(running.url + "/", timeout=30).text
    finally:
        busy.join(30)
    assert blocked == [busyPid]
    assert {busyPid, other} == {str(p) for p in pids}


@pytest.mark.parametrize("reusePort", [True, False])
def test_a_killed_worker_is_replaced_while_the_other_serves(
    plaitWeb: PlaitWeb, reusePort: bool
) -> None:
    args = ["--class", "testsite.Pid", "--workers", "2"]
    if not reusePort:
        args.append("--no-reuse-port")
    running = plaitWeb.start(*args)
    first, second = sorted(workerPids(running))
    os.kill(first, signal.SIGKILL)
    running.expect(
        rf"worker {first} stopped \(killed by SIGKILL\); starting another", stream="err"
    )
    # The survivor keeps serving while the replacement starts.
    for _ in range(5):
        assert httpx.get(running.url + "/").text in {str(second), str(first)}
    replacement = int(running.expect(r"worker (\d+) ready").group(1))
    assert replacement not in (first, second)
    seen = pidsAnswering(running.url, 2) if reusePort else set()
    if reusePort:
        assert seen == {str(second), str(replacement)}
    else:
        assert httpx.get(running.url + "/").text in {str(second), str(replacement)}
    assert running.proc.poll() is None  # the supervisor never stopped


def test_sigterm_to_the_supervisor_stops_every_worker(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid", "--workers", "2")
    pids = workerPids(running)
    os.kill(running.pid, signal.SIGTERM)
    assert running.wait(30) == 0
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    running.expect(r"received SIGTERM; stopping the workers")


def test_a_site_that_cannot_start_stops_the_supervisor(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.run(
        "--listen", "tcp:0:interface=127.0.0.1", "--class", "testsite.Nothing", "--workers", "3"
    )
    assert running.wait(30) == 2
    errors = [line for name, line in running.output() if name == "err"]
    assert len(errors) == 1, errors  # reported once, by the first worker only
    assert errors[0].startswith("plait web: error: --class: cannot import 'testsite.Nothing'")


def test_workers_stop_when_the_supervisor_is_killed(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid", "--workers", "2")
    workerPids(running)
    os.kill(running.pid, signal.SIGKILL)
    # The workers hold our stdout/stderr pipes: both reach EOF once the workers are gone.
    for reader in running.readers:
        reader.join(20)
        assert not reader.is_alive()


def test_workers_on_a_unix_socket(plaitWeb: PlaitWeb, tmp_path: Path) -> None:
    path = tmp_path / "web.sock"
    running = plaitWeb.run("--class", "testsite.Pid", "--workers", "2", "--listen", f"unix:{path}")
    assert running.expect(r"listening on (\S+)").group(1) == f"unix:{path}"
    pids = workerPids(running)
    with httpx.Client(transport=httpx.HTTPTransport(uds=str(path))) as client:
        assert client.get("http://plait/").text in {str(p) for p in pids}
    os.kill(running.pid, signal.SIGTERM)
    assert running.wait(30) == 0
    assert not path.exists()


def test_workers_over_tls(plaitWeb: PlaitWeb, tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    running = plaitWeb.start(
        "--class",
        "testsite.Pid",
        "--workers",
        "2",
        "--listen",
        f"ssl:0:interface=127.0.0.1:privateKey={tmp_path / 'server.pem'}",
    )
    assert running.url.startswith("https://127.0.0.1:")
    pids = {str(p) for p in workerPids(running)}
    context = ssl.create_default_context()
    ca.configure_trust(context)
    seen: set[str] = set()
    for _ in range(400):
        with httpx.Client(verify=context) as client:
            seen.add(client.get(running.url + "/").text)
        if len(seen) == 2:
            break
    assert seen == pids
