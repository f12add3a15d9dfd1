"""The nginx configuration for several app processes (deploy/nginx.conf, bench/replicas.py):
a browser stays on one process, new browsers spread over all of them."""

import http.server
import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bench.replicas import COOKIE, nginx_config
from tests.browser.harness import free_port

ROOT = Path(__file__).resolve().parents[1]


def test_the_deploy_example_is_what_the_benchmark_runs():
    assert (ROOT / "deploy" / "nginx.conf").read_text() == nginx_config(
        "80", ["127.0.0.1:8502", "127.0.0.1:8503"])


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed (.ci/run installs nginx-light)")
def test_nginx_accepts_the_deploy_file():
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run([nginx, "-t", "-c", str(ROOT / "deploy" / "nginx.conf")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def _backend(name: str):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = f"{name} {self.headers.get('Upgrade', '-')}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed (.ci/run installs nginx-light)")
def test_a_browser_stays_on_its_replica_and_new_browsers_spread(tmp_path):
    backends = [_backend("a"), _backend("b")]
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_config(f"127.0.0.1:{port}",
                                 [f"127.0.0.1:{b.server_address[1]}" for b in backends],
                                 str(tmp_path)))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf), "-g",
                                "daemon off;"])
    try:
        def get(cookie=None, upgrade=None):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/")
            if cookie:
                request.add_header("Cookie", cookie)
            if upgrade:
                request.add_header("Upgrade", upgrade)
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.read().decode(), response.headers.get("Set-Cookie", "")

        deadline = time.monotonic() + 10
        while True:
            try:
                get()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        seen = set()
        for _ in range(40):  # new browsers: no cookie
            body, set_cookie = get()
            name = body.split()[0]
            seen.add(name)
            assert set_cookie.startswith(f"{COOKIE}={'ab'.index(name)};")
        assert seen == {"a", "b"}
        for replica, name in ((0, "a"), (1, "b")):  # a browser with its cookie
            for _ in range(10):
                body, set_cookie = get(f"{COOKIE}={replica}", upgrade="websocket")
                assert body == f"{name} websocket"  # the upgrade header passes through
                assert set_cookie.startswith(f"{COOKIE}={replica};")
        body, _ = get(f"{COOKIE}=junk")  # a stale or forged cookie: a replica all the same
        assert body.split()[0] in {"a", "b"}
    finally:
        process.terminate()
        process.wait(10)
        for backend in backends:
            backend.shutdown()
