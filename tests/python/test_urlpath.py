import pytest

from plait.python.urlpath import URLPath

FULL = "http://example.com/foo/bar?yes=no&no=yes#footer"


def test_fromString_parts_and_str() -> None:
    url = URLPath.fromString(FULL)
    assert url.scheme == b"http"
    assert url.netloc == b"example.com"
    assert url.path == b"/foo/bar"
    assert url.query == b"yes=no&no=yes"
    assert url.fragment == b"footer"
    assert str(url) == FULL
    assert repr(url) == (
        "URLPath(scheme=b'http', netloc=b'example.com', path=b'/foo/bar', "
        "query=b'yes=no&no=yes', fragment=b'footer')"
    )


def test_defaults_and_empty_path() -> None:
    assert str(URLPath()) == "http://localhost/"
    assert URLPath().scheme == b"http"
    assert str(URLPath.fromString("http://example.com")) == "http://example.com/"
    assert URLPath.fromString("http://example.com").pathList() == [b"", b""]
    url = URLPath(b"https", b"h:8080", b"/p", b"a=b", b"f")
    assert str(url) == "https://h:8080/p?a=b#f"


def test_fromBytes_and_type_checks() -> None:
    url = URLPath.fromBytes(b"http://example.com/a%20b/c")
    assert url.path == b"/a%20b/c"
    assert url.pathList() == [b"", b"a%20b", b"c"]
    assert url.pathList(unquote=True) == [b"", b"a b", b"c"]
    with pytest.raises(ValueError, match="bytes"):
        URLPath.fromBytes("http://x/")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="str"):
        URLPath.fromString(b"http://x/")  # type: ignore[arg-type]


def test_non_ascii_is_percent_encoded() -> None:
    url = URLPath.fromString("http://example.com/\u2603/x?q=\u2603")
    assert str(url) == "http://example.com/%E2%98%83/x?q=%E2%98%83"
    assert URLPath.fromBytes(b"http://e/\xe2\x98\x83").path == b"/%E2%98%83"
    assert str(URLPath.fromString("http://e/a b")) == "http://e/a%20b"


def test_child_sibling_and_keepQuery() -> None:
    url = URLPath.fromString(FULL)
    assert str(url.child(b"hello")) == "http://example.com/foo/bar/hello"
    assert str(url.child(b"hello", keepQuery=True)) == (
        "http://example.com/foo/bar/hello?yes=no&no=yes"
    )
    assert str(url.sibling(b"baz")) == "http://example.com/foo/baz"
    assert str(url.sibling(b"z", keepQuery=True)) == "http://example.com/foo/z?yes=no&no=yes"
    directory = URLPath.fromString("http://example.com/foo/bar/")
    assert str(directory.child(b"x")) == "http://example.com/foo/bar/x"
    assert str(directory.sibling(b"s")) == "http://example.com/foo/bar/s"


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (b"a/b", "a%2Fb"),
        (b"d e", "d%20e"),
        (b"a?b", "a%3Fb"),
        (b"a#b", "a%23b"),
        (b"a%20b", "a%20b"),
        (b"a:b@c", "a:b@c"),
        (b"~x+y;z=1", "~x+y;z=1"),
        ("\u2603", "%E2%98%83"),
        (b"\xe2\x98\x83", "%E2%98%83"),
    ],
)
def test_child_quotes_segment(segment: bytes | str, expected: str) -> None:
    url = URLPath.fromString("http://example.com/foo/")
    assert str(url.child(segment)) == f"http://example.com/foo/{expected}"


def test_parent_and_here() -> None:
    url = URLPath.fromString(FULL)
    assert str(url.parent()) == "http://example.com/"
    assert str(url.parent(keepQuery=True)) == "http://example.com/?yes=no&no=yes"
    assert str(url.here()) == "http://example.com/foo/"
    assert str(url.here(keepQuery=True)) == "http://example.com/foo/?yes=no&no=yes"
    directory = URLPath.fromString("http://example.com/foo/bar/")
    assert str(directory.parent()) == "http://example.com/foo/"
    assert str(directory.here()) == "http://example.com/foo/bar/"
    assert str(directory.parent().parent().parent()) == "http://example.com/"
    root = URLPath.fromString("http://example.com/")
    assert str(root.parent()) == "http://example.com/"
    assert str(root.here()) == "http://example.com/"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        (b"", FULL),
        (b".", "http://example.com/foo/"),
        (b"..", "http://example.com/"),
        (b"baz", "http://example.com/foo/baz"),
        (b"/abs", "http://example.com/abs"),
        (b"a/b/../c", "http://example.com/foo/a/c"),
        (b"./d?q", "http://example.com/foo/d?q"),
        (b"../../../../x", "http://example.com/x"),
        (b"x#f", "http://example.com/foo/x#f"),
        (b"//other/x", "http://other/x"),
        (b"?q=2", "http://example.com/foo/bar?q=2"),
        (b"#f", "http://example.com/foo/bar?yes=no&no=yes#f"),
        (b"https://z/q", "https://z/q"),
        (b"c d", "http://example.com/foo/c%20d"),
        ("x", "http://example.com/foo/x"),
    ],
)
def test_click(href: bytes | str, expected: str) -> None:
    assert str(URLPath.fromString(FULL).click(href)) == expected


class FakeRequest:
    def __init__(self, url: bytes) -> None:
        self.url = url

    def prePathURL(self) -> bytes:
        return self.url


def test_fromRequest_uses_prePathURL() -> None:
    url = URLPath.fromRequest(FakeRequest(b"https://example.com:8443/app/page"))
    assert url.scheme == b"https"
    assert url.netloc == b"example.com:8443"
    assert str(url.child(b"x")) == "https://example.com:8443/app/page/x"


def test_equality_and_hash() -> None:
    assert URLPath.fromString(FULL) == URLPath.fromString(FULL)
    assert URLPath.fromString(FULL) != URLPath.fromString("http://example.com/")
    assert len({URLPath.fromString(FULL), URLPath.fromBytes(FULL.encode())}) == 1
    assert URLPath() != "http://localhost/"
