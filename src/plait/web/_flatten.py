"""The flattener: turns a stan tree into UTF-8 markup, streaming, without recursion.

Theory of operation. One loop pops work items off an explicit stack: content
(str, bytes, Tags, lists, slots, Deferreds, renderables, ...) and a few private
operations that close a tag or restore the context (filled slots, the renderer
factory, attribute mode) when a scope ends. A tree of any depth costs heap, not
Python stack, and suspending on a Deferred is just leaving the loop with the
stack saved; the Deferred's callback re-enters it.

Escaping (``_escaping``) happens here only, once per context, so templates
cannot forget it. A value inside an attribute that is not plain text (a Tag, a
slot holding one, a renderer's result) is rendered into a side buffer and
escaped as a whole when the attribute ends, so even markup stays in the quotes.

Output is gathered in a list and handed to ``write`` in one ``bytes`` once it
reaches ``BUFFER_SIZE``, before waiting on anything, and at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Generator
from inspect import iscoroutine
from io import BytesIO
from traceback import extract_tb
from types import GeneratorType
from typing import Any, Union

from plait.internet.defer import CancelledError, Deferred
from plait.python.failure import Failure
from plait.web._escaping import (
    checkName,
    escapeAttribute,
    escapeBytes,
    escapedCDATA,
    escapedComment,
    escapeForContent,
    escapeRaw,
)
from plait.web._stan import CDATA, CharRef, Comment, Tag, slot, voidElements
from plait.web.error import FlattenerError, UnfilledSlot, UnsupportedType
from plait.web.iweb import IRenderable

__all__ = [
    "BUFFER_SIZE",
    "Flattenable",
    "escapeForContent",
    "escapedCDATA",
    "escapedComment",
    "flatten",
    "flattenString",
]

# mypy cannot express the recursion, so nested positions are Any.
Flattenable = Union[  # noqa: UP007 - a runtime alias users may introspect, like Twisted's
    bytes,
    str,
    slot,
    CDATA,
    Comment,
    Tag,
    tuple[Any, ...],
    list[Any],
    Generator[Any, None, object],
    CharRef,
    Deferred[Any],
    Coroutine[Any, object, Any],
    IRenderable,
]
"""Everything ``flatten`` accepts."""

BUFFER_SIZE = 2**16
"""Bytes gathered before they are handed to ``write`` in one call."""

_CACHE_LIMIT = 2048


class _TagInfo:
    """The cached markup of one tag name."""

    __slots__ = ("close", "empty", "emptyTail", "open", "openClose", "size")

    def __init__(self, tagName: bytes | str) -> None:
        name = checkName(tagName, "tag").encode("ascii")
        self.open = b"<" + name
        self.openClose = self.open + b">"
        self.close = _Close(b"</" + name + b">")
        # How a childless element ends, after its attributes.
        self.emptyTail = b" />" if name.decode() in voidElements else b">" + self.close.data
        self.empty = self.open + self.emptyTail
        # Bytes of markup the tag adds to the output, give or take " />".
        self.size = len(self.openClose) + len(self.close.data)


_tagInfo: dict[bytes | str, _TagInfo] = {}
_attrPrefix: dict[bytes | str, bytes] = {}


def _lookupTag(tagName: bytes | str) -> _TagInfo:
    info = _tagInfo.get(tagName)
    if info is None:
        info = _TagInfo(tagName)
        # Bounded so that tag names made from data cannot grow memory forever.
        if len(_tagInfo) < _CACHE_LIMIT:
            _tagInfo[tagName] = info
    return info


def _lookupAttr(name: bytes | str) -> bytes:
    prefix = _attrPrefix.get(name)
    if prefix is None:
        prefix = b" " + checkName(name, "attribute").encode("ascii") + b'="'
        if len(_attrPrefix) < _CACHE_LIMIT:
            _attrPrefix[name] = prefix
    return prefix


# -- the operations the loop pushes besides content ----------------------------------------


class _Close:
    """Write a closing tag and leave the tag's scope."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class _Markup:
    """Write bytes as they are (markup the flattener produced itself)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class _Restore:
    """Restore the context saved when a scope began."""

    __slots__ = ("factory", "inAttr", "slots")

    def __init__(self, slots: _Slots, factory: Any, inAttr: bool) -> None:
        self.slots = slots
        self.factory = factory
        self.inAttr = inAttr


class _PopAncestor:
    """Leave the scope of a transparent tag, a renderer's tag, a slot or a renderable."""

    __slots__ = ()


class _BeginAttribute:
    """Start capturing an attribute value into a side buffer."""

    __slots__ = ()


class _EndAttribute:
    """Escape the captured attribute value into the enclosing buffer and close the quote."""

    __slots__ = ()


_POP = _PopAncestor()
_BEGIN_ATTR = _BeginAttribute()
_END_ATTR = _EndAttribute()
_RENDERABLE: Any = object()

# Filled slots in scope: (innermost mapping, enclosing scopes) or None.
_Slots = Union[tuple[dict[str, Any], "_Slots"], None]  # noqa: UP007


class _Flattener:
    """One flattening run; ``run`` is the loop, re-entered after each wait."""

    def __init__(self, request: Any, root: Any, write: Callable[[bytes], object]) -> None:
        self.request = request
        self.root = root
        self.write = write
        self.stack: list[Any] = [root]
        self.ancestors: list[Any] = []
        self.buf: list[bytes] = []
        self.size = 0
        self.slots: _Slots = None
        self.factory: Any = None
        self.inAttr = False
        self.captures: list[tuple[list[bytes], bool]] = []
        self.waitingOn: Deferred[Any] | None = None
        self.syncResume = False
        self.result: Deferred[None] = Deferred(self._cancel)
        self.finished = False
        self.current: Any = None
        self.ownsWait = False
        # The Deferred cancelled on the caller's behalf: its CancelledError is ours to eat.
        self.cancelled: Deferred[Any] | None = None

    def _cancel(self, _: Deferred[None]) -> None:
        self.finished = True
        waitingOn = self.waitingOn
        if waitingOn is not None:
            self.waitingOn = None
            self.cancelled = waitingOn
            waitingOn.cancel()

    def _flush(self) -> None:
        # Inside an attribute only the document's own buffer may go out.
        buf = self.captures[0][0] if self.captures else self.buf
        if buf:
            data = b"".join(buf)
            buf.clear()
            self.size = 0
            self.write(data)

    def _fail(self, error: BaseException, current: Any) -> None:
        roots = [self.root]
        for obj in (*self.ancestors, current):
            if obj is not None and obj is not roots[-1]:
                roots.append(obj)
        self.finished = True
        # The flattener's own frames say nothing about the template: leave them out.
        frames = [f for f in extract_tb(error.__traceback__) if f.filename != __file__]
        self.result.errback(FlattenerError(error, roots, frames))

    def run(self) -> None:
        """Flatten until done, failed or waiting on a Deferred that has not fired."""
        while True:
            try:
                item = self._loop()
            except BaseException as e:
                self._fail(e, self.current)
                return
            if item is None:
                try:
                    self._flush()
                except BaseException as e:
                    self._fail(e, None)
                    return
                self.finished = True
                self.result.callback(None)
                return
            if not self._wait(item, self.ownsWait):
                return

    def _wait(self, d: Deferred[Any], owned: bool) -> bool:
        """Wait on ``d``; True when it had already fired and the loop can go on.

        A Deferred the flattener made itself (for a coroutine or future) has no other
        reader, so its failure is consumed here rather than logged as unhandled; so is
        the CancelledError of one cancelled because the flattening was (a client left).
        """
        if not d.called or d.paused:
            try:
                self._flush()
            except BaseException as e:
                self._fail(e, d)
                return False
        self.syncResume = True
        self.waitingOn = d
        resumed: list[bool] = []

        def succeeded(value: Any) -> Any:
            if self.finished:
                return value
            self.waitingOn = None
            self.stack.append(value)
            if self.syncResume:
                resumed.append(True)
            else:
                self.run()
            return value

        def failed(failure: Failure) -> Failure | None:
            if not self.finished:
                self.waitingOn = None
                if self.syncResume:
                    resumed.append(False)
                self._fail(failure.value, d)
            elif d is self.cancelled and failure.check(CancelledError):
                return None
            return None if owned else failure

        d.addCallbacks(succeeded, failed)
        self.syncResume = False
        return resumed == [True]

    def _loop(self) -> Deferred[Any] | None:
        """Run until the stack is empty (None) or a Deferred must be waited on."""
        request = self.request
        stack = self.stack
        pop = stack.pop
        push = stack.append
        ancestors = self.ancestors
        buf = self.buf
        append = buf.append
        size = self.size
        slots = self.slots
        factory = self.factory
        inAttr = self.inAttr
        captures = self.captures
        tagInfo = _tagInfo
        attrPrefix = _attrPrefix
        escText = escapeForContent
        escAttr = escapeAttribute
        item: Any = None
        try:
            while stack:
                if size >= BUFFER_SIZE and not captures:
                    self._flush()
                    size = 0
                item = pop()
                kind = type(item)
                if kind is str:
                    data = escapeRaw(item) if inAttr else escText(item)
                    append(data)
                    size += len(data)
                elif kind is Tag:
                    renderName = item.render
                    if renderName is not None:
                        if factory is None:
                            raise ValueError(
                                f'Tag wants to be rendered by method "{renderName}" '
                                "but is not contained in any IRenderable"
                            )
                        if item.slotData is not None:
                            push(_Restore(slots, factory, inAttr))
                            slots = (item.slotData, slots)
                        push(_POP)
                        ancestors.append(item)
                        clone = item.clone(False)
                        clone.render = None
                        push(factory.lookupRenderMethod(renderName)(request, clone))
                        continue
                    children = item.children
                    tagName = item.tagName
                    if not tagName:
                        # Transparent: children only, in the current context.
                        if item.slotData is not None:
                            push(_Restore(slots, factory, inAttr))
                            slots = (item.slotData, slots)
                        push(_POP)
                        ancestors.append(item)
                        stack.extend(reversed(children))
                        continue
                    info = tagInfo.get(tagName) or _lookupTag(tagName)
                    attributes = item.attributes
                    if attributes:
                        for value in attributes.values():
                            valueKind = type(value)
                            if valueKind is not str and valueKind is not bytes:
                                break
                        else:
                            value = None
                        if value is not None:
                            resolved = _plainAttributes(
                                attributes,
                                slots if item.slotData is None else (item.slotData, slots),
                            )
                            if resolved is not None:
                                attributes = resolved
                                value = None
                        if value is not None:
                            if item.slotData is not None or inAttr:
                                push(_Restore(slots, factory, inAttr))
                                if item.slotData is not None:
                                    slots = (item.slotData, slots)
                            inAttr = False
                            append(info.open)
                            size += info.size
                            self._pushComplexTag(item, info)
                            continue
                        append(info.open)
                        size += info.size
                        for name, value in attributes.items():
                            prefix = attrPrefix.get(name) or _lookupAttr(name)
                            append(prefix)
                            data = escAttr(value)
                            append(data)
                            size += len(prefix) + len(data) + 1
                            append(b'"')
                        if not children:
                            append(info.emptyTail)
                            continue
                        append(b">")
                    elif not children:
                        append(info.empty)
                        size += info.size
                        continue
                    else:
                        append(info.openClose)
                        size += info.size
                    if len(children) == 1:
                        # The commonest leaves, <td>text</td> and <td><t:slot/></td>,
                        # need no scope at all.
                        text = children[0]
                        if type(text) is slot:
                            text = _plainText(
                                text, slots if item.slotData is None else (item.slotData, slots)
                            )
                        if type(text) is str:
                            data = escText(text)
                            append(data)
                            size += len(data)
                            append(info.close.data)
                            continue
                    if item.slotData is not None or inAttr:
                        push(_Restore(slots, factory, inAttr))
                        if item.slotData is not None:
                            slots = (item.slotData, slots)
                        # Content is text even inside an attribute; the attribute
                        # escapes the whole of it once more when it ends.
                        inAttr = False
                    push(info.close)
                    ancestors.append(item)
                    stack.extend(reversed(children))
                elif kind is _Close:
                    append(item.data)
                    ancestors.pop()
                elif kind is _Restore:
                    slots = item.slots
                    factory = item.factory
                    inAttr = item.inAttr
                elif kind is list or kind is tuple:
                    stack.extend(reversed(item))
                elif kind is slot:
                    name = item.name
                    scope = slots
                    while scope is not None:
                        mapping, scope = scope
                        if name in mapping:
                            value = mapping[name]
                            break
                    else:
                        value = item.default
                        if value is None:
                            raise UnfilledSlot(name)
                    if type(value) is str:
                        data = escapeRaw(value) if inAttr else escText(value)
                        append(data)
                        size += len(data)
                    else:
                        push(_POP)
                        ancestors.append(item)
                        push(value)
                elif kind is _PopAncestor:
                    ancestors.pop()
                elif kind is bytes:
                    data = escapeRaw(item) if inAttr else escapeBytes(item)
                    append(data)
                    size += len(data)
                elif kind is GeneratorType:
                    try:
                        value = next(item)
                    except StopIteration:
                        continue
                    push(item)
                    push(value)
                elif kind is _Markup:
                    append(item.data)
                elif kind is _BeginAttribute:
                    captures.append((buf, inAttr))
                    buf = []
                    append = buf.append
                    inAttr = True
                elif kind is _EndAttribute:
                    captured = b"".join(buf)
                    buf, inAttr = captures.pop()
                    append = buf.append
                    data = escAttr(captured)
                    append(data)
                    append(b'"')
                    size += len(data)
                elif kind is CharRef:
                    append(b"&#%d;" % (item.ordinal,))
                elif kind is Comment:
                    data = escapedComment(item.data)
                    append(b"<!--" + data + b"-->")
                    size += len(data)
                elif kind is CDATA:
                    data = escapedCDATA(item.data)
                    append(b"<![CDATA[" + data + b"]]>")
                    size += len(data)
                else:
                    other = _classify(item)
                    if other is _RENDERABLE:
                        push(_Restore(slots, factory, inAttr))
                        push(_POP)
                        ancestors.append(item)
                        factory = item
                        push(item.render(request))
                    elif isinstance(other, Deferred):
                        self.ownsWait = other is not item
                        return other
                    else:
                        push(other)
            return None
        except BaseException:
            self.current = item
            raise
        finally:
            self.buf = buf
            self.size = size
            self.slots = slots
            self.factory = factory
            self.inAttr = inAttr

    def _pushComplexTag(self, item: Tag, info: _TagInfo) -> None:
        """Push the rest of a tag whose attribute values need flattening themselves."""
        children = item.children
        ops: list[Any] = []
        for name, value in item.attributes.items():
            prefix = _lookupAttr(name)
            if type(value) is str or type(value) is bytes:
                ops.append(_Markup(prefix + escapeAttribute(value) + b'"'))
            else:
                ops.extend((_Markup(prefix), _BEGIN_ATTR, value, _END_ATTR))
        if children:
            ops.append(_Markup(b">"))
            ops.extend(children)
            ops.append(info.close)
        else:
            ops.append(_Markup(info.emptyTail))
            ops.append(_POP)
        self.ancestors.append(item)
        self.stack.extend(reversed(ops))


def _plainText(value: Any, slots: _Slots) -> str | bytes | None:
    """The text of a slot or a string, or None if it is anything else."""
    kind = type(value)
    if kind is slot:
        name = value.name
        scope = slots
        while scope is not None:
            mapping, scope = scope
            if name in mapping:
                value = mapping[name]
                break
        else:
            value = value.default
        kind = type(value)
    if kind is str or kind is bytes:
        return value  # type: ignore[no-any-return]
    return None


def _plainAttributes(
    attributes: dict[bytes | str, Any], slots: _Slots
) -> dict[bytes | str, str | bytes] | None:
    """Resolve attribute values that are only text after all, or return None.

    A ``<t:attr>`` of strings and filled slots is the usual case: it escapes the
    same whole as in pieces, without the side buffer's detour.
    """
    resolved: dict[bytes | str, str | bytes] = {}
    for name, value in attributes.items():
        text = _plainText(value, slots)
        if text is None:
            if type(value) is not Tag or value.tagName or value.render is not None:
                return None
            if value.slotData is not None:
                return None
            pieces = [_plainText(child, slots) for child in value.children]
            if None in pieces:
                return None
            strings = [piece for piece in pieces if type(piece) is str]
            if len(strings) == len(pieces):
                text = "".join(strings)
            else:
                text = b"".join(p.encode() if isinstance(p, str) else p for p in pieces if p)
        resolved[name] = text
    return resolved


def _classify(item: Any) -> Any:
    """Handle a rarer item: a Deferred to wait on, ``_RENDERABLE``, or a stand-in to push."""
    if isinstance(item, Deferred):
        return item
    if iscoroutine(item):
        return Deferred.fromCoroutine(item)
    if isinstance(item, asyncio.Future):
        return Deferred.fromFuture(item)
    if IRenderable.providedBy(item):
        return _RENDERABLE
    # Subclasses of the stan and builtin types (a StrEnum, a markup-safe str, a
    # Tag subclass) flatten as their base type, as they do in Twisted.
    if isinstance(item, str):
        return str.__str__(item)
    if isinstance(item, bytes):
        return bytes(item)
    if isinstance(item, list | tuple):
        return list(item)
    if isinstance(item, Tag):
        return Tag.clone(item, False)
    for base in (slot, CharRef, Comment, CDATA):
        if isinstance(item, base):
            copy = base.__new__(base)
            for name in base.__slots__:
                setattr(copy, name, getattr(item, name))
            return copy
    kind = type(item)
    raise UnsupportedType(
        f"{item!r} (of type {kind.__module__}.{kind.__qualname__}) cannot be flattened: "
        "use str, bytes, a Tag, slot, Comment, CDATA, CharRef, a list, tuple or generator "
        "of those, a Deferred, a coroutine or an IRenderable"
    )


def flatten(request: Any, root: Flattenable, write: Callable[[bytes], object]) -> Deferred[None]:
    """Write the markup of ``root`` to ``write`` in chunks; fire when done.

    ``request`` is passed to renderers and ``IRenderable.render``. The result
    fires with None when everything is written, or fails with a
    ``FlattenerError`` wrapping the original exception and the objects being
    flattened when it occurred. Cancelling it cancels whatever it waits on.
    """
    flattener = _Flattener(request, root, write)
    flattener.run()
    return flattener.result


def flattenString(request: Any, root: Flattenable) -> Deferred[bytes]:
    """Flatten ``root`` into one ``bytes``; the result fires with it."""
    io = BytesIO()
    d = flatten(request, root, io.write)
    return d.addCallback(lambda _: io.getvalue())
