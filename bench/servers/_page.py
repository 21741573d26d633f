"""The template page shared by the template contenders: a 100-row table, data built once.

``page_element(template)`` builds the Element class against a template module
(``plait.web.template`` or ``twisted.web.template``), so plait and Twisted render the very
same XML with the very same renderers; `JINJA_SOURCE` is the equivalent Jinja2 template.
"""

from typing import Any

ROW_COUNT = 100

# Names with markup characters, so every renderer does real escaping work.
ROWS = tuple(
    {
        "n": str(i),
        "name": f"Customer {i} <O'Brien & Sons>",
        "email": f"user{i}@example.com",
        "amount": f"{i * 37.5:,.2f}",
    }
    for i in range(1, ROW_COUNT + 1)
)

XML_SOURCE = (
    """\
<html xmlns:t="http://twistedmatrix.com/ns/twisted.web.template/0.1">
<head><title t:render="title" /></head>
<body>
<h1 t:render="title" />
<table class="report">
<tr><th>#</th><th>name</th><th>email</th><th>amount</th></tr>
"""
    '<tr t:render="rows"><td><t:slot name="n" /></td><td><t:slot name="name" /></td>'
    '<td><a><t:attr name="href">mailto:<t:slot name="email" /></t:attr>'
    '<t:slot name="email" /></a></td><td class="num"><t:slot name="amount" /></td></tr>\n'
    """\
</table>
</body>
</html>
"""
)

JINJA_SOURCE = (
    """\
<!DOCTYPE html>
<html>
<head><title>{{ title }}</title></head>
<body>
<h1>{{ title }}</h1>
<table class="report">
<tr><th>#</th><th>name</th><th>email</th><th>amount</th></tr>
"""
    "{% for row in rows %}<tr><td>{{ row.n }}</td><td>{{ row.name }}</td>"
    '<td><a href="mailto:{{ row.email }}">{{ row.email }}</a></td>'
    '<td class="num">{{ row.amount }}</td></tr>{% endfor %}\n'
    """\
</table>
</body>
</html>
"""
)

TITLE = "Quarterly report & <summary>"


def page_element(template: Any) -> Any:
    """The page's Element class, built on *template* (a twisted.web.template-like module)."""
    loader = template.XMLString(XML_SOURCE)

    class Page(template.Element):  # type: ignore[misc, name-defined]
        """The 100-row report page."""

        def __init__(self) -> None:
            super().__init__(loader)

        @template.renderer
        def title(self, request: Any, tag: Any) -> Any:
            return tag(TITLE)

        @template.renderer
        def rows(self, request: Any, tag: Any) -> Any:
            for row in ROWS:
                yield tag.clone().fillSlots(**row)

    return Page


def looks_right(body: bytes) -> bool:
    """Whether *body* is the rendered page: all rows there, the markup escaped."""
    return (
        body.count(b"<tr>") + body.count(b"<tr ") == ROW_COUNT + 1
        and body.count(b"&amp; Sons&gt;") == ROW_COUNT
        and b"<O'Brien" not in body
        and b"mailto:user100@example.com" in body
    )
