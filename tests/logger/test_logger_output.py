import io
import json
import sys
import types
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from plait.logger import (
    FilteringLogObserver,
    InvalidLogLevelError,
    LimitedHistoryLogObserver,
    LogBeginner,
    Logger,
    LoggingFile,
    LogLevel,
    LogLevelFilterPredicate,
    LogPublisher,
    PredicateResult,
    STDLibLogObserver,
    eventAsJSON,
    eventAsText,
    eventFromJSON,
    eventsFromJSONLogFile,
    formatEvent,
    formatEventAsClassicLogText,
    formatTime,
    globalLogPublisher,
    jsonFileLogObserver,
    textFileLogObserver,
)
from plait.python.failure import Failure


@pytest.fixture(autouse=True)
def isolated_publisher() -> Iterator[None]:
    before = list(globalLogPublisher._observers)
    yield
    for observer in list(globalLogPublisher._observers):
        if observer not in before:
            globalLogPublisher.removeObserver(observer)


def test_formatEvent_fields() -> None:
    class Obj:
        attr = 3

        def method(self) -> str:
            return "called"

    event = {
        "log_format": "{o.attr} {d[k]} {o.method()} {s!r} {n:>4}",
        "o": Obj(),
        "d": {"k": 4},
        "s": "x",
        "n": 7,
    }
    assert formatEvent(event) == "3 4 called 'x'    7"
    assert formatEvent({"log_format": b"bytes {a}", "a": 1}) == "bytes 1"
    assert formatEvent({}) == ""
    assert formatEvent({"log_format": None}) == ""


@pytest.mark.parametrize("fmt", ["{missing}", "{a", "{0}"])
def test_formatEvent_never_raises(fmt: str) -> None:
    text = formatEvent({"log_format": fmt, "a": 1})
    assert text.startswith("Unable to format event ")


def test_formatEvent_legacy_events() -> None:
    assert formatEvent({"message": ("a", 1, b"b")}) == "a 1 b"
    assert formatEvent({"format": "%(x)s!", "x": 5}) == "5!"


def test_formatTime() -> None:
    assert formatTime(None) == "-"
    assert formatTime(0.0, timeFormat=None) == "-"
    expected = datetime.fromtimestamp(1.0).astimezone().strftime("%Y-%m-%dT%H:%M:%S%z")
    assert formatTime(1.0) == expected
    assert formatTime(86400.0, "%Y") == "1970"


def test_eventAsText_system_and_traceback() -> None:
    event: dict[str, Any] = {
        "log_format": "hi {x}",
        "x": 1,
        "log_namespace": "ns",
        "log_level": LogLevel.info,
        "log_time": 0.0,
    }
    assert eventAsText(event) == f"{formatTime(0.0)} [ns#info] hi 1"
    assert eventAsText(event, includeTimestamp=False, includeSystem=False) == "hi 1"
    assert eventAsText({"log_format": "x", "log_system": "sys"}) == "- [sys] x"
    assert eventAsText({"log_format": "x"}) == "- [-#-] x"
    assert eventAsText({}) == ""
    event["log_failure"] = Failure(ValueError("bad"))
    text = eventAsText(event, includeTimestamp=False)
    assert text.startswith("[ns#info] hi 1\nTraceback")
    assert "ValueError: bad" in text
    assert "Traceback" not in eventAsText(event, includeTraceback=False)


def test_classic_text_indents_continuation_lines() -> None:
    event = {"log_format": "a\nb", "log_system": "s", "log_time": None}
    assert formatEventAsClassicLogText(event) == "- [s] a\n\tb\n"
    assert formatEventAsClassicLogText({}) is None


def test_textFileLogObserver_through_logger() -> None:
    out = io.StringIO()
    globalLogPublisher.addObserver(textFileLogObserver(out, timeFormat=None))
    Logger("plait.test").info("hello {who}", who="there")
    assert out.getvalue() == "- [plait.test#info] hello there\n"


def test_json_observer_one_object_per_line() -> None:
    out = io.StringIO()
    globalLogPublisher.addObserver(jsonFileLogObserver(out))
    log = Logger("plait.test")
    log.info("n={n} obj={obj}", n=3, obj=object(), tags=["a", "b"])
    try:
        raise KeyError("missing")
    except KeyError:
        log.failure("failed")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["log_format"] == "n={n} obj={obj}"
    assert first["log_level"] == "info"
    assert first["log_namespace"] == "plait.test"
    assert isinstance(first["log_time"], float)
    assert first["n"] == 3
    assert first["tags"] == ["a", "b"]
    assert "obj" not in first
    assert first["log_text"].startswith("n=3 obj=<object object")
    assert "log_logger" not in first
    second = json.loads(lines[1])
    assert second["log_level"] == "critical"
    assert second["log_failure"]["type"] == "builtins.KeyError"
    assert "Traceback" in second["log_failure"]["traceback"]


def test_json_round_trip_and_record_separator() -> None:
    event = {"log_format": "x {y}", "y": 2, "log_level": LogLevel.warn, "log_time": 1.5}
    parsed = eventFromJSON(eventAsJSON(event))
    assert parsed["log_level"] is LogLevel.warn
    assert formatEvent(parsed) == "x 2"
    out = io.StringIO()
    observer = jsonFileLogObserver(out, recordSeparator="\x1e")
    observer(event)
    observer(dict(event, y=3))
    assert out.getvalue().startswith("\x1e{")
    events = list(eventsFromJSONLogFile(io.StringIO(out.getvalue())))
    assert [e["y"] for e in events] == [2, 3]
    plain = io.StringIO()
    jsonFileLogObserver(plain)(event)
    assert [e["y"] for e in eventsFromJSONLogFile(io.StringIO(plain.getvalue()))] == [2]


def test_filtering_observer_and_level_predicate() -> None:
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    predicate = LogLevelFilterPredicate(defaultLogLevel=LogLevel.warn)
    predicate.setLogLevelForNamespace("app.chatty", LogLevel.debug)
    predicate.setLogLevelForNamespace("app.chatty.quiet", LogLevel.error)
    observer = FilteringLogObserver(kept.append, [predicate], dropped.append)

    def event(ns: str, level: LogLevel) -> dict[str, Any]:
        return {"log_namespace": ns, "log_level": level, "log_format": f"{ns} {level.name}"}

    observer(event("app", LogLevel.info))
    observer(event("app", LogLevel.warn))
    observer(event("app.chatty.sub", LogLevel.debug))
    observer(event("app.chatty.quiet.x", LogLevel.warn))
    observer({"log_format": "no level"})
    assert [e["log_format"] for e in kept] == [
        "app warn",
        "app.chatty.sub debug",
        "no level",
    ]
    assert [e["log_format"] for e in dropped] == ["app info", "app.chatty.quiet.x warn"]
    assert predicate.logLevelForNamespace("app.chatty.deep") is LogLevel.debug
    predicate.clearLogLevels()
    assert predicate.logLevelForNamespace("app.chatty") is LogLevel.warn
    with pytest.raises(InvalidLogLevelError):
        predicate.setLogLevelForNamespace("x", "loud")  # type: ignore[arg-type]


def test_first_decisive_predicate_wins() -> None:
    kept: list[dict[str, Any]] = []
    always = FilteringLogObserver(
        kept.append, [lambda e: PredicateResult.yes, lambda e: PredicateResult.no]
    )
    always({"a": 1})
    never = FilteringLogObserver(kept.append, [lambda e: PredicateResult.no])
    never({"a": 2})
    assert kept == [{"a": 1}]


def test_publisher_and_history() -> None:
    seen: list[dict[str, Any]] = []
    publisher = LogPublisher(seen.append)
    publisher.addObserver(seen.append)
    publisher({"n": 1})
    assert seen == [{"n": 1}]
    publisher.removeObserver(seen.append)
    publisher.removeObserver(seen.append)
    publisher({"n": 2})
    assert seen == [{"n": 1}]
    with pytest.raises(TypeError):
        publisher.addObserver("not callable")  # type: ignore[arg-type]
    history = LimitedHistoryLogObserver(2)
    for n in range(3):
        history({"n": n})
    replayed: list[dict[str, Any]] = []
    history.replayTo(replayed.append)
    assert replayed == [{"n": 1}, {"n": 2}]


def test_logging_file_emits_whole_lines() -> None:
    seen: list[dict[str, Any]] = []
    f = LoggingFile(Logger("stdout", observer=seen.append), LogLevel.info)
    assert f.write("partial ") == 8
    assert seen == []
    f.write("line\nsecond\n")
    f.writelines(["third", "\n"])
    assert [formatEvent(e) for e in seen] == ["partial line", "second", "third"]
    assert all(e["log_level"] is LogLevel.info for e in seen)
    assert not f.isatty()
    assert "stdout#info" in f.name
    f.close()
    with pytest.raises(ValueError, match="closed"):
        f.write("x\n")


def test_beginLoggingTo_adds_observers_and_redirects_given_stdio() -> None:
    publisher = LogPublisher()
    stdio = types.SimpleNamespace(stdout=io.StringIO(), stderr=io.StringIO())
    beginner = LogBeginner(publisher, stdio=stdio)
    seen: list[dict[str, Any]] = []
    beginner.beginLoggingTo([seen.append], redirectStandardIO=True)
    assert isinstance(stdio.stdout, LoggingFile)
    assert isinstance(stdio.stderr, LoggingFile)
    assert stdio.stderr.level is LogLevel.error
    Logger("x", observer=publisher).info("direct")
    assert [formatEvent(e) for e in seen] == ["direct"]
    other: list[dict[str, Any]] = []
    beginner.beginLoggingTo([other.append], redirectStandardIO=False)
    # Twisted warns, through the publisher, when logging is begun twice.
    assert seen[-1]["log_level"] is LogLevel.warn
    assert "selected twice" in formatEvent(seen[-1])
    assert __file__ in formatEvent(seen[-1])
    Logger("x", observer=publisher).info("both")
    assert formatEvent(seen[-1]) == formatEvent(other[-1]) == "both"


def test_beginLoggingTo_without_redirect_leaves_stdio_alone() -> None:
    stdio = types.SimpleNamespace(stdout=sys.stdout, stderr=sys.stderr)
    before = (stdio.stdout, stdio.stderr)
    LogBeginner(LogPublisher(), stdio=stdio).beginLoggingTo([], redirectStandardIO=False)
    assert (stdio.stdout, stdio.stderr) == before


def test_stdlib_observer_does_not_duplicate(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="plait")
    globalLogPublisher.addObserver(STDLibLogObserver())
    Logger("plait.stdobs").info("once only")
    assert len([r for r in caplog.records if r.name == "plait.stdobs"]) == 1
    # Given an event directly, it forwards it to stdlib logging.
    direct = Logger("plait.direct", observer=STDLibLogObserver())
    direct.info("direct {n}", n=1)
    assert [r.getMessage() for r in caplog.records if r.name == "plait.direct"] == ["direct 1"]
