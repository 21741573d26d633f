"""The HTTP-auth and virtual-host examples, started as real processes."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import httpx

Start = Callable[..., str]


def test_http_auth(runExample: Start) -> None:
    base = runExample("http_auth")
    refused = httpx.get(base + "/")
    assert refused.status_code == 401
    challenges = refused.headers.get_list("www-authenticate")
    assert [c.split(", ")[1:3] for c in challenges] == [
        ['qop="auth"', "algorithm=SHA-256"],
        ['qop="auth"', "algorithm=MD5"],
    ]
    with httpx.Client(base_url=base, auth=httpx.DigestAuth("joe", "blow")) as browser:
        home = browser.get("/")
        assert home.status_code == 200
        assert "<h1>Hello, joe</h1>" in home.text
        assert browser.get("/whoami").text == "joe"
        # Each finished request logged the avatar out once.
        assert "Logouts so far: 2" in browser.get("/").text
    assert httpx.get(base + "/", auth=httpx.DigestAuth("joe", "nope")).status_code == 401


def test_http_auth_with_curl(runExample: Start) -> None:
    base = runExample("http_auth")
    curl = shutil.which("curl")
    assert curl is not None, "curl is needed (apt-get install curl)"
    done = subprocess.run(
        [
            curl,
            "--silent",
            "--max-time",
            "10",
            "--digest",
            "-u",
            "alice:wonderland",
            base + "/whoami",
        ],
        capture_output=True,
        timeout=30,
        check=True,
    )
    assert done.stdout == b"alice"


def test_virtual_hosts(runExample: Start) -> None:
    base = runExample("virtual_hosts")
    port = base.rsplit(":", 1)[1]
    with httpx.Client(base_url=base) as client:
        blue = client.get("/", headers={"Host": f"blue.localhost:{port}"})
        assert "The blue site" in blue.text
        assert f"http://blue.localhost:{port}/" in blue.text
        red = client.get("/latest/", headers={"Host": "RED.localhost"})
        assert "Red release 2" in red.text
        assert "Red release 1" in client.get("/v1", headers={"Host": "red.localhost"}).text
        listing = client.get("/")
        assert f'href="http://red.localhost:{port}/"' in listing.text
        proxied = client.get("/vhost/https/www.example.com:443/")
        assert "The blue site" in proxied.text
        assert "This page's URL: https://www.example.com/" in proxied.text
