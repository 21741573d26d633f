"""``--reload``: notice when a Python source file changes, by polling modification times.

Polling needs nothing outside the standard library and behaves the same on every platform
and filesystem (including containers' bind mounts, where inotify events often never come).
A scan of a few thousand files takes milliseconds; the supervisor scans twice a second.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

__all__ = ["SourceWatcher"]

# Folders that hold no code of the project being served, or that tools rewrite constantly.
_SKIPPED = frozenset({"__pycache__", "node_modules", "site-packages", "venv", "build", "dist"})


class SourceWatcher:
    """Remembers the ``.py`` files under some folders; `changed` says which ones changed."""

    suffixes: tuple[str, ...] = (".py",)

    def __init__(self, directories: Iterable[str]) -> None:
        self.directories = [os.path.abspath(d) for d in directories]
        self._seen = self._scan()

    def _scan(self) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        for top in self.directories:
            for folder, subfolders, files in os.walk(top):
                subfolders[:] = [
                    d for d in subfolders if not d.startswith(".") and d not in _SKIPPED
                ]
                for name in files:
                    if not name.endswith(self.suffixes):
                        continue
                    path = os.path.join(folder, name)
                    try:
                        st = os.stat(path)
                    except OSError:
                        continue  # removed while we looked
                    found[path] = (st.st_mtime_ns, st.st_size)
        return found

    def changed(self) -> list[str]:
        """The files added, removed or modified since the last call (or since creation)."""
        now = self._scan()
        before = self._seen
        self._seen = now
        return sorted(
            path for path in before.keys() | now.keys() if before.get(path) != now.get(path)
        )
