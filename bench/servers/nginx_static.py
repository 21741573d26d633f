"""nginx, one worker, serving a directory: ``python nginx_static.py PORT DIR``.

Writes a minimal nginx.conf into bench/_work/nginx-PORT/ (pid, logs and temp files there
too), then execs nginx in the foreground (``daemon off``), so this process's PID is the
nginx master's and SIGTERM stops it. sendfile on, access log off, keep-alive connections
never closed by a request count (the Python servers have no such limit).
"""

import os
import shutil
import sys
from pathlib import Path

WORK = Path(__file__).resolve().parents[1] / "_work"

CONF = """\
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000000;
    keepalive_timeout 60s;
    default_type application/octet-stream;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        root {root};
    }}
}}
"""


def main() -> None:
    port, root = int(sys.argv[1]), os.path.abspath(sys.argv[2])
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if nginx is None:
        raise SystemExit("nginx is not installed (apt-get install nginx)")
    work = WORK / f"nginx-{port}"
    work.mkdir(parents=True, exist_ok=True)
    conf = work / "nginx.conf"
    conf.write_text(CONF.format(work=work, port=port, root=root))
    os.execv(nginx, [nginx, "-p", str(work), "-e", str(work / "error.log"), "-c", str(conf)])


if __name__ == "__main__":
    main()
