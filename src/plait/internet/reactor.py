"""The process's reactor: ``from plait.internet import reactor``.

Importing this module installs an :class:`~plait.internet.asyncioreactor.AsyncioReactor`
(unless ``asyncioreactor.install()`` already installed one) and replaces this module's
``sys.modules`` entry with the reactor object itself. This is the one import in plait with a
side effect. Nothing starts: the event loop is chosen when the reactor is first used.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from plait.internet import asyncioreactor

if TYPE_CHECKING:
    # For type checkers, this module *is* the reactor: any attribute is the reactor's.
    def __getattr__(name: str) -> Any: ...


del sys.modules[__name__]
asyncioreactor.install()
