"""Coverage-guided fuzzing of plait's HTTP/1.x server channel (atheris / libFuzzer).

Each input becomes a segmented byte stream fed to a real `HTTPChannel` over an in-memory
transport (see ``tests/hostile/channel_harness.py``), and the invariants of
`channel_harness.check` are asserted: any failure is a crash libFuzzer reports and saves.

    .venv/bin/python fuzz/fuzz_channel.py -max_total_time=300 [corpus_dir]
    make fuzz FUZZ_SECONDS=300

Without atheris installed, ``--random N`` runs N inputs from a seeded random mutator instead
(no coverage feedback, the same invariants).
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(_ROOT / "tests" / "hostile"))

SEEDS = [
    b"GET /s HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: a\r\n\r\nHEAD /s HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /s HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
    b"POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n",
    b"POST /s HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
    b"GET /s HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /a HTTP/1.0\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
]

_loop: asyncio.AbstractEventLoop | None = None


def runOne(data: bytes) -> None:
    """Split *data* into segments as its first bytes say, drive the channel, check it."""
    from channel_harness import check, drive

    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
    if not data:
        return
    control, data = data[0], data[1:]
    eof = bool(control & 0x80)
    pieces = (control & 0x0F) + 1
    size = max(1, len(data) // pieces)
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    if control & 0x40:  # the first segment byte by byte: the slowest path through the parser
        head, chunks = chunks[0] if chunks else b"", chunks[1:]
        chunks = [head[i : i + 1] for i in range(len(head))] + chunks
    check(_loop.run_until_complete(drive(chunks, eof)))


def _mutate(rng: random.Random, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(0, 6)):
        op = rng.randrange(4)
        at = rng.randrange(len(data) + 1)
        if op == 0 and data:
            del data[min(at, len(data) - 1)]
        elif op == 1:
            data[at:at] = bytes([rng.randrange(256)])
        elif op == 2:
            data[at:at] = rng.choice(SEEDS)
        else:
            data[at:at] = rng.choice([b"\r\n", b"\n", b"\r", b":", b" ", b"0", b";", b"\x00"])
    return bytes([rng.randrange(256)]) + bytes(data)


def randomRun(count: int, seed: int = 0) -> None:
    """Run *count* mutated seeds (no coverage guidance): the fallback without atheris."""
    rng = random.Random(seed)
    for _ in range(count):
        runOne(_mutate(rng, rng.choice(SEEDS)))
    print(f"random driver: {count} inputs, invariants held")


def main() -> None:
    """Fuzz with atheris if it is installed, else run the random driver."""
    if "--random" in sys.argv:
        randomRun(int(sys.argv[sys.argv.index("--random") + 1]))
        return
    try:
        import atheris
    except ImportError:
        randomRun(20000)
        return
    with atheris.instrument_imports(include=["plait"]):
        import plait.testing
        import plait.web._channel
        import plait.web._h1
        import plait.web._h1_parse
        import plait.web._request
        import plait.web._server_request
        import plait.web.server  # noqa: F401

    argv = list(sys.argv)
    if not any(not a.startswith("-") for a in argv[1:]):
        corpus = tempfile.mkdtemp(prefix="plait-fuzz-")
        for i, seed in enumerate(SEEDS):
            Path(corpus, f"seed{i}").write_bytes(b"\x03" + seed)
        argv.append(corpus)
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    atheris.Setup(argv, runOne)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
