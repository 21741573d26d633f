"""Template loaders: XML (string or file) parsed to stan, and stan given directly.

Parsing uses the standard library's SAX parser (expat) with namespaces on, with
external entities off, keeping comments and CDATA sections. Elements and
attributes in ``TEMPLATE_NAMESPACE`` are directives, never output: the
``t:render`` attribute names a renderer, ``<t:slot>`` is a slot,
``<t:attr name="...">`` gives its parent a computed attribute, and
``<t:transparent>`` stands for its children alone.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable
from typing import IO, Any
from xml.sax import handler, make_parser
from xml.sax.xmlreader import AttributesNSImpl, Locator

from zope.interface import implementer

from plait.internet.defer import Deferred
from plait.python.failure import Failure
from plait.web._constants import NOT_DONE_YET
from plait.web._element import Element, renderer
from plait.web._flatten import flatten
from plait.web._stan import CDATA, Comment, Tag, slot
from plait.web.error import FlattenerError
from plait.web.iweb import ITemplateLoader

__all__ = [
    "TEMPLATE_NAMESPACE",
    "VALID_HTML_TAG_NAMES",
    "FailureElement",
    "TagLoader",
    "XMLFile",
    "XMLString",
    "renderElement",
    "tags",
]

TEMPLATE_NAMESPACE = "http://twistedmatrix.com/ns/twisted.web.template/0.1"
"""The XML namespace of template directives; stripped from the output."""

_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"


class _ToStan(handler.ContentHandler, handler.EntityResolver):
    """A SAX handler that builds a list of stan objects from an XML document."""

    def __init__(self, sourceFilename: str | None) -> None:
        super().__init__()
        self.sourceFilename = sourceFilename
        self.document: list[Any] = []
        self.current: list[Any] = self.document
        self.stack: list[Tag | slot] = []
        # Namespace URI -> prefix, one mapping per open element that declared any.
        self.prefixes: list[dict[str, str | None]] = [{_XML_NAMESPACE: "xml"}]
        self.pendingXmlns: list[tuple[str, str]] = []
        self.cdata: list[str] | None = None
        self.locator: Locator | None = None

    def setDocumentLocator(self, locator: Locator) -> None:
        """Keep the locator, for line and column numbers."""
        self.locator = locator

    def _position(self) -> tuple[int | None, int | None]:
        if self.locator is None:
            return None, None
        return self.locator.getLineNumber(), self.locator.getColumnNumber()

    def _where(self) -> str:
        line, column = self._position()
        name = self.sourceFilename or "<template>"
        return f"{name}, line {line}, column {column}"

    def _prefixFor(self, namespace: str) -> str | None:
        for mapping in reversed(self.prefixes):
            if namespace in mapping:
                return mapping[namespace]
        return None

    def startPrefixMapping(self, prefix: str | None, uri: str) -> None:
        """Remember a namespace declaration; output it unless it is the template one."""
        self.prefixes.append({uri: prefix})
        if uri == TEMPLATE_NAMESPACE:
            return
        self.pendingXmlns.append(("xmlns" if prefix is None else f"xmlns:{prefix}", uri))

    def endPrefixMapping(self, prefix: str | None) -> None:
        """Forget the innermost namespace declaration."""
        self.prefixes.pop()

    def startElementNS(
        self, name: tuple[str | None, str], qname: str | None, attrs: AttributesNSImpl
    ) -> None:
        """Open an element, or a directive of the template namespace."""
        namespace, localName = name
        line, column = self._position()
        filename = self.sourceFilename
        if namespace == TEMPLATE_NAMESPACE:
            if localName == "slot":
                slotName = attrs.get((None, "name"))
                if slotName is None:
                    raise ValueError(f"<t:slot> without a name attribute ({self._where()})")
                newSlot = slot(
                    slotName,
                    default=attrs.get((None, "default")),
                    filename=filename,
                    lineNumber=line,
                    columnNumber=column,
                )
                self.current.append(newSlot)
                self.stack.append(newSlot)
                self.current = newSlot.children
                return
            if localName == "transparent":
                localName = ""
            elif localName != "attr":
                raise ValueError(f"unknown template element <t:{localName}> ({self._where()})")
        render = None
        attributes: dict[bytes | str, Any] = {}
        for (attrNamespace, attrName), value in attrs.items():
            if attrNamespace == TEMPLATE_NAMESPACE and attrName == "render":
                render = value
                continue
            # Like Twisted, other t: attributes pass through with their prefix.
            if attrNamespace is None:
                attributes[attrName] = value
            else:
                prefix = self._prefixFor(attrNamespace)
                attributes[attrName if prefix is None else f"{prefix}:{attrName}"] = value
        if namespace == TEMPLATE_NAMESPACE and localName == "attr":
            parent = self.stack[-1] if self.stack else None
            if not isinstance(parent, Tag):
                raise ValueError(f"<t:attr> must be inside an element ({self._where()})")
            dynamicName = attributes.get("name")
            if not isinstance(dynamicName, str):
                raise ValueError(f"<t:attr> without a name attribute ({self._where()})")
            dynamic = Tag(
                "", render=render, filename=filename, lineNumber=line, columnNumber=column
            )
            parent.attributes[dynamicName] = dynamic
            self.stack.append(dynamic)
            self.current = dynamic.children
            return
        if self.pendingXmlns:
            attributes.update(self.pendingXmlns)
            self.pendingXmlns = []
        if namespace is not None and namespace != TEMPLATE_NAMESPACE:
            prefix = self._prefixFor(namespace)
            if prefix:
                localName = f"{prefix}:{localName}"
        element = Tag(
            localName,
            attributes=attributes,
            render=render,
            filename=filename,
            lineNumber=line,
            columnNumber=column,
        )
        self.current.append(element)
        self.stack.append(element)
        self.current = element.children

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        """Close the innermost element."""
        self.stack.pop()
        self.current = self.stack[-1].children if self.stack else self.document

    def characters(self, content: str) -> None:
        """Add text; adjacent pieces are joined so rendering sees one string."""
        if self.cdata is not None:
            self.cdata.append(content)
            return
        current = self.current
        if current and type(current[-1]) is str:
            current[-1] += content
        else:
            current.append(content)

    def processingInstruction(self, target: str, data: str) -> None:
        """Processing instructions are dropped."""

    # The lexical handler (comments, CDATA, DTD) is not a ContentHandler method.

    def comment(self, content: str) -> None:
        """Keep a comment."""
        self.current.append(Comment(content))

    def startCDATA(self) -> None:
        """Start collecting a CDATA section."""
        self.cdata = []

    def endCDATA(self) -> None:
        """Keep the collected CDATA section."""
        data = "".join(self.cdata or ())
        self.cdata = None
        self.current.append(CDATA(data))

    def startDTD(self, name: str, publicId: str | None, systemId: str | None) -> None:
        """A DOCTYPE is dropped: ``renderElement`` writes the page's own."""

    def endDTD(self) -> None:
        """End of the dropped DOCTYPE."""

    def startEntity(self, name: str) -> None:
        """Entities are expanded in place."""

    def endEntity(self, name: str) -> None:
        """Entities are expanded in place."""

    def resolveEntity(self, publicId: str | None, systemId: str) -> str:
        """Refuse external entities: a template never loads other files or URLs."""
        raise ValueError(f"external entity {systemId!r} refused in a template")


def _parse(source: IO[Any], filename: str | None) -> list[Any]:
    """Parse an XML template to a list of stan objects."""
    parser = make_parser()
    parser.setFeature(handler.feature_validation, False)
    parser.setFeature(handler.feature_namespaces, True)
    parser.setFeature(handler.feature_external_ges, False)
    parser.setFeature(handler.feature_external_pes, False)
    builder = _ToStan(filename)
    parser.setContentHandler(builder)
    parser.setEntityResolver(builder)
    parser.setProperty(handler.property_lexical_handler, builder)
    parser.parse(source)
    return builder.document


@implementer(ITemplateLoader)
class XMLString:
    """A loader for a template in a string (``str``, or ``bytes`` in UTF-8), parsed once now."""

    def __init__(self, s: str | bytes) -> None:
        if isinstance(s, bytes):
            s = s.decode("utf-8")
        self._loadedTemplate = _parse(io.StringIO(s), None)

    def load(self) -> list[Any]:
        """Return the parsed template."""
        return self._loadedTemplate


@implementer(ITemplateLoader)
class XMLFile:
    """A loader for a template file, parsed on first ``load`` and then kept.

    ``path`` is a ``FilePath`` (anything with ``open()`` and ``path``), a path
    given as ``str`` or ``os.PathLike``, or an open binary file.
    """

    def __init__(self, path: Any) -> None:
        self._path = path
        self._loadedTemplate: list[Any] | None = None

    def _filename(self) -> str | None:
        path = self._path
        if isinstance(path, str | os.PathLike):
            return os.fsdecode(path)
        for attribute in ("path", "name"):
            value = getattr(path, attribute, None)
            if isinstance(value, str | bytes):
                return os.fsdecode(value)
        return None

    def _loadDoc(self) -> list[Any]:
        path = self._path
        filename = self._filename()
        if isinstance(path, str | os.PathLike):
            with open(path, "rb") as f:
                return _parse(f, filename)
        if hasattr(path, "read"):
            return _parse(path, filename)
        with path.open("r") as f:
            return _parse(f, filename)

    def load(self) -> list[Any]:
        """Return the parsed template, reading the file the first time."""
        if self._loadedTemplate is None:
            self._loadedTemplate = self._loadDoc()
        return self._loadedTemplate

    def __repr__(self) -> str:
        return f"<XMLFile of {self._path!r}>"


@implementer(ITemplateLoader)
class TagLoader:
    """A loader for a template given directly as stan (a Tag or anything flattenable)."""

    def __init__(self, tag: Any) -> None:
        self.tag = tag

    def load(self) -> list[Any]:
        """Return ``[tag]``."""
        return [self.tag]


# -- tags --------------------------------------------------------------------------------

_TAG_NAMES = """
a abbr acronym address applet area article aside audio b base basefont bdi bdo big
blockquote body br button canvas caption center cite code col colgroup command data
datalist dd del details dfn dialog dir div dl dt em embed fieldset figcaption figure
font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe
img input ins isindex kbd keygen label legend li link main map mark math menu meta
meter nav noframes noscript object ol optgroup option output p param picture pre
progress q rp rt ruby s samp script search section select slot small source span strike
strong style sub summary sup svg table tbody td template textarea tfoot th thead time
title tr track tt u ul var video wbr
"""

VALID_HTML_TAG_NAMES: frozenset[str] = frozenset(_TAG_NAMES.split())
"""The names ``tags`` knows: Twisted's list plus the HTML elements it lacks (main, template,
picture, dialog, data, search, slot, track, svg, math)."""


class _TagFactory:
    """The ``tags`` object: ``tags.div`` is ``Tag("div")``, for names in VALID_HTML_TAG_NAMES."""

    def __getattr__(self, tagName: str) -> Tag:
        if tagName == "transparent":
            return Tag("")
        # A trailing underscore allows Python keywords: tags.del_.
        name = tagName.rstrip("_")
        if name not in VALID_HTML_TAG_NAMES:
            raise AttributeError(f"unknown tag {tagName!r}")
        return Tag(name)


tags = _TagFactory()
"""Makes tags by attribute access: ``tags.p("text", class_="intro")``."""


# -- rendering a whole page --------------------------------------------------------------

_log = logging.getLogger("plait.web.template")

_ERROR_DIV = (
    b'<div style="font-size:800%;background-color:#FFF;color:#F00">'
    b"An error occurred while rendering the response.</div>"
)


class FailureElement(Element):
    """Renders a ``Failure``: its type, its message and its traceback, escaped.

    ``renderElement`` writes this in place of the page when the site's
    ``displayTracebacks`` is on. Renderers: ``type``, ``value``, ``traceback``.
    """

    loader = TagLoader(
        Tag("div", {"class": "failure"})(
            Tag("div", {"class": "error"})(
                Tag("span", render="type"), ": ", Tag("span", render="value")
            ),
            Tag("pre", {"class": "stackTrace"}, render="traceback"),
        )
    )

    def __init__(self, failure: Failure, loader: ITemplateLoader | None = None) -> None:
        super().__init__(loader)
        self.failure = failure

    @renderer
    def type(self, request: Any, tag: Tag) -> Tag:
        """The exception's fully qualified type name."""
        kind = self.failure.type
        return tag(f"{kind.__module__}.{kind.__qualname__}")

    @renderer
    def value(self, request: Any, tag: Tag) -> Tag:
        """The exception's message (for a flattening error, the error inside it)."""
        value = self.failure.value
        if isinstance(value, FlattenerError):
            inner = value._exception
            return tag(f"{type(inner).__name__}: {inner}")
        return tag(str(value))

    @renderer
    def traceback(self, request: Any, tag: Tag) -> Tag:
        """The traceback; for a flattening error, the template objects and Python frames."""
        value = self.failure.value
        if isinstance(value, FlattenerError):
            return tag(repr(value))
        return tag(self.failure.getTraceback())


def renderElement(
    request: Any,
    element: Any,
    doctype: bytes | None = b"<!DOCTYPE html>",
    _failElement: Callable[[Failure], Any] | None = None,
) -> int:
    """Render ``element`` as the whole body of ``request``; return ``NOT_DONE_YET``.

    Writes ``doctype`` and a newline (unless ``doctype`` is None), then the
    element as it is flattened, and finishes the request. If rendering fails the
    error is logged and the page ends with the traceback (when the site's
    ``displayTracebacks`` is on) or a short fixed message. If the client goes
    away first, rendering stops and the request is left alone.
    """
    if doctype is not None:
        request.write(doctype)
        request.write(b"\n")
    failElement: Callable[[Failure], Any] = (
        FailureElement if _failElement is None else _failElement
    )
    d = flatten(request, element, request.write)
    gone: list[bool] = []

    notifyFinish = getattr(request, "notifyFinish", None)
    if notifyFinish is not None:

        def lost(failure: Failure) -> None:
            gone.append(True)
            d.cancel()

        notifyFinish().addErrback(lost)

    def failed(failure: Failure) -> Deferred[None] | None:
        if gone:
            return None
        _log.error("An error occurred while rendering the response.", exc_info=failure.value)
        site = getattr(request, "site", None)
        if site is not None and getattr(site, "displayTracebacks", False):
            return flatten(request, failElement(failure), request.write)
        request.write(_ERROR_DIV)
        return None

    def finish(result: object) -> None:
        if isinstance(result, Failure):
            # The traceback page itself failed: nothing more can be written.
            _log.error("Rendering the error page failed.", exc_info=result.value)
        if not gone:
            request.finish()

    d.addErrback(failed).addBoth(finish)
    return NOT_DONE_YET
