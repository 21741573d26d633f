"""Constants shared by the web layer's modules (re-exported by ``plait.web.server``)."""

from __future__ import annotations

from typing import Final

__all__ = ["NOT_DONE_YET"]

NOT_DONE_YET: Final = 1
"""Returned by ``render`` when the resource will write and finish the response later."""
