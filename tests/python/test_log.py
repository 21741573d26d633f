import io
import logging
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from plait.logger import Logger, LoggingFile, LogLevel, globalLogPublisher
from plait.python import log
from plait.python.failure import Failure

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} \[(?P<system>[^\]]*)\] (?P<text>.*)$")


@pytest.fixture(autouse=True)
def isolated_publisher(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Anything a test redirects is put back by monkeypatch.
    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    before = list(globalLogPublisher._observers)
    yield
    for observer in list(log._started):
        log.removeObserver(observer)
    log._started.clear()
    for observer in list(log._observers):
        log.removeObserver(observer)
    for observer in list(globalLogPublisher._observers):
        if observer not in before:
            globalLogPublisher.removeObserver(observer)


def observe() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    log.addObserver(events.append)
    return events


def test_msg_event_dict() -> None:
    events = observe()
    log.msg("hello", 42, b"bytes", system="HTTP", extra="x")
    (event,) = events
    assert event["message"] == ("hello", 42, b"bytes")
    assert event["isError"] == 0
    assert event["system"] == "HTTP"
    assert event["extra"] == "x"
    assert isinstance(event["time"], float)
    assert log.textFromEventDict(event) == "hello 42 bytes"


def test_msg_goes_to_stdlib_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="plait")
    log.msg("plain")
    log.msg("with system", system="web.server")
    log.msg("odd system", system="HTTPChannel,0,127.0.0.1")
    records = [r for r in caplog.records if r.name.startswith("plait")]
    assert [(r.name, r.levelno, r.getMessage()) for r in records] == [
        ("plait", logging.INFO, "plain"),
        ("plait.web.server", logging.INFO, "with system"),
        ("plait", logging.INFO, "odd system"),
    ]
    assert records[2].plait_event["system"] == "HTTPChannel,0,127.0.0.1"  # type: ignore[attr-defined]
    assert records[0].pathname == __file__


def test_err_inside_except_logs_traceback_at_error(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="plait")
    events = observe()

    def fail() -> None:
        raise ZeroDivisionError("nope")

    try:
        fail()
    except ZeroDivisionError:
        log.err(None, "while computing")
    (event,) = events
    assert event["isError"] == 1
    assert event["why"] == "while computing"
    assert isinstance(event["failure"], Failure)
    assert event["failure"].check(ZeroDivisionError)
    text = log.textFromEventDict(event)
    assert text is not None
    assert text.startswith("while computing\nTraceback")
    (record,) = [r for r in caplog.records if r.name == "plait"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "while computing"
    assert record.exc_info is not None
    assert "in fail" in caplog.text
    assert "ZeroDivisionError: nope" in caplog.text


def test_err_with_exception_failure_or_other() -> None:
    events = observe()
    log.err(ValueError("v"))
    failure = Failure(KeyError("k"))
    log.deferr(failure, "why")
    log.err("a string")
    assert events[0]["failure"].check(ValueError)
    assert events[0]["why"] is None
    assert log.textFromEventDict(events[0]).startswith("Unhandled Error\n")  # type: ignore[union-attr]
    assert events[1]["failure"] is failure
    assert events[2]["message"] == ("'a string'",)
    assert all(e["isError"] for e in events)


def test_observers_get_new_style_events_with_classic_keys() -> None:
    events = observe()
    Logger("plait.test").warn("new {x}", x=1)
    try:
        raise RuntimeError("r")
    except RuntimeError:
        Logger("plait.test").failure("failing {x}", x=2)
    first, second = events
    assert first["message"] == ()
    assert first["isError"] == 0
    assert first["system"] == "-"
    assert log.textFromEventDict(first) == "new 1"
    assert second["isError"] == 1
    assert second["why"] == "failing 2"
    assert second["failure"].check(RuntimeError)


def test_new_style_observers_get_msg_events() -> None:
    events: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(events.append)
    log.msg("classic", system="sys")
    (event,) = events
    assert event["log_level"] is LogLevel.info
    assert event["log_system"] == "sys"
    assert event["log_format"] == "{log_text}"
    assert event["log_text"] == "classic"


def test_add_remove_observer() -> None:
    events = observe()
    log.addObserver(events.append)
    log.msg("one")
    log.removeObserver(events.append)
    log.msg("two")
    log.removeObserver(events.append)
    assert [e["message"] for e in events] == [("one",)]


def test_callWithContext_sets_system() -> None:
    events = observe()

    def inner() -> str:
        log.msg("inside")
        return "result"

    assert log.callWithContext({"system": "ctx", "extra": 1}, inner) == "result"
    log.msg("outside")
    assert (events[0]["system"], events[0]["extra"]) == ("ctx", 1)
    assert events[1]["system"] == "-"
    assert "extra" not in events[1]


def test_callWithLogger_uses_logPrefix() -> None:
    events = observe()

    class Proto(log.Logger):
        def logPrefix(self) -> str:
            return "Proto"

    log.callWithLogger(Proto(), log.msg, "hi")
    assert events[0]["system"] == "Proto"
    assert log.Logger().logPrefix() == "-"


def test_textFromEventDict_variants() -> None:
    assert log.textFromEventDict({"message": (), "format": "%(a)s-%(b)s", "a": 1, "b": 2}) == (
        "1-2"
    )
    assert log.textFromEventDict({"message": (), "isError": 0}) is None
    broken = log.textFromEventDict({"message": (), "format": "%(missing)s"})
    assert broken is not None
    assert "Invalid format string" in broken


def test_startLogging_writes_twisted_lines_once() -> None:
    out = io.StringIO()
    log.startLogging(out, setStdout=False)
    log.startLogging(out, setStdout=False)
    log.msg("a line", system="web")
    log.msg("two\nlines")
    lines = out.getvalue().splitlines()
    # "Log opened." twice (once per call) but every later message exactly once.
    assert [LINE.match(line)["text"] for line in lines[:2]] == ["Log opened.", "Log opened."]  # type: ignore[index]
    assert LINE.match(lines[2])["system"] == "web"  # type: ignore[index]
    assert LINE.match(lines[2])["text"] == "a line"  # type: ignore[index]
    assert LINE.match(lines[3])["text"] == "two"  # type: ignore[index]
    assert lines[4] == "\tlines"
    assert len(lines) == 5


def test_startLogging_replaces_previous_file() -> None:
    first, second = io.StringIO(), io.StringIO()
    log.startLogging(first, setStdout=False)
    log.startLogging(second, setStdout=False)
    log.msg("where")
    assert "where" not in first.getvalue()
    assert "where" in second.getvalue()


def test_startLogging_err_writes_traceback() -> None:
    out = io.StringIO()
    log.startLogging(out, setStdout=False)
    try:
        raise ValueError("logged")
    except ValueError:
        log.err(None, "context")
    text = out.getvalue()
    assert "] context\n\tTraceback (most recent call last):" in text
    assert "ValueError: logged" in text


def test_startLogging_setStdout_redirects_print() -> None:
    out = io.StringIO()
    log.startLogging(out, setStdout=True)
    assert isinstance(sys.stdout, LoggingFile)
    print("printed text")
    assert re.search(r"\[-\] printed text\n", out.getvalue())


def test_FileLogObserver_start_stop_and_timeFormat() -> None:
    out = io.StringIO()
    observer = log.FileLogObserver(out)
    observer.timeFormat = "%Y"
    observer.start()
    log.msg("x")
    observer.stop()
    log.msg("y")
    assert re.fullmatch(r"\d{4} \[-\] x\n", out.getvalue())


def test_PythonLoggingObserver_does_not_duplicate(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="plait")
    observer = log.PythonLoggingObserver()
    observer.start()
    log.addObserver(observer.emit)
    log.msg("once")
    observer.stop()
    assert len([r for r in caplog.records if r.getMessage() == "once"]) == 1
    caplog.set_level(logging.INFO, logger="twisted")
    observer.emit({"message": ("direct",), "isError": 0, "time": 0.0, "system": "-"})
    assert [r.getMessage() for r in caplog.records if r.name == "twisted"] == ["direct"]


def test_logfile_and_logerr_levels() -> None:
    events = observe()
    log.logfile.write("out line\n")
    log.logerr.write("err line\n")
    assert [(e["log_level"], e["log_io"]) for e in events] == [
        (LogLevel.info, "out line"),
        (LogLevel.error, "err line"),
    ]
