"""A real browser: JupyterLab in headless Chromium runs the latent explorer notebook,
moves the interpolation slider with the keyboard and sees the decoded image change.

Needs Debian's chromium (.ci/run installs it). Without it the test fails in CI and is
skipped on a student's machine (where the rest of the suite still runs)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "07_latent_explorer.ipynb"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

if CHROMIUM is None and not IN_CI:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on 127.0.0.1 with a random token and private config/data/runtime dirs."""
    assert CHROMIUM, "chromium is required for the browser test: apt-get install chromium"
    port, token = _free_port(), uuid.uuid4().hex
    work = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", work, ignore=shutil.ignore_patterns("*.py", ".ipynb_checkpoints"))
    env = dict(os.environ)
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        env[var] = str(tmp_path / var.lower())
    settings = Path(env["JUPYTER_CONFIG_DIR"]) / "lab/user-settings/@jupyterlab/apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", f"--ServerApp.root_dir={work}"]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("JupyterLab did not start") from None
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""


def _wait_stable_src(page, selector, old=None, timeout=60):
    """Wait until the image src differs from ``old`` and then stays the same for ~1 s."""
    deadline = time.time() + timeout
    last, since = None, time.time()
    while time.time() < deadline:
        src = page.eval_on_selector(selector, "e => e.src") if page.query_selector(selector) else None
        if src and src != old:
            if src == last and time.time() - since > 1.0:
                return src
            if src != last:
                last, since = src, time.time()
        time.sleep(0.2)
    raise AssertionError(f"{selector} did not show a new, stable image within {timeout} s")


def test_slider_moves_and_image_changes(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    base, token = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?reset&token={token}")
            page.wait_for_function(KERNEL_IDLE, timeout=90_000)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_selector(".interpolation-explorer img", timeout=120_000)
            before = _wait_stable_src(page, ".interpolation-explorer img")
            handle = page.locator(".interpolation-explorer .widget-slider .noUi-handle").first
            handle.scroll_into_view_if_needed()
            handle.focus()
            for _ in range(10):  # t from 0 to 0.5 in steps of 0.05
                page.keyboard.press("ArrowRight")
            after = _wait_stable_src(page, ".interpolation-explorer img", old=before)
            readout = page.locator(".interpolation-explorer .widget-readout").first.inner_text()
            page.screenshot(path=os.environ.get("BROWSER_SCREENSHOT", str(tmp_path / "browser.png")))
            assert after != before, "moving the slider must change the decoded image"
            assert float(readout) > 0, f"the slider readout did not move: {readout!r}"
        finally:
            browser.close()
