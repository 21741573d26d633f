"""plait: a web application server for Python, with Twisted Web's API on asyncio.

Importing this package has no side effects; import the module you need, e.g.
``from plait.web.server import Site``.
"""

from plait._version import __version__

__all__ = ["__version__"]
