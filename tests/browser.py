"""Headless Chromium for the report tests: find it, run it, read what it logged."""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# without the background-networking flags Chromium tries to reach Google's hosts at every start
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)


def find_browser() -> str:
    """The browser's path; skips the test where none is installed (.ci/run installs one)."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no browser installed")


def run_browser(browser, tmp_path, *args) -> subprocess.CompletedProcess:
    """Run the browser once with a fresh profile folder under ``tmp_path``."""
    profile = tmp_path / f"profile{len(list(tmp_path.glob('profile*')))}"
    return subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def console_lines(stderr: str) -> list[str]:
    """Console messages and uncaught errors the page caused (Chromium logs them on stderr)."""
    # a Content-Security-Policy violation (something external) is one of them
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def png_size(path) -> tuple[int, int]:
    """Width and height of a PNG file."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])
