"""Several app processes behind nginx with sticky sessions, on this machine's loopback.

One process runs every session's Python under one GIL; past a few dozen users more
processes are the way to more throughput (README, Hosting). A user's runs live in the
process their websocket talks to, so a proxy in front must send every request of a browser
to the same process: nginx gives a new browser a replica at random and a cookie that keeps
it there (open-source nginx has no ``sticky`` directive; ``split_clients`` + ``map`` do the
same). ``nginx_config`` writes the configuration that deploy/nginx.conf holds (a test keeps
the two equal), and :func:`sticky_replicas` runs it for bench/load.py ``--replicas N``.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

COOKIE = "dlp_replica"


def nginx_config(listen: str, replicas: list[str], prefix: str | None = None) -> str:
    """An nginx.conf that spreads new browsers over ``replicas`` (host:port) at random and
    keeps each on its replica with the ``dlp_replica`` cookie; websockets pass through.

    ``prefix``: a folder for the pid file, logs and temporary files (the benchmark's own
    run); without it, nginx's standard places (/run/nginx.pid, /var/log/nginx, ...)."""
    n = len(replicas)
    shares = "\n".join(f"        {100 / n:.4g}% {i};" for i in range(n - 1))
    shares += f"\n        * {n - 1};"
    known = "\n".join(f'        "{i}" {i};' for i in range(n))
    addresses = "\n".join(f"        {i} {address};" for i, address in enumerate(replicas))
    paths = "" if prefix is None else (
        f"pid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n")
    temp = "" if prefix is None else "".join(
        f"    {kind}_temp_path {prefix}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""# nginx in front of {n} app processes with sticky sessions (bench/replicas.py writes this).
# Each process keeps its users' training runs in memory, so every request of a browser,
# the websocket above all, must reach the same process. If a process goes down, its users
# get errors until their cookie is dropped (a new browser session) or the process is back.
worker_processes 1;
{paths}events {{ worker_connections 4096; }}

http {{
    access_log off;
{temp}
    # a browser without the cookie gets a replica at random ...
    split_clients "${{remote_addr}}${{remote_port}}${{msec}}" $new_replica {{
{shares}
    }}
    # ... and keeps it: the cookie names its replica
    map $cookie_{COOKIE} $replica {{
{known}
        default $new_replica;
    }}
    map $replica $replica_address {{
{addresses}
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" close;
    }}

    server {{
        listen {listen};
        client_max_body_size 50m;  # Streamlit's own upload limit is in .streamlit/config.toml
        location / {{
            proxy_pass http://$replica_address;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;  # with the port: Streamlit checks Origin
            # (the app keeps each browser session's run history apart when it sees this)
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 1h;  # a websocket stays open while the page is
            proxy_buffering off;
            add_header Set-Cookie "{COOKIE}=$replica; Path=/; HttpOnly; SameSite=Lax" always;
        }}
    }}
}}
"""


@contextlib.contextmanager
def sticky_replicas(n: int, extra_env: dict | None = None):
    """Start ``n`` app servers and nginx in front of them on 127.0.0.1; yield
    ``(proxy_url, replica_urls)``; stop them all afterwards."""
    from tests.browser.harness import free_port, streamlit_server

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("--replicas needs nginx (Debian: apt-get install -y nginx-light)")
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(streamlit_server(extra_env)) for _ in range(n)]
        prefix = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nginx-")))
        port = free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_config(f"127.0.0.1:{port}", [u.split("//")[1] for u in urls],
                                     str(prefix)))  # deploy/nginx.conf, own ports and paths
        process = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf), "-g",
                                    "daemon off;"], stderr=subprocess.STDOUT,
                                   stdout=open(prefix / "stdout.log", "w"))
        stack.callback(_stop, process)
        proxy = f"http://127.0.0.1:{port}"
        _wait_healthy(proxy, process, prefix)
        yield proxy, urls


def _wait_healthy(url: str, process: subprocess.Popen, prefix: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    log = (prefix / "error.log").read_text() if (prefix / "error.log").exists() else ""
    raise RuntimeError(f"nginx did not start: {log}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
