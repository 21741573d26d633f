import os
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plait.python.filepath import FilePath, InsecurePath, LinkError, UnlistableError


@pytest.fixture
def root(tmp_path: Path) -> FilePath:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "file.txt").write_bytes(b"hello")
    (tmp_path / "sub" / "deeper").mkdir()
    (tmp_path / "sub" / "deeper" / "x.bin").write_bytes(b"\x00\x01")
    (tmp_path / "top.html").write_bytes(b"<html>")
    return FilePath(str(tmp_path))


def test_names_and_navigation(root: FilePath) -> None:
    sub = root.child("sub")
    f = sub.child("file.txt")
    assert f.path == os.path.join(root.path, "sub", "file.txt")
    assert f.basename() == "file.txt"
    assert f.dirname() == sub.path
    assert f.parent() == sub
    assert f.sibling("deeper") == sub.child("deeper")
    assert root.descendant(["sub", "deeper", "x.bin"]).getContent() == b"\x00\x01"
    assert f.splitext() == (os.path.join(sub.path, "file"), ".txt")
    assert f.segmentsFrom(root) == ["sub", "file.txt"]
    assert root.segmentsFrom(root) == []
    with pytest.raises(ValueError, match="not a parent"):
        root.segmentsFrom(f)
    assert list(f.parents())[:2] == [sub, root]
    top = FilePath("/")
    assert top.parent() == top
    assert top.basename() == ""
    assert f.isabs()
    assert repr(f) == f"FilePath({f.path!r})"
    assert os.fspath(f) == f.path


def test_relative_and_bytes_paths_become_absolute(
    root: FilePath, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(root.path)
    assert FilePath("sub").path == root.child("sub").path
    assert FilePath(os.fsencode(root.path)).path == root.path
    assert root.child(b"sub") == root.child("sub")


@pytest.mark.parametrize(
    "name",
    ["..", ".", "", "a/b", "a\\b", "\\..\\x", "../x", "/etc/passwd", "nul\x00byte"],
)
def test_child_refuses_unsafe_names(root: FilePath, name: str) -> None:
    with pytest.raises(InsecurePath):
        root.child(name)


def test_child_allows_odd_but_plain_names(root: FilePath) -> None:
    assert root.child("...").basename() == "..."
    assert root.child(".hidden").basename() == ".hidden"
    if sys.platform != "win32":
        assert root.child("a:b").basename() == "a:b"


def test_preauthChild(root: FilePath) -> None:
    assert root.preauthChild("sub/deeper/x.bin").getContent() == b"\x00\x01"
    assert root.preauthChild("sub/../top.html").basename() == "top.html"
    with pytest.raises(InsecurePath):
        root.preauthChild("../outside")
    # A sibling directory whose name starts with ours is still outside.
    sub = root.child("sub")
    with pytest.raises(InsecurePath):
        sub.preauthChild("../subway")
    assert root.childSearchPreauth("missing", "top.html") == root.child("top.html")
    assert root.childSearchPreauth("missing") is None


def test_stat_queries(root: FilePath) -> None:
    f = root.descendant(["sub", "file.txt"])
    assert f.exists()
    assert f.isfile()
    assert not f.isdir()
    assert root.child("sub").isdir()
    assert not f.islink()
    assert f.getsize() == 5
    st = os.stat(f.path)
    assert f.getModificationTime() == st.st_mtime
    assert f.getAccessTime() == st.st_atime
    assert f.getStatusChangeTime() == st.st_ctime
    assert f.getInodeNumber() == st.st_ino
    assert f.getPermissions() == st.st_mode & 0o7777
    missing = root.child("missing")
    assert not missing.exists()
    assert not missing.isfile()
    assert not missing.isdir()
    with pytest.raises(FileNotFoundError):
        missing.getsize()
    with pytest.raises(FileNotFoundError):
        missing.restat()
    missing.restat(reraise=False)


def test_stat_is_cached_until_restat_or_changed(root: FilePath) -> None:
    f = root.child("top.html")
    assert f.getsize() == 6
    with open(f.path, "ab") as raw:
        raw.write(b"more")
    assert f.getsize() == 6
    f.restat()
    assert f.getsize() == 10
    os.remove(f.path)
    assert f.exists()
    f.changed()
    assert not f.exists()


def test_content_and_open(root: FilePath) -> None:
    f = root.child("new.txt")
    f.setContent(b"first")
    assert f.getContent() == b"first"
    f.setContent(b"second, longer")
    assert f.getContent() == b"second, longer"
    assert f.getsize() == len(b"second, longer")
    # No temporary siblings are left behind.
    assert sorted(root.listdir()) == ["new.txt", "sub", "top.html"]
    with f.open("w") as out:
        out.write(b"bytes")
    with f.open() as inp:
        assert inp.read() == b"bytes"
    with f.open("a") as out:
        out.write(b"!")
    assert f.getContent() == b"bytes!"


def test_temporarySibling_and_alwaysCreate(root: FilePath) -> None:
    f = root.child("top.html")
    sibling = f.temporarySibling(".tmp")
    assert sibling.parent() == root
    assert sibling.basename().endswith("top.html.tmp")
    assert sibling.alwaysCreate
    with sibling.open("w") as out:
        out.write(b"x")
    with pytest.raises(FileExistsError):
        sibling.open("w")
    with pytest.raises(ValueError, match="Appending"):
        sibling.open("a")
    assert f.temporarySibling() != f.temporarySibling()


def test_listing_and_walking(root: FilePath) -> None:
    assert sorted(root.listdir()) == ["sub", "top.html"]
    assert sorted(c.basename() for c in root.children()) == ["sub", "top.html"]
    walked = sorted(p.segmentsFrom(root) for p in root.walk())
    assert walked == [
        [],
        ["sub"],
        ["sub", "deeper"],
        ["sub", "deeper", "x.bin"],
        ["sub", "file.txt"],
        ["top.html"],
    ]
    pruned = [p.basename() for p in root.walk(descend=lambda p: p.basename() != "sub")]
    assert "file.txt" not in pruned
    assert "sub" in pruned
    assert [p.basename() for p in root.globChildren("*.html")] == ["top.html"]
    with pytest.raises(UnlistableError) as info:
        root.child("top.html").children()
    assert isinstance(info.value.originalException, OSError)


def test_links(root: FilePath) -> None:
    target = root.child("top.html")
    link = root.child("link.html")
    target.linkTo(link)
    assert link.islink()
    assert link.realpath() == target.realpath()
    assert link.getContent() == b"<html>"
    loop = root.descendant(["sub", "deeper", "loop"])
    root.child("sub").linkTo(loop)
    with pytest.raises(LinkError):
        list(root.walk())


def test_makedirs_createDirectory_remove(root: FilePath) -> None:
    deep = root.descendant(["a", "b", "c"])
    deep.makedirs()
    assert deep.isdir()
    with pytest.raises(FileExistsError):
        deep.makedirs()
    deep.makedirs(ignoreExistingDirectory=True)
    with pytest.raises(FileExistsError):
        root.child("top.html").makedirs(ignoreExistingDirectory=True)
    single = root.child("single")
    single.createDirectory()
    assert single.isdir()
    root.child("a").remove()
    assert not root.child("a").exists()
    root.child("top.html").remove()
    assert sorted(root.listdir()) == ["single", "sub"]


def test_copy_and_move(root: FilePath) -> None:
    sub = root.child("sub")
    copy = root.child("copy")
    sub.copyTo(copy)
    assert copy.descendant(["deeper", "x.bin"]).getContent() == b"\x00\x01"
    assert sub.child("file.txt").exists()
    moved = root.child("moved.txt")
    root.child("top.html").moveTo(moved)
    assert moved.getContent() == b"<html>"
    assert not root.child("top.html").exists()
    with pytest.raises(OSError, match="Only copying"):
        root.child("nothing").copyTo(root.child("nowhere"))


def test_touch(root: FilePath) -> None:
    f = root.child("touched")
    f.touch()
    assert f.exists()
    assert f.getsize() == 0
    os.utime(f.path, (1000, 1000))
    f.changed()
    assert f.getModificationTime() == 1000
    f.touch()
    assert f.getModificationTime() > 1000


def test_ordering_and_hash(root: FilePath) -> None:
    a, b = root.child("a"), root.child("b")
    assert a < b
    assert sorted([b, a]) == [a, b]
    assert a == FilePath(a.path)
    assert hash(a) == hash(FilePath(a.path))
    assert len({a, FilePath(a.path), b}) == 2
    assert a != a.path


def test_siblingExtension(root: FilePath) -> None:
    base = root.child("top")
    assert base.siblingExtension(".html") == root.child("top.html")
    assert base.siblingExtensionSearch(".txt", ".html") == root.child("top.html")
    assert base.siblingExtensionSearch("*") == root.child("top.html")
    assert base.siblingExtensionSearch(".txt") is None


@given(name=st.text(min_size=0, max_size=20))
def test_child_never_escapes(name: str) -> None:
    base = FilePath(os.path.abspath(os.sep + "plait-base-dir"))
    try:
        child = base.child(name)
    except InsecurePath:
        return
    assert child.parent() == base
    assert child.basename() == name
