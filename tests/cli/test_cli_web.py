"""``plait web``: each option's observable effect, through the real command and real sockets."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

PlaitWeb = Any  # the plaitWeb fixture (tests/cli/conftest.py)


def runToEnd(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plait", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def assertOneLineError(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert result.returncode == code, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("plait web: error: ")
    assert text in lines[0]
    assert "Traceback" not in result.stderr


# -- the first minute -------------------------------------------------------------------------


def test_default_page_says_plait_works(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start()
    assert running.url.startswith("http://127.0.0.1:")
    response = httpx.get(running.url + "/")
    assert response.status_code == 200
    assert "plait works" in response.text
    assert "--path" in response.text
    running.expect(rf"serving the default page \(pid {running.pid}\)")


def test_help_lists_the_options() -> None:
    result = runToEnd("web", "--help")
    assert result.returncode == 0
    for option in ("--listen", "--path", "--class", "--workers", "--shutdown-timeout", "--reload"):
        assert option in result.stdout
    assert result.stderr == ""


def test_top_level_help_and_version() -> None:
    result = runToEnd("--help")
    assert result.returncode == 0
    assert "web" in result.stdout
    version = runToEnd("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("plait ")
    unknown = runToEnd("serve")
    assert unknown.returncode == 2
    assert unknown.stderr.count("\n") == 1
    assert "unknown command 'serve'" in unknown.stderr


def test_console_script_runs() -> None:
    script = Path(sys.executable).with_name("plait")
    result = subprocess.run(
        [str(script), "web", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "--listen" in result.stdout


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--workers", "zero"], "--workers"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--listen", "nonsense:1"], "unknown server endpoint type 'nonsense'"),
        (["--listen", "tcp:notaport"], "tcp:notaport"),
        (["--path", "/no/such/folder"], "does not exist"),
        (["--path", ".", "--class", "a.B"], "choose one of --path, --class"),
        (["--mime-type", "text/plain"], "--mime-type only makes sense with --path"),
        (["--path", ".", "--processor", "nonsense"], "expected EXT=MODULE.CLASS"),
        (["--add-header", "no colon"], "expected 'Name: Value'"),
        (["--max-body-bytes", "-1"], "--max-body-bytes: must not be negative"),
        (["--idle-timeout", "0"], "--idle-timeout: must be positive"),
        (["--class", "no_such_module.Thing"], "--class: cannot import 'no_such_module.Thing'"),
        (["--class", "testsite.Missing"], "--class: cannot import 'testsite.Missing'"),
        (["--wsgi", "app.application"], "--wsgi is not available yet"),
        (["--logfile", "/no/such/folder/access.log"], "--logfile: cannot write"),
        (["--https", "0", "--certificate", "nope.pem", "--privkey", "nope.pem"], "nope.pem"),
    ],
)
def test_bad_command_line_is_one_line_and_exit_2(
    plaitWeb: PlaitWeb, args: list[str], text: str
) -> None:
    result = runToEnd("web", "--listen", "tcp:0:interface=127.0.0.1", *args, cwd=plaitWeb.folder)
    assertOneLineError(result, 2, text)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_port_in_use_is_one_line_and_exit_1(workers: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runToEnd(
            "web", "--listen", f"tcp:{port}:interface=127.0.0.1", "--workers", workers
        )
    assertOneLineError(result, 1, f"cannot listen on tcp:{port}:interface=127.0.0.1")
    assert "in use" in result.stderr


# -- what to serve ----------------------------------------------------------------------------


def test_path_serves_files_and_listings(plaitWeb: PlaitWeb, tmp_path: Path) -> None:
    public = tmp_path / "public"
    (public / "sub").mkdir(parents=True)
    (public / "hello.txt").write_text("hello file\n")
    (public / "sub" / "<b>.txt").write_text("x")
    running = plaitWeb.start("--path", str(public))
    running.expect(r"serving the files in .*public")
    response = httpx.get(running.url + "/hello.txt")
    assert response.text == "hello file\n"
    assert response.headers["content-type"].startswith("text/plain")
    listing = httpx.get(running.url + "/sub/")
    assert listing.status_code == 200
    assert "&lt;b&gt;.txt" in listing.text
    assert httpx.get(running.url + "/missing").status_code == 404


def test_path_file_options(plaitWeb: PlaitWeb, tmp_path: Path) -> None:
    public = tmp_path / "public"
    (public / "docs").mkdir(parents=True)
    (public / "docs" / "start.html").write_text("<p>start page</p>")
    (public / "docs" / "index.html").write_text("<p>default index</p>")
    (public / "page.html").write_text("<p>page</p>")
    (public / "data.unknownext").write_text("opaque")
    (public / "notes.shout").write_text("quiet words")
    running = plaitWeb.start(
        "--path",
        str(public),
        "--index",
        "start.html",
        "--mime-type",
        "text/x-test",
        "--ignore-ext",
        ".html",
        "--processor",
        ".shout=testsite.Upper",
    )
    assert httpx.get(running.url + "/docs/").text == "<p>start page</p>"  # --index replaced
    unknown = httpx.get(running.url + "/data.unknownext")
    assert unknown.headers["content-type"].startswith("text/x-test")  # --mime-type
    assert httpx.get(running.url + "/page").text == "<p>page</p>"  # --ignore-ext
    assert httpx.get(running.url + "/notes.shout").text == "QUIET WORDS"  # --processor


def test_allow_ignore_ext(plaitWeb: PlaitWeb, tmp_path: Path) -> None:
    public = tmp_path / "public"
    public.mkdir()
    (public / "report.csv").write_text("a,b\n")
    running = plaitWeb.start("--path", str(public), "--allow-ignore-ext")
    assert httpx.get(running.url + "/report").text == "a,b\n"


def test_rpy_scripts_under_path(plaitWeb: PlaitWeb, tmp_path: Path) -> None:
    public = tmp_path / "public"
    public.mkdir()
    (public / "hi.rpy").write_text(
        "from plait.web.static import Data\nresource = Data(b'from rpy', 'text/plain')\n"
    )
    running = plaitWeb.start("--path", str(public))
    assert httpx.get(running.url + "/hi.rpy").text == "from rpy"


def test_class(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid")
    assert httpx.get(running.url + "/any/path").text == str(running.pid)
    running.expect(r"serving testsite\.Pid\(\)")


RPY = """
from plait.web.resource import Resource

class Page(Resource):
    isLeaf = True

    def render_GET(self, request):
        return b"%s at " + request.path

resource = Page()
"""


def test_resource_script(plaitWeb: PlaitWeb, tmp_path: Path) -> None:
    script = tmp_path / "page.rpy"
    script.write_text(RPY % "script one")
    running = plaitWeb.start("--resource-script", str(script))
    assert httpx.get(running.url + "/a/b").text == "script one at /a/b"
    # The script runs again for every request: a change shows without a restart.
    script.write_text(RPY % "script two")
    assert httpx.get(running.url + "/").text == "script two at /"


# -- the site ---------------------------------------------------------------------------------


def test_logfile(plaitWeb: PlaitWeb, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    running = plaitWeb.start("--class", "testsite.Pid", "--logfile", str(log))
    with httpx.Client() as client:
        client.get(running.url + "/logged?x=1", headers={"user-agent": "cli-test"})
        # Same connection: the second request is read only after the first one's line
        # was written, so the file holds it once the second response is here.
        client.get(running.url + "/second")
    text = log.read_text()
    assert '"GET /logged?x=1 HTTP/1.1" 200' in text
    assert '"cli-test"' in text


def test_logfile_dash_is_stdout(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid", "--logfile", "-")
    httpx.get(running.url + "/to-stdout")
    running.expect(r'"GET /to-stdout HTTP/1\.1" 200', stream="out")


def test_access_log_goes_to_stderr_by_default(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid")
    httpx.get(running.url + "/to-stderr")
    running.expect(r'"GET /to-stderr HTTP/1\.1" 200', stream="err")


def test_add_header(plaitWeb: PlaitWeb, tmp_path: Path) -> None:
    (tmp_path / "public").mkdir()
    running = plaitWeb.start(
        "--path",
        str(tmp_path / "public"),
        "--add-header",
        "X-Frame-Options: DENY",
        "--add-header",
        "X-Served-By: plait-test",
    )
    for path in ("/", "/missing"):
        response = httpx.get(running.url + path)
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-served-by"] == "plait-test"


def test_add_header_with_a_leaf_class(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid", "--add-header", "X-A: 1")
    response = httpx.get(running.url + "/deep/path")
    assert response.text == str(running.pid)  # a leaf root still sees the whole path
    assert response.headers["x-a"] == "1"


@pytest.mark.parametrize("shown", [True, False])
def test_display_tracebacks(plaitWeb: PlaitWeb, shown: bool) -> None:
    args = ["--class", "testsite.Boom"] + (["--display-tracebacks"] if shown else [])
    running = plaitWeb.start(*args)
    response = httpx.get(running.url + "/")
    assert response.status_code == 500
    assert ("boom in a test resource" in response.text) is shown


# -- limits -----------------------------------------------------------------------------------


def test_max_body_bytes(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid", "--max-body-bytes", "10")
    assert httpx.post(running.url + "/", content=b"x" * 10).status_code != 413
    assert httpx.post(running.url + "/", content=b"x" * 11).status_code == 413


def test_max_header_bytes_and_headers(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start(
        "--class", "testsite.Pid", "--max-header-bytes", "600", "--max-headers", "5"
    )
    assert httpx.get(running.url + "/").status_code == 200
    assert httpx.get(running.url + "/", headers={"x-big": "y" * 700}).status_code == 431
    many = {f"x-h{i}": "1" for i in range(6)}
    assert httpx.get(running.url + "/", headers=many).status_code == 431


def test_max_request_target(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid", "--max-request-target", "100")
    assert httpx.get(running.url + "/" + "a" * 50).status_code == 200
    assert httpx.get(running.url + "/" + "a" * 150).status_code == 414


def test_idle_timeout(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid", "--idle-timeout", "0.3")
    host, port = running.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        began = time.monotonic()
        assert sock.recv(1) == b""  # the server closes the idle connection
        assert time.monotonic() - began < 5


def test_header_timeout(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.start("--class", "testsite.Pid", "--header-timeout", "0.3")
    host, port = running.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # the head never ends
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        assert data.startswith(b"HTTP/1.1 408 ")


# -- where to listen --------------------------------------------------------------------------


def test_several_listen_options(plaitWeb: PlaitWeb) -> None:
    running = plaitWeb.run(
        "--class",
        "testsite.Pid",
        "--listen",
        "tcp:0:interface=127.0.0.1",
        "--listen",
        "tcp:0:interface=127.0.0.1",
    )
    urls = {running.expect(r"listening on (\S+)").group(1) for _ in range(2)}
    assert len(urls) == 2
    for url in urls:
        assert httpx.get(url).text == str(running.pid)


def test_unix_listen(plaitWeb: PlaitWeb, tmp_path: Path) -> None:
    path = tmp_path / "web.sock"
    running = plaitWeb.run("--class", "testsite.Pid", "--listen", f"unix:{path}")
    assert running.expect(r"listening on (\S+)").group(1) == f"unix:{path}"
    with httpx.Client(transport=httpx.HTTPTransport(uds=str(path))) as client:
        assert client.get("http://plait/").text == str(running.pid)


def test_https(plaitWeb: PlaitWeb, tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    # Port 0 through --https: the listening line tells the real one.
    running = plaitWeb.run(
        "--class",
        "testsite.Pid",
        "--https",
        "0",
        "--certificate",
        str(tmp_path / "cert.pem"),
        "--privkey",
        str(tmp_path / "key.pem"),
    )
    url = running.expect(r"listening on (https://\S+)").group(1)
    assert url.startswith("https://localhost:")  # all interfaces: shown as localhost
    port = url.rstrip("/").rsplit(":", 1)[1]
    context = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    response = httpx.get(f"https://127.0.0.1:{port}/", verify=context)
    assert response.text == str(running.pid)
