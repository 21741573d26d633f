"""Ready-made error page resources (Twisted's ``twisted.web.pages``).

Each resource answers every request, and every path below it, with the same
short HTML page; everything it echoes is HTML-escaped.
"""

from __future__ import annotations

from plait.web.resource import ErrorPage, IResource

__all__ = ["errorPage", "forbidden", "notFound"]


def errorPage(code: int, brief: str, detail: str) -> IResource:
    """Return a resource answering with status *code*, title *brief* and text *detail*.

    Use ``putChild`` on it to serve something else at a specific sub-path.
    """
    return ErrorPage(code, brief, detail)


def notFound(
    brief: str = "No Such Resource", message: str = "Sorry. No luck finding that resource."
) -> IResource:
    """Return a 404 page resource."""
    return ErrorPage(404, brief, message)


def forbidden(
    brief: str = "Forbidden Resource", message: str = "Sorry, resource is forbidden."
) -> IResource:
    """Return a 403 page resource."""
    return ErrorPage(403, brief, message)
