"""aiohttp serving a directory with ``add_static`` (FileResponse): ``python ... PORT DIR``.

On the stdlib loop, where aiohttp's FileResponse gets ``loop.sendfile`` (zero copy); on
uvloop, whose loop has no ``sendfile``, it would fall back to reading and writing chunks.
"""

import asyncio
import sys

from aiohttp import web


async def serve(port: int, root: str) -> None:
    app = web.Application()
    app.router.add_static("/", root)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2]))


if __name__ == "__main__":
    main()
