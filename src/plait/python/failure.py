"""An exception together with its traceback, kept as a value (Twisted's ``Failure``)."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Generator
from types import TracebackType
from typing import IO, Any, NoReturn, TypeVar

__all__ = ["Failure", "NoCurrentExceptionError"]

# Failure has an attribute called ``type``, which shadows the builtin inside its body.
_ExcType = type[BaseException]
_Y = TypeVar("_Y")
_R = TypeVar("_R")


class NoCurrentExceptionError(Exception):
    """``Failure()`` was called with no exception being handled."""


def _qual(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class Failure(BaseException):
    """An exception, its type and traceback, passed around as an ordinary value.

    ``Failure()`` captures the exception currently being handled; ``Failure(exc)``
    wraps an exception instance. After :meth:`cleanFailure` the traceback object is
    dropped (to break reference cycles through frames) but :meth:`getTraceback`
    still renders the frames it had.
    """

    # Subclassing BaseException lets ``raise failure`` style code and ``except`` clauses
    # in user code that expect an exception-like value keep working; plait never raises it.

    value: BaseException
    type: _ExcType
    tb: TracebackType | None

    def __init__(
        self,
        exc_value: BaseException | None = None,
        exc_type: _ExcType | None = None,
        exc_tb: TracebackType | None = None,
        captureVars: bool = False,
    ) -> None:
        self._summary: traceback.StackSummary | None = None
        if exc_value is None:
            exc_type, exc_value, exc_tb = sys.exc_info()
            if exc_value is None:
                raise NoCurrentExceptionError("Failure() called with no current exception")
        if isinstance(exc_value, Failure):
            # Wrapping a Failure (or one that was raised) copies it rather than nesting.
            exc_type, exc_tb = exc_value.type, exc_value.tb
            self._summary = exc_value._summary
            exc_value = exc_value.value
        self.value = exc_value
        self.type = type(exc_value) if exc_type is None else exc_type
        self.tb = exc_value.__traceback__ if exc_tb is None else exc_tb

    @property
    def parents(self) -> list[str]:
        """Qualified names of the exception's type and all its base classes."""
        return [_qual(cls) for cls in self.type.__mro__]

    def throwExceptionIntoGenerator(self, g: Generator[_Y, Any, _R]) -> _Y:
        """Raise the wrapped exception inside generator *g* and return what it yields next."""
        return g.throw(self.value.with_traceback(self.tb))

    def check(self, *errorTypes: _ExcType | str) -> _ExcType | str | None:
        """Return the first of *errorTypes* this failure's exception is an instance of.

        A type may also be given by its fully qualified name.
        """
        for error in errorTypes:
            if isinstance(error, str):
                if any(_qual(base) == error for base in self.type.__mro__):
                    return error
            elif issubclass(self.type, error):
                return error
        return None

    def trap(self, *errorTypes: _ExcType | str) -> _ExcType | str:
        """Return the matching type like :meth:`check`, else re-raise the wrapped exception."""
        error = self.check(*errorTypes)
        if error is None:
            self.raiseException()
        return error

    def raiseException(self) -> NoReturn:
        """Raise the wrapped exception with its original traceback."""
        raise self.value.with_traceback(self.tb)

    def getErrorMessage(self) -> str:
        """The exception's message (``str(value)``), safe against a broken ``__str__``."""
        try:
            return str(self.value)
        except Exception:
            return f"<{_qual(self.type)} instance with unprintable message>"

    def getTracebackObject(self) -> TracebackType | None:
        """The traceback object, or None once :meth:`cleanFailure` dropped it."""
        return self.tb

    def _stackSummary(self) -> traceback.StackSummary:
        if self._summary is not None:
            return self._summary
        # lookup_lines=False defers reading source files until the text is wanted.
        return traceback.StackSummary.extract(traceback.walk_tb(self.tb), lookup_lines=False)

    def cleanFailure(self) -> None:
        """Drop the traceback object and its frames, keeping enough to format it later."""
        if self.tb is not None:
            self._summary = self._stackSummary()
            self.tb = None
        if self.value.__traceback__ is not None:
            self.value.__traceback__ = None

    def getTraceback(self, elideFrameworkCode: int = 0, detail: str = "default") -> str:
        """Format the failure as text, the way Python prints an uncaught exception."""
        summary = self._stackSummary()
        tail = f"{_qual(self.type)}: {self.getErrorMessage()}\n"
        if not summary:
            return f"Traceback (failure with no frames): {tail}"
        if detail == "brief":
            return self.getBriefTraceback()
        lines = ["Traceback (most recent call last):\n", *summary.format(), tail]
        return "".join(lines)

    def getBriefTraceback(self) -> str:
        """A one-paragraph traceback: ``file:line:function`` per frame, then the error."""
        frames = " ".join(f"{f.filename}:{f.lineno}:{f.name}" for f in self._stackSummary())
        return f"Traceback: {_qual(self.type)}: {self.getErrorMessage()}\n{frames}\n"

    def printTraceback(
        self,
        file: IO[str] | None = None,
        elideFrameworkCode: bool = False,
        detail: str = "default",
    ) -> None:
        """Write :meth:`getTraceback` to *file* (standard error by default)."""
        (sys.stderr if file is None else file).write(self.getTraceback(detail=detail))

    def __repr__(self) -> str:
        return f"<{_qual(type(self))} {_qual(self.type)}: {self.getErrorMessage()}>"

    def __str__(self) -> str:
        return f"[Failure instance: {self.getBriefTraceback()}]"

    def __reduce__(self) -> tuple[Callable[..., Failure], tuple[BaseException, _ExcType]]:
        # Frames cannot be pickled; a copy carries the exception without its traceback.
        return (Failure, (self.value, self.type))
