"""aiohttp's web server on uvloop: ``python aiohttp_app.py PORT``.

aiohttp uses its C (llhttp) parser when built with extensions; access logging is off, as
it is (effectively) for plait when nothing reads the ``plait.access`` logger.
"""

import asyncio
import sys

import uvloop
from aiohttp import web

BODY = b"Hello, world!\n"


async def hello(request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="text/plain")


async def serve(port: int) -> None:
    app = web.Application()
    app.router.add_get("/", hello)
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
