"""examples/templates.py, started as a real process and used the way a browser would."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import httpx

Start = Callable[..., str]
VOID = frozenset(("meta", "input", "br", "img", "link", "hr"))


class Page(HTMLParser):
    """Collects what the tests look at: list items, inputs, textareas, links, the title."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.items: list[str] = []
        self.inputs: dict[str, str] = {}
        self.textareas: dict[str, str] = {}
        self.links: list[tuple[str, str]] = []
        self.title = ""
        self.errors: list[str] = []
        self._open: list[tuple[str, dict[str, str | None]]] = []
        self._text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input":
            self.inputs[attributes.get("name") or ""] = attributes.get("value") or ""
            return
        if tag in VOID:
            return
        self._open.append((tag, attributes))
        self._text.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        name, attributes = self._open.pop()
        assert name == tag, f"</{tag}> closes <{name}>"
        text = self._text.pop()
        if self._text:
            self._text[-1] += text
        if tag == "li" and attributes.get("class") is None:
            self.items.append(text)
        elif tag == "textarea":
            self.textareas[attributes.get("name") or ""] = text
        elif tag == "a":
            self.links.append((attributes.get("href") or "", text))
        elif tag == "title":
            self.title = text
        elif tag == "p" and attributes.get("class") == "error":
            self.errors.append(text)

    def handle_data(self, data: str) -> None:
        if self._text:
            self._text[-1] += data


def test_guestbook_list_form_and_layout(runExample: Start) -> None:
    base = runExample("templates")
    with httpx.Client(base_url=base) as browser:
        first = browser.get("/")
        assert first.status_code == 200
        assert first.headers["content-type"].startswith("text/html")
        assert first.text.startswith('<!DOCTYPE html>\n<html lang="en">')
        # The template namespace and its directives never reach the browser.
        assert "xmlns:t" not in first.text
        assert "t:" not in re.sub(r"<style>.*?</style>", "", first.text, flags=re.S)
        page = Page(first.text)
        assert page.title == "Guestbook · plait guestbook"
        assert page.links[:2] == [("./", "Guestbook"), ("./about", "About")]
        assert page.errors == []
        assert page.inputs["author"] == ""
        before = len(page.items)
        assert before >= 1

        # Signing redirects back to the list (post/redirect/get), newest entry first,
        # with markup shown as text.
        signed = browser.post("/", data={"author": "<Eve>", "message": 'hi & "bye" <b>'})
        assert signed.status_code == 303
        assert signed.headers["location"] == "/"
        after = Page(browser.get("/").text)
        assert len(after.items) == before + 1
        assert after.items[0] == '<Eve>: hi & "bye" <b>'
        listed = browser.get("/").text
        assert "&lt;Eve&gt;" in listed
        assert "<Eve>" not in listed


def test_guestbook_form_asks_again_keeping_what_was_typed(runExample: Start) -> None:
    base = runExample("templates")
    typed = 'Mallory "><script>alert(1)</script>'
    response = httpx.post(base + "/", data={"author": typed, "message": "  "})
    assert response.status_code == 400
    page = Page(response.text)
    assert page.errors == ["Both a name and a message, please."]
    # What was typed goes back into the form, escaped inside the attribute.
    assert page.inputs["author"] == typed
    assert "<script>" not in response.text
    assert page.textareas["message"] == ""
    # Nothing was added.
    assert typed not in "".join(Page(httpx.get(base + "/").text).items)


def test_about_page_from_stan_in_the_same_layout(runExample: Start) -> None:
    base = runExample("templates")
    response = httpx.get(base + "/about")
    assert response.status_code == 200
    page = Page(response.text)
    assert page.title == "About · plait guestbook"
    assert ("./about", "About") in page.links
    assert "t:render calls a @renderer" in page.items
    assert '<a href="./about" class="current">About</a>' in response.text
    assert httpx.get(base + "/nothing").status_code == 404
