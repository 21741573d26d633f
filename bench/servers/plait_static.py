"""plait serving a directory with ``plait.web.static.File``: ``python plait_static.py PORT DIR``.

plait's default loop (uvloop); on plain TCP the file bodies go out with ``os.sendfile``.
"""

import sys

from plait.internet import reactor
from plait.web.server import Site
from plait.web.static import File


def main() -> None:
    port, root = int(sys.argv[1]), sys.argv[2]
    reactor.listenTCP(port, Site(File(root)), backlog=1024, interface="127.0.0.1")
    reactor.run()


if __name__ == "__main__":
    main()
