"""A real browser against a real JupyterLab: Debian's Chromium driven by Playwright (Python).

The test starts JupyterLab on 127.0.0.1 (a free port, a random token, fast mode in the kernels)
serving a temporary copy of ``notebooks/``, so autosave never writes outputs into the
repository. Without Chromium or Playwright the tests skip and say how to install them; with
``SISRLEARN_REQUIRE_BROWSER=1`` (set by ``.ci/run``) a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("SISRLEARN_BROWSER_ARTIFACTS", Path(__file__).parent / "artifacts"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL = (
    "install them with `apt-get install chromium` (Debian/Ubuntu; or set SISRLEARN_CHROMIUM "
    "to a Chromium binary) and `pip install -e '.[dev]'` (Playwright for Python; no "
    "`playwright install` needed, the system Chromium is used)"
)
# JupyterLab settings for a quiet, deterministic page: no news or update pop-ups, no autosave.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    # every cell in the DOM (the default windowing renders only the visible ones)
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _missing(reason: str):
    if os.environ.get("SISRLEARN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SISRLEARN_REQUIRE_BROWSER=1): {INSTALL}", pytrace=False)
    pytest.skip(f"{reason}: {INSTALL}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("SISRLEARN_CHROMIUM") or shutil.which("chromium")
    path = path or shutil.which("chromium-browser")
    if not path:
        _missing("the browser test needs Chromium, which is not on PATH")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the browser test needs Playwright for Python, which is not installed")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab: its URL, token, served folder and REST API."""

    def __init__(self, url: str, token: str, root: Path, log: Path) -> None:
        self.url, self.token, self.root, self.log = url, token, root, log

    def api(self, path: str):
        request = urllib.request.Request(
            f"{self.url}/api/{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def page_url(self, notebook: str) -> str:
        return f"{self.url}/lab/tree/{notebook}?token={self.token}&reset"

    def shutdown_kernels(self) -> None:
        for kernel in self.api("kernels"):
            request = urllib.request.Request(
                f"{self.url}/api/kernels/{kernel['id']}",
                method="DELETE",
                headers={"Authorization": f"token {self.token}"},
            )
            urllib.request.urlopen(request, timeout=30).close()


@pytest.fixture(scope="session")
def lab(chromium_path, tmp_path_factory):
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = base / "settings"
    for name, value in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "SISRLEARN_FAST": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--ServerApp.terminals_enabled=False",
    ]
    if hasattr(os, "getuid") and os.getuid() == 0:
        cmd.append("--allow-root")
    log = base / "jupyterlab.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=log_file)
    try:
        handle = Lab(f"http://127.0.0.1:{port}", token, root, log)
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log.read_text()}")
            try:
                handle.api("status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer in 180 s:\n{log.read_text()}")
                time.sleep(0.5)
        yield handle
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def browser(chromium_path, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


_REPORT: list[str] = []


@pytest.fixture()
def browser_report() -> list[str]:
    """Lines printed at the end of the pytest output (timings, screenshot paths)."""
    return _REPORT


def pytest_terminal_summary(terminalreporter):
    if _REPORT:
        terminalreporter.section("browser test")
        for line in _REPORT:
            terminalreporter.write_line(line)


@pytest.fixture()
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
