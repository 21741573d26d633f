"""The stan document model: tags, slots, comments, CDATA and character references.

Stan is a tree of plain Python objects (``Tag`` with children and attributes,
strings, lists, slots, ...) that the flattener in :mod:`plait.web._flatten`
turns into markup. Nothing here escapes or serialises anything: the values are
kept exactly as given and escaped only at flattening time, so escaping cannot be
forgotten or done twice.
"""

from __future__ import annotations

from inspect import iscoroutine, isgenerator
from typing import TYPE_CHECKING, Any
from warnings import warn

if TYPE_CHECKING:
    from plait.web._flatten import Flattenable

__all__ = ["CDATA", "CharRef", "Comment", "Tag", "slot", "voidElements"]

# HTML's void elements plus the legacy ones Twisted lists. Twisted spells the
# last one "wbs", which leaves <wbr> rendered as <wbr></wbr>; plait fixes it.
voidElements: frozenset[str] = frozenset(
    (
        "img",
        "br",
        "hr",
        "base",
        "meta",
        "link",
        "param",
        "area",
        "input",
        "col",
        "basefont",
        "isindex",
        "frame",
        "command",
        "embed",
        "keygen",
        "source",
        "track",
        "wbr",
    )
)


def _where(filename: str | None, lineNumber: int | None, columnNumber: int | None) -> str:
    """Describe a template position for messages, or return "" when it is unknown."""
    parts = []
    if filename is not None:
        parts.append(f'File "{filename}"')
    if lineNumber is not None:
        parts.append(f"line {lineNumber}")
    if columnNumber is not None:
        parts.append(f"column {columnNumber}")
    return ", ".join(parts)


class slot:
    """A named hole in a template, filled by ``Tag.fillSlots`` on an enclosing tag.

    An unfilled slot renders its ``default`` when that is not None, and is an
    ``UnfilledSlot`` error otherwise.
    """

    __slots__ = ("children", "columnNumber", "default", "filename", "lineNumber", "name")

    def __init__(
        self,
        name: str,
        default: Flattenable | None = None,
        filename: str | None = None,
        lineNumber: int | None = None,
        columnNumber: int | None = None,
    ) -> None:
        self.name = name
        self.default = default
        self.filename = filename
        self.lineNumber = lineNumber
        self.columnNumber = columnNumber
        # The template parser collects a slot element's content here; it is
        # never rendered (Twisted keeps it for introspection only).
        self.children: list[Tag] = []

    def __repr__(self) -> str:
        where = _where(self.filename, self.lineNumber, self.columnNumber)
        return f"slot({self.name!r}" + (f", {where})" if where else ")")


class Tag:
    """An element: a tag name, attributes, children and an optional renderer name.

    ``tags.div(...)`` builds one; calling a tag appends children and sets
    attributes, so a tree reads like markup. An empty ``tagName`` makes a
    transparent tag whose children are rendered without any markup of its own.
    """

    __slots__ = (
        "attributes",
        "children",
        "columnNumber",
        "filename",
        "lineNumber",
        "render",
        "slotData",
        "tagName",
    )

    def __init__(
        self,
        tagName: bytes | str,
        attributes: dict[bytes | str, Flattenable] | None = None,
        children: list[Flattenable] | None = None,
        render: str | None = None,
        filename: str | None = None,
        lineNumber: int | None = None,
        columnNumber: int | None = None,
    ) -> None:
        self.tagName = tagName
        self.attributes: dict[bytes | str, Flattenable] = {} if attributes is None else attributes
        self.children: list[Flattenable] = [] if children is None else children
        self.render = render
        self.filename = filename
        self.lineNumber = lineNumber
        self.columnNumber = columnNumber
        self.slotData: dict[str, Flattenable] | None = None

    def fillSlots(self, **slots: Flattenable) -> Tag:
        """Fill the named slots for everything rendered inside this tag; return the tag."""
        if self.slotData is None:
            self.slotData = {}
        self.slotData.update(slots)
        return self

    def __call__(self, *children: Flattenable, **kw: Flattenable) -> Tag:
        """Append ``children`` and set attributes from ``kw``; return the tag.

        One trailing underscore is dropped from attribute names, so ``class_``
        sets ``class``. The keyword ``render`` names this tag's renderer instead
        of setting an attribute, and must be a str.
        """
        self.children.extend(children)
        for k, v in kw.items():
            if k[-1] == "_":
                k = k[:-1]
            if k == "render":
                if not isinstance(v, str):
                    raise TypeError(f'Value for "render" attribute must be str, got {v!r}')
                self.render = v
            else:
                self.attributes[k] = v
        return self

    def clone(self, deep: bool = True) -> Tag:
        """Return a copy of this tag; ``deep`` also copies the children recursively.

        Attribute values and filled slot values are always copied deeply, as in
        Twisted, so a renderer can change a clone without touching its template.
        """
        new = Tag.__new__(Tag)
        new.tagName = self.tagName
        attributes = self.attributes
        new.attributes = (
            {k: v if type(v) is str else _clone(v) for k, v in attributes.items()}
            if attributes
            else {}
        )
        if deep:
            new.children = [
                child if type(child) in _IMMUTABLE else _clone(child) for child in self.children
            ]
        else:
            new.children = self.children[:]
        new.render = self.render
        new.filename = self.filename
        new.lineNumber = self.lineNumber
        new.columnNumber = self.columnNumber
        slotData = self.slotData
        new.slotData = {k: _clone(v) for k, v in slotData.items()} if slotData else None
        return new

    def clear(self) -> Tag:
        """Remove all children from this tag; return the tag."""
        self.children = []
        return self

    def __repr__(self) -> str:
        extra = ""
        if self.attributes:
            extra += f", attributes={self.attributes!r}"
        if self.children:
            extra += f", children={self.children!r}"
        return f"Tag({self.tagName!r}{extra})"


# Values a clone can share: rendering never changes them.
_IMMUTABLE = frozenset((str, bytes, slot))


def _clone(obj: Any) -> Any:
    """Deep-copy one flattenable for ``Tag.clone``; immutable values are shared."""
    kind = type(obj)
    if kind in _IMMUTABLE:
        return obj
    if kind is Tag:
        return obj.clone(True)
    if kind is list or kind is tuple:
        return [_clone(item) for item in obj]
    if isgenerator(obj) or iscoroutine(obj):
        # Matches Twisted: the copy shares the one-shot object, with a warning.
        warn(
            "Cloning a Tag which contains a generator or coroutine is unsafe, since it "
            "can be consumed only once",
            DeprecationWarning,
            stacklevel=3,
        )
        return obj
    clone = getattr(obj, "clone", None)
    if clone is not None:
        return clone(True)
    return obj


class CDATA:
    """A ``<![CDATA[...]]>`` section; ``]]>`` inside ``data`` is split safely when rendered."""

    __slots__ = ("data",)

    def __init__(self, data: str) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"CDATA({self.data!r})"


class Comment:
    """A ``<!-- ... -->`` comment; ``-->`` inside ``data`` is neutralised when rendered."""

    __slots__ = ("data",)

    def __init__(self, data: str) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"Comment({self.data!r})"


class CharRef:
    """A numeric character reference, rendered as ``&#N;`` (pure ASCII output)."""

    __slots__ = ("ordinal",)

    def __init__(self, ordinal: int) -> None:
        self.ordinal = ordinal

    def __repr__(self) -> str:
        return f"CharRef({self.ordinal})"
