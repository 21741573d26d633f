"""docs/templates.md cannot rot: its python blocks run, and print what its output blocks show.

The blocks run in order in one namespace, as a reader would paste them. A block fenced as
``html output`` or ``text output`` must equal what the python block before it printed.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "templates.md"
FENCE = re.compile(r"^```([\w-]*)( output)?\n(.*?)^```$", re.S | re.M)


def blocks() -> list[tuple[str, bool, str]]:
    """(language, is an output block, text) for each fenced block of the page."""
    return [(m[1], bool(m[2]), m[3]) for m in FENCE.finditer(DOC.read_text("utf-8"))]


def test_the_page_has_runnable_blocks_each_output_after_code() -> None:
    found = blocks()
    assert sum(1 for language, _, _ in found if language == "python") >= 10
    for previous, (_, isOutput, _) in zip([None, *found], found, strict=False):
        if isOutput:
            assert previous is not None
            assert previous[0] == "python"


def test_every_block_runs_and_prints_what_the_page_shows(
    caplog: pytest.LogCaptureFixture,
) -> None:
    namespace: dict[str, Any] = {"__name__": "docs_templates"}
    printed: str | None = None
    checked = 0
    for number, (language, isOutput, text) in enumerate(blocks(), 1):
        if isOutput:
            assert printed is not None
            assert printed.rstrip("\n") == text.rstrip("\n"), f"output block {number}"
            checked += 1
            printed = None
        elif language == "python":
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(text, f"{DOC.name}, block {number}", "exec"), namespace)
            printed = out.getvalue()
    assert checked >= 9
    # The failing-renderer block logged its error, as the page says.
    assert "no <data>" in caplog.text
