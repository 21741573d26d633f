"""The template page rendered by Jinja2 in an aiohttp handler (uvloop): ``python ... PORT``.

The reference point for the template workload: the same table as bench/servers/_page.py's
XML template, autoescaping on, the template compiled once at start-up.
"""

import asyncio
import sys

import jinja2
import uvloop
from _page import JINJA_SOURCE, ROWS, TITLE
from aiohttp import web


async def serve(port: int) -> None:
    env = jinja2.Environment(autoescape=True)
    template = env.from_string(JINJA_SOURCE)

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=template.render(title=TITLE, rows=ROWS), content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    uvloop.run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
