"""Twisted Web serving a directory with ``twisted.web.static.File``: ``python ... PORT DIR``.

Default reactor (epoll) and Twisted's defaults otherwise (access log included).
"""

import sys


def main() -> None:
    port, root = int(sys.argv[1]), sys.argv[2]
    from twisted.internet import reactor
    from twisted.web.server import Site
    from twisted.web.static import File

    reactor.listenTCP(port, Site(File(root)), backlog=1024, interface="127.0.0.1")
    reactor.run()


if __name__ == "__main__":
    main()
