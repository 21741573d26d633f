import pickle
import sys

import pytest

from plait.python.failure import Failure, NoCurrentExceptionError


def _raise(exc: BaseException) -> Failure:
    try:
        raise exc
    except BaseException:
        return Failure()


def test_captures_current_exception():
    f = _raise(ValueError("boom"))
    assert f.type is ValueError
    assert isinstance(f.value, ValueError)
    assert f.tb is not None
    assert f.getErrorMessage() == "boom"


def test_no_current_exception():
    assert sys.exc_info()[1] is None
    with pytest.raises(NoCurrentExceptionError):
        Failure()


def test_wraps_instance_without_traceback():
    f = Failure(KeyError("k"))
    assert f.type is KeyError
    assert f.tb is None
    assert f.getTraceback().startswith("Traceback (failure with no frames): builtins.KeyError")


def test_wrapping_failure_copies():
    inner = _raise(ValueError("x"))
    outer = Failure(inner)
    assert outer.value is inner.value
    assert outer.type is ValueError


def test_check_and_trap():
    f = _raise(ZeroDivisionError("z"))
    assert f.check(KeyError) is None
    assert f.check(KeyError, ArithmeticError) is ArithmeticError
    assert f.check("builtins.ArithmeticError") == "builtins.ArithmeticError"
    assert f.trap(ZeroDivisionError) is ZeroDivisionError
    with pytest.raises(ZeroDivisionError):
        f.trap(KeyError)


def test_raise_exception_keeps_traceback():
    f = _raise(RuntimeError("r"))
    with pytest.raises(RuntimeError) as info:
        f.raiseException()
    names = [entry.name for entry in info.traceback]
    assert "_raise" in names


def test_get_traceback_survives_clean_failure():
    f = _raise(RuntimeError("deep"))
    before = f.getTraceback()
    f.cleanFailure()
    assert f.tb is None
    assert f.value.__traceback__ is None
    after = f.getTraceback()
    assert after == before
    assert "in _raise" in after
    assert after.endswith("builtins.RuntimeError: deep\n")


def test_repr_and_str():
    f = _raise(ValueError("v"))
    assert repr(f) == "<plait.python.failure.Failure builtins.ValueError: v>"
    assert str(f).startswith("[Failure instance: Traceback: builtins.ValueError: v")


def test_unprintable_message():
    class Bad(Exception):
        def __str__(self) -> str:
            raise RuntimeError

    assert "unprintable" in Failure(Bad()).getErrorMessage()


def test_print_traceback(capsys):
    _raise(ValueError("printed")).printTraceback()
    assert "ValueError: printed" in capsys.readouterr().err


def test_cleaned_failure_pickles():
    f = _raise(ValueError("p"))
    f.cleanFailure()
    copy = pickle.loads(pickle.dumps(f))
    assert copy.type is ValueError
    assert copy.getErrorMessage() == "p"


def test_parents():
    f = Failure(KeyError())
    assert "builtins.LookupError" in f.parents
    assert f.parents[0] == "builtins.KeyError"


def test_throw_exception_into_generator():
    def gen():
        try:
            yield 1
        except ValueError as e:
            yield f"caught {e}"

    g = gen()
    next(g)
    assert _raise(ValueError("t")).throwExceptionIntoGenerator(g) == "caught t"
