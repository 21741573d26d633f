"""HTML templates (Twisted's ``twisted.web.template``): stan, XML templates, elements.

Build markup as Python objects (``tags.p("Hello, ", tags.b(name))``) or load it
from XML templates whose ``t:render`` directives call an ``Element``'s
``@renderer`` methods; ``flatten`` streams the result as UTF-8, escaping every
string for the context it lands in; ``renderElement`` writes one as a response.
"""

from __future__ import annotations

from plait.web._element import Element, renderer
from plait.web._flatten import Flattenable, flatten, flattenString
from plait.web._stan import CDATA, CharRef, Comment, Tag, slot
from plait.web._template_loaders import (
    TEMPLATE_NAMESPACE,
    VALID_HTML_TAG_NAMES,
    FailureElement,
    TagLoader,
    XMLFile,
    XMLString,
    renderElement,
    tags,
)

__all__ = [
    "CDATA",
    "TEMPLATE_NAMESPACE",
    "VALID_HTML_TAG_NAMES",
    "CharRef",
    "Comment",
    "Element",
    "FailureElement",
    "Flattenable",
    "Tag",
    "TagLoader",
    "XMLFile",
    "XMLString",
    "flatten",
    "flattenString",
    "renderElement",
    "renderer",
    "slot",
    "tags",
]
