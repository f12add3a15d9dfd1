"""The Dockerfile builds, and its image serves as a non-root user and reports healthy.

Runs where a Docker daemon answers (skipped elsewhere, CI included: its machines start no
daemon). ``DL_DOCKER_BASE_IMAGE`` names the Python base image when Docker Hub's
python:3.11-slim is out of reach (a mirror's copy, or one made with debootstrap).
"""

import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.harness import free_port

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "dl-playground:test"


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=15).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


pytestmark = pytest.mark.skipif(not _docker_answers(), reason="no Docker daemon here")


def test_the_image_builds_serves_as_a_non_root_user_and_reports_healthy():
    base = os.environ.get("DL_DOCKER_BASE_IMAGE", "python:3.11-slim")
    have = subprocess.run(["docker", "image", "inspect", base], capture_output=True).returncode
    if have != 0 and subprocess.run(["docker", "pull", base], capture_output=True,
                                    timeout=600).returncode != 0:
        pytest.skip(f"cannot get the base image {base} (set DL_DOCKER_BASE_IMAGE)")
    subprocess.run(["docker", "build", "--network", "host", "--build-arg",
                    f"BASE_IMAGE={base}", "-t", IMAGE, "."], cwd=ROOT, check=True,
                   capture_output=True, timeout=1800)
    port = free_port()
    name = f"dlp-test-{port}"
    subprocess.run(["docker", "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8501",
                    "--cpus", "2", "--memory", "2g", IMAGE], check=True, capture_output=True,
                   timeout=60)
    try:
        deadline = time.monotonic() + 120
        health = ""
        while time.monotonic() < deadline:
            state = json.loads(subprocess.run(
                ["docker", "inspect", "--format", "{{json .State}}", name],
                capture_output=True, text=True, check=True).stdout)
            assert state["Running"], state
            health = state.get("Health", {}).get("Status", "")
            if health == "healthy":
                break
            time.sleep(2)
        assert health == "healthy"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/mlp", timeout=10) as page:
            assert page.status == 200 and b"<html" in page.read().lower()
        uid = subprocess.run(["docker", "exec", name, "id", "-u"], capture_output=True,
                             text=True, check=True).stdout.strip()
        assert uid == "10001"  # the image's unprivileged user, not root
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
