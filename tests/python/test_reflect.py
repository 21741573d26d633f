import os.path
import sys
import types

import pytest

from plait.python import reflect
from plait.python.reflect import (
    InvalidName,
    ModuleNotFound,
    ObjectNotFound,
    fullyQualifiedName,
    namedAny,
    namedClass,
    namedModule,
    namedObject,
    qual,
    safe_repr,
    safe_str,
)


class Outer:
    def method(self) -> None:
        pass

    class Inner:
        pass


def test_namedAny_finds_modules_functions_and_attributes() -> None:
    assert namedAny("os.path.join") is os.path.join
    assert namedAny("os.path") is os.path
    assert namedAny("plait.python.reflect.namedAny") is namedAny
    assert namedAny("plait.python.reflect.InvalidName.__name__") == "InvalidName"


def test_namedAny_missing_module() -> None:
    with pytest.raises(ModuleNotFound, match="nosuchmodule_xyz"):
        namedAny("nosuchmodule_xyz.thing")
    assert issubclass(ModuleNotFound, InvalidName)
    assert issubclass(InvalidName, ValueError)


def test_namedAny_missing_attribute_is_object_not_found_and_attribute_error() -> None:
    with pytest.raises(ObjectNotFound, match=r"'os\.path' has no attribute 'nosuch'"):
        namedAny("os.path.nosuch.deeper")
    with pytest.raises(AttributeError):
        namedAny("json.nosuchsubmodule")


@pytest.mark.parametrize("name", ["", "a..b", ".a", "a.", "1abc", "a-b.c"])
def test_namedAny_invalid_names(name: str) -> None:
    with pytest.raises(InvalidName):
        namedAny(name)


def test_namedAny_reraises_import_errors_inside_existing_modules(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = os.path.join(os.fspath(tmp_path), "plait_broken_mod_for_test.py")
    with open(pkg, "w") as f:
        f.write("import nosuchdependency_qq\n")
    monkeypatch.syspath_prepend(os.fspath(tmp_path))
    try:
        with pytest.raises(ModuleNotFoundError) as info:
            namedAny("plait_broken_mod_for_test.x")
        assert not isinstance(info.value, InvalidName)
        assert info.value.name == "nosuchdependency_qq"
    finally:
        sys.modules.pop("plait_broken_mod_for_test", None)


def test_namedModule_and_namedObject() -> None:
    assert namedModule("os.path") is os.path
    assert namedObject("os.path.join") is os.path.join
    with pytest.raises(ModuleNotFoundError):
        namedModule("os.nosuch")
    with pytest.raises(InvalidName):
        namedObject("os")
    with pytest.raises(AttributeError):
        namedObject("os.nosuch")


def test_namedClass() -> None:
    assert namedClass("plait.python.reflect.InvalidName") is InvalidName
    with pytest.raises(InvalidName, match="not a class"):
        namedClass("os.path.join")


def test_qual_and_fullyQualifiedName() -> None:
    assert qual(dict) == "builtins.dict"
    assert qual(Outer) == f"{__name__}.Outer"
    assert qual(Outer.Inner) == f"{__name__}.Outer.Inner"
    assert fullyQualifiedName(reflect) == "plait.python.reflect"
    assert fullyQualifiedName(namedAny) == "plait.python.reflect.namedAny"
    assert fullyQualifiedName(Outer) == f"{__name__}.Outer"
    assert fullyQualifiedName(Outer().method) == f"{__name__}.Outer.method"
    assert fullyQualifiedName(Outer.method) == f"{__name__}.Outer.method"
    assert fullyQualifiedName(len) == "len"
    assert fullyQualifiedName(dict) == "builtins.dict"
    assert fullyQualifiedName(dict.get) == "dict.get"
    assert fullyQualifiedName({}.get) == "dict.get"
    assert fullyQualifiedName(os.path.join) == f"{os.path.__name__}.join"
    assert isinstance(reflect, types.ModuleType)


class BrokenRepr:
    def __repr__(self) -> str:
        raise ValueError("repr exploded")

    def __str__(self) -> str:
        raise ValueError("str exploded")


def test_safe_repr() -> None:
    assert safe_repr([1, "a"]) == "[1, 'a']"
    text = safe_repr(BrokenRepr())
    assert text.startswith("<BrokenRepr instance at 0x")
    assert "repr error" in text
    assert "ValueError: repr exploded" in text


def test_safe_str() -> None:
    assert safe_str(12) == "12"
    assert safe_str(b"abc") == "abc"
    assert safe_str(b"\xff") == "b'\\xff'"
    text = safe_str(BrokenRepr())
    assert "str error" in text
    assert "ValueError: str exploded" in text
