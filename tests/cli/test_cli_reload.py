"""``plait web --reload``: a changed source file restarts the workers; broken code does not."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import httpx

from plait.cli._reload import SourceWatcher

PlaitWeb = Any  # the plaitWeb fixture (tests/cli/conftest.py)

APP = """
from plait.web.resource import Resource

class Page(Resource):
    isLeaf = True

    def render_GET(self, request):
        return {text!r}.encode()
"""


def test_changed_code_is_served_after_a_restart(plaitWeb: PlaitWeb, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP.format(text="version one"))
    running = plaitWeb.start("--class", "app.Page", "--reload")
    assert httpx.get(running.url + "/").text == "version one"

    (tmp_path / "app.py").write_text(APP.format(text="version two, longer"))
    running.expect(r"changed: app\.py; starting new workers")
    running.expect(r"serving with workers \d+")
    assert httpx.get(running.url + "/").text == "version two, longer"

    # Broken code: the new worker fails, the previous one keeps serving.
    (tmp_path / "app.py").write_text("this is not python\n")
    running.expect(r"the changed code does not start .*; waiting for a change", stream="err")
    assert httpx.get(running.url + "/").text == "version two, longer"

    (tmp_path / "app.py").write_text(APP.format(text="version three, fixed"))
    running.expect(r"serving with workers \d+")
    assert httpx.get(running.url + "/").text == "version three, fixed"

    os.kill(running.pid, signal.SIGTERM)
    assert running.wait(30) == 0


def test_sighup_restarts_the_workers(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid", "--workers", "2")
    before = {int(p) for p in running.expect(r"pids (\d+), (\d+)\)").groups()}
    os.kill(running.pid, signal.SIGHUP)
    running.expect(r"received SIGHUP; starting new workers")
    after = {int(p) for p in running.expect(r"serving with workers (\d+), (\d+)").groups()}
    assert not before & after
    assert httpx.get(running.url + "/").text in {str(p) for p in after}


def test_watcher_sees_added_changed_and_removed_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("a = 1\n")
    (tmp_path / "notes.txt").write_text("not code\n")
    hidden = tmp_path / ".git"
    hidden.mkdir()
    (hidden / "hook.py").write_text("x = 1\n")
    watcher = SourceWatcher([str(tmp_path)])
    assert watcher.changed() == []

    (tmp_path / "a.py").write_text("a = 22\n")
    (tmp_path / "b.py").write_text("b = 1\n")
    (tmp_path / "notes.txt").write_text("still not code\n")
    (hidden / "hook.py").write_text("x = 22\n")
    assert watcher.changed() == [str(tmp_path / "a.py"), str(tmp_path / "b.py")]
    assert watcher.changed() == []

    (tmp_path / "b.py").unlink()
    assert watcher.changed() == [str(tmp_path / "b.py")]
