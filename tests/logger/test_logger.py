import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from plait.logger import (
    InvalidLogLevelError,
    Logger,
    LogLevel,
    globalLogPublisher,
    stdlibLoggerName,
    textFileLogObserver,
)
from plait.logger._bridge import _ObserverHandler
from plait.python.failure import Failure


@pytest.fixture(autouse=True)
def isolated_publisher() -> Iterator[None]:
    before = list(globalLogPublisher._observers)
    yield
    for observer in list(globalLogPublisher._observers):
        if observer not in before:
            globalLogPublisher.removeObserver(observer)
    assert globalLogPublisher._observers == before


def collect() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(events.append)
    return events


def test_namespace_defaults_to_calling_module() -> None:
    assert Logger().namespace == __name__
    assert Logger("x.y").namespace == "x.y"
    assert repr(Logger("x.y")) == "<Logger 'x.y'>"


class Thing:
    log = Logger()

    def work(self) -> None:
        self.log.info("working on {log_source.name}")

    name = "thing-1"


def test_logger_as_descriptor_binds_source() -> None:
    thing = Thing()
    bound = thing.log
    assert bound.namespace == f"{__name__}.Thing"
    assert bound.source is thing
    assert Thing.log.source is Thing
    events = collect()
    thing.work()
    assert len(events) == 1
    assert events[0]["log_source"] is thing
    assert events[0]["log_namespace"] == f"{__name__}.Thing"


def test_event_keys_and_lazy_format() -> None:
    seen: list[dict[str, Any]] = []
    log = Logger("ns", observer=seen.append)
    formatted: list[int] = []

    class Counting:
        def __format__(self, spec: str) -> str:
            formatted.append(1)
            return "counted"

    log.warn("{a} and {b}", a=1, b=Counting())
    (event,) = seen
    assert event["log_level"] is LogLevel.warn
    assert event["log_namespace"] == "ns"
    assert event["log_format"] == "{a} and {b}"
    assert event["log_logger"] is log
    assert isinstance(event["log_time"], float)
    assert event["a"] == 1
    # Nothing formatted the message: the direct observer did not ask for text.
    assert formatted == []


@pytest.mark.parametrize(
    ("method", "level"),
    [
        ("debug", LogLevel.debug),
        ("info", LogLevel.info),
        ("warn", LogLevel.warn),
        ("error", LogLevel.error),
        ("critical", LogLevel.critical),
    ],
)
def test_level_methods(method: str, level: LogLevel) -> None:
    seen: list[dict[str, Any]] = []
    getattr(Logger("ns", observer=seen.append), method)("x")
    assert seen[0]["log_level"] is level


def test_invalid_level_is_logged_as_error_failure() -> None:
    seen: list[dict[str, Any]] = []
    Logger("ns", observer=seen.append).emit("loud", "x")  # type: ignore[arg-type]
    (event,) = seen
    assert event["log_level"] is LogLevel.error
    assert event["log_failure"].check(InvalidLogLevelError)
    assert event["invalidLevel"] == "loud"


def test_levels_order_names_and_stdlib_values() -> None:
    assert LogLevel.debug < LogLevel.info < LogLevel.warn < LogLevel.error < LogLevel.critical
    assert LogLevel.levelWithName("warn") is LogLevel.warn
    with pytest.raises(InvalidLogLevelError):
        LogLevel.levelWithName("loud")
    assert LogLevel.warn.value == logging.WARNING
    assert LogLevel.fromStdlib(logging.WARNING + 5) is LogLevel.warn
    assert LogLevel.fromStdlib(1) is LogLevel.debug
    assert LogLevel.iterconstants()[0] is LogLevel.debug


def test_stdlib_logger_names() -> None:
    assert stdlibLoggerName("plait.web.server") == "plait.web.server"
    assert stdlibLoggerName("plait") == "plait"
    assert stdlibLoggerName("myapp.views") == "plait.myapp.views"
    assert stdlibLoggerName("plaited") == "plait.plaited"
    assert stdlibLoggerName(None) == "plait"


def test_caplog_sees_one_record_with_the_event(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="plait")
    Logger("myapp.views").info("hello {who}", who="you")
    records = [r for r in caplog.records if r.name.startswith("plait")]
    assert len(records) == 1
    record = records[0]
    assert record.name == "plait.myapp.views"
    assert record.levelno == logging.INFO
    assert record.getMessage() == "hello you"
    assert record.plait_event["who"] == "you"  # type: ignore[attr-defined]
    # The record points at the caller, not at the logging plumbing.
    assert record.pathname == __file__
    assert record.funcName == "test_caplog_sees_one_record_with_the_event"


def test_stdlib_level_filters_records_but_observers_still_get_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="plait")
    events = collect()
    log = Logger("plait.test")
    log.debug("quiet {n}", n=1)
    log.error("loud")
    assert [e["log_format"] for e in events] == ["quiet {n}", "loud"]
    assert [r.getMessage() for r in caplog.records if r.name == "plait.test"] == ["loud"]


def test_failure_logging_includes_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="plait")
    events = collect()
    out = io.StringIO()
    globalLogPublisher.addObserver(textFileLogObserver(out))

    def explode() -> None:
        raise ValueError("kaboom")

    log = Logger("plait.test")
    try:
        explode()
    except ValueError:
        log.failure("while exploding {what}", what="stuff")
    (event,) = events
    assert event["log_level"] is LogLevel.critical
    assert isinstance(event["log_failure"], Failure)
    (record,) = [r for r in caplog.records if r.name == "plait.test"]
    assert record.levelno == logging.CRITICAL
    assert record.exc_info is not None
    assert record.exc_info[0] is ValueError
    assert "in explode" in caplog.text
    assert "ValueError: kaboom" in caplog.text
    text = out.getvalue()
    assert "[plait.test#critical] while exploding stuff\n\tTraceback" in text
    assert "kaboom" in text


def test_failure_with_explicit_failure_and_level() -> None:
    seen: list[dict[str, Any]] = []
    failure = Failure(KeyError("k"))
    Logger("ns", observer=seen.append).failure("f", failure, level=LogLevel.error, extra=1)
    assert seen[0]["log_failure"] is failure
    assert seen[0]["log_level"] is LogLevel.error
    assert seen[0]["extra"] == 1


def test_cleaned_failure_still_renders_its_frames(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="plait")

    def inner() -> None:
        raise RuntimeError("gone")

    try:
        inner()
    except RuntimeError:
        failure = Failure()
    failure.cleanFailure()
    Logger("plait.test").failure("cleaned", failure)
    assert "in inner" in caplog.text


def test_handler_installed_only_while_observers_exist() -> None:
    plaitLogger = logging.getLogger("plait")
    assert _ObserverHandler.installed is None
    assert not any(isinstance(h, _ObserverHandler) for h in plaitLogger.handlers)
    events = collect()
    assert sum(isinstance(h, _ObserverHandler) for h in plaitLogger.handlers) == 1
    globalLogPublisher.addObserver(events.append)
    assert sum(isinstance(h, _ObserverHandler) for h in plaitLogger.handlers) == 1
    globalLogPublisher.removeObserver(events.append)
    assert not any(isinstance(h, _ObserverHandler) for h in plaitLogger.handlers)


def test_no_duplicates_with_app_logging_and_observers(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="plait")
    events = collect()
    second: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(second.append)
    Logger("plait.dup").info("once")
    assert len(events) == 1
    assert len(second) == 1
    assert len([r for r in caplog.records if r.name == "plait.dup"]) == 1


def test_plain_stdlib_records_reach_observers() -> None:
    events = collect()
    logging.getLogger("plait.web.test").warning("plain %s", "record")
    try:
        raise OSError("disk")
    except OSError:
        logging.getLogger("plait.web.test").exception("with exc")
    assert events[0]["log_text"] == "plain record"
    assert events[0]["log_level"] is LogLevel.warn
    assert events[0]["log_namespace"] == "plait.web.test"
    assert events[1]["log_failure"].check(OSError)
    # Records outside plait are not plait's business.
    logging.getLogger("otherlib").warning("not ours")
    assert len(events) == 2


def test_broken_observer_does_not_stop_others() -> None:
    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError("observer bug")

    globalLogPublisher.addObserver(broken)
    events = collect()
    Logger("plait.test").info("still delivered")
    assert events[0]["log_format"] == "still delivered"
    assert "Temporarily disabling observer" in events[1]["log_format"]
    assert events[1]["log_failure"].check(RuntimeError)
    globalLogPublisher.removeObserver(broken)


def test_log_trace() -> None:
    seen: list[dict[str, Any]] = []
    log = Logger("ns", observer=seen.append)
    trace: list[Any] = []
    log.info("x", log_trace=trace)
    assert trace == [(log, seen.append)]
