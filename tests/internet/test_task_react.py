"""task.react with an injected fake reactor, and once with the real reactor in a subprocess."""

import logging
import subprocess
import sys
import textwrap

import pytest

from plait.internet.defer import Deferred, fail, succeed
from plait.internet.task import Clock, deferLater, react


class FakeReactor(Clock):
    """Enough of a reactor for react(): run/stop, whenRunning calls, shutdown triggers."""

    def __init__(self):
        super().__init__()
        self.running = False
        self.whenRunning = []
        self.triggers = []
        self.stopCount = 0

    def callWhenRunning(self, f, *args, **kw):
        if self.running:
            f(*args, **kw)
        else:
            self.whenRunning.append((f, args, kw))

    def addSystemEventTrigger(self, phase, event, f, *args, **kw):
        self.triggers.append((phase, event, f, args, kw))

    def stop(self):
        if not self.running:
            raise RuntimeError("not running")
        self.stopCount += 1
        for phase, event, f, args, kw in self.triggers:
            if (phase, event) == ("before", "shutdown"):
                f(*args, **kw)
        self.running = False

    def run(self):
        self.running = True
        for f, args, kw in self.whenRunning:
            f(*args, **kw)
        while self.running:
            calls = self.getDelayedCalls()
            assert calls, "reactor would block forever"
            self.advance(calls[0].getTime() - self.seconds())


def exit_code(main, argv=(), reactor=None):
    reactor = reactor or FakeReactor()
    with pytest.raises(SystemExit) as info:
        react(main, argv, _reactor=reactor)
    return info.value.code, reactor


def test_success_exits_zero_after_deferred_fires():
    seen = []

    def main(reactor, a, b):
        seen.append((a, b))
        return deferLater(reactor, 5, lambda: None)

    code, reactor = exit_code(main, ["x", "y"])
    assert code == 0
    assert seen == [("x", "y")]
    assert reactor.seconds() == 5
    assert reactor.stopCount == 1


def test_already_fired_deferred():
    code, reactor = exit_code(lambda reactor: succeed(None))
    assert code == 0
    assert reactor.stopCount == 1


def test_failure_logs_and_exits_one(caplog):
    caplog.set_level(logging.ERROR, logger="plait.internet.task")
    code, _ = exit_code(lambda reactor: fail(ValueError("main broke")))
    assert code == 1
    assert "main function encountered error" in caplog.text
    assert "main broke" in caplog.text


def test_synchronous_exception_exits_one(caplog):
    def main(reactor):
        raise KeyError("sync")

    code, _ = exit_code(main)
    assert code == 1
    assert "KeyError" in caplog.text


def test_system_exit_code_is_kept():
    def main(reactor):
        return fail(SystemExit(7))

    code, _ = exit_code(main)
    assert code == 7


def test_coroutine_main():
    async def main(reactor):
        await deferLater(reactor, 1)
        return "done"

    code, reactor = exit_code(main)
    assert code == 0
    assert reactor.seconds() == 1


def test_reactor_stopped_elsewhere_first():
    pending = Deferred()

    def main(reactor):
        reactor.callLater(1, reactor.stop)
        reactor.callLater(1, pending.callback, None)
        return pending

    code, reactor = exit_code(main)
    assert code == 0
    assert reactor.stopCount == 1


def run_script(body):
    script = textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_real_reactor_in_subprocess():
    ok = run_script(
        """
        from plait.internet import task

        async def main(reactor, word):
            value = await task.deferLater(reactor, 0.01, lambda: word)
            print("got", value)

        task.react(main, ["hello"])
        """
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "got hello"

    bad = run_script(
        """
        from plait.internet import task

        def main(reactor):
            return task.deferLater(reactor, 0.01, lambda: 1 / 0)

        task.react(main)
        """
    )
    assert bad.returncode == 1
    assert "ZeroDivisionError" in bad.stderr


def test_importing_defer_and_task_does_not_touch_the_reactor():
    probe = run_script(
        """
        import sys
        from plait.internet import defer, task
        lc = task.LoopingCall(print)
        task.Cooperator(started=False).cooperate(iter(()))
        d = defer.Deferred()
        d.addTimeout(1, task.Clock())
        loaded = [m for m in sys.modules if m.startswith("plait.internet.")]
        print(sorted(loaded))
        assert "plait.internet.asyncioreactor" not in sys.modules, loaded
        assert "plait.internet.reactor" not in sys.modules, loaded
        """
    )
    assert probe.returncode == 0, probe.stderr
