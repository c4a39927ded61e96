"""Students' view: open a notebook in JupyterLab in Chromium, Run All, use its widget.

For each notebook: Run All from the Run menu (fast mode), wait until every code cell has run
and the kernel is idle, assert that no output is an error (traceback, widget that failed to
render), then move the notebook's widget with the mouse and see its output change, and save
screenshots under ``tests/browser/artifacts/`` (listed at the end of the pytest output).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser

TIMEOUT = float(os.environ.get("SISRLEARN_BROWSER_TIMEOUT", "600"))  # seconds per notebook
ERROR_TEXT = re.compile(r"Traceback|Error|Exception|Failed to (load|create)|Loading widget")


def _code_cells(notebook: str) -> int:
    cells = json.loads((ROOT / "notebooks" / notebook).read_text())["cells"]
    return sum(cell["cell_type"] == "code" for cell in cells)


def _kernel_state(lab, notebook: str) -> str | None:
    for session in lab.api("sessions"):
        if session["path"] == notebook and session.get("kernel"):
            return session["kernel"]["execution_state"]
    return None


def _wait(what: str, ready, timeout: float, page=None, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = ready()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}", pytrace=False)
        if page is not None:
            page.wait_for_timeout(every * 1000)
        else:
            time.sleep(every)


def _prompts(page) -> list[str]:
    return page.eval_on_selector_all(
        ".jp-Notebook .jp-CodeCell .jp-InputPrompt", "els => els.map(e => e.textContent.trim())"
    )


def _all_ran(page, count: int) -> bool:
    prompts = _prompts(page)
    return len(prompts) == count and all(re.fullmatch(r"\[\d+\]:", p) for p in prompts)


def _outputs(page) -> list[tuple[str | None, str]]:
    return page.eval_on_selector_all(
        ".jp-Notebook .jp-OutputArea-output",
        "els => els.map(e => [e.getAttribute('data-mime-type'), e.textContent])",
    )


def _image_src(box) -> str:
    img = box.locator("img").first
    img.wait_for(state="visible", timeout=60_000)
    return img.get_attribute("src") or ""


def _wait_for_new_image(page, box, old: str) -> str:
    _wait("the widget's output to change", lambda: _image_src(box) != old, 60, page)
    return _image_src(box)


def _wipe_the_slider(page) -> object:
    """Notebook 01: drag the before/after split to the right; the picture is redrawn."""
    box = page.locator(".widget-vbox", has=page.locator(".widget-slider")).last
    box.scroll_into_view_if_needed()
    readout = box.locator(".widget-readout").first
    before_value, before_src = int(readout.inner_text()), _image_src(box)
    handle = box.locator(".noUi-handle").first.bounding_box()
    track = box.locator(".noUi-base").first.bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(track["x"] + 0.85 * track["width"], y, steps=12)
    page.mouse.up()
    _wait_for_new_image(page, box, before_src)
    after_value = int(readout.inner_text())
    assert after_value > before_value, (before_value, after_value)
    return box


def _pick_and_toggle(page) -> object:
    """Notebook 02: pick the O in the X/O explorer, then flip a pixel; votes and maps follow."""
    box = page.locator(".widget-vbox", has=page.locator(".widget-dropdown")).last
    box.scroll_into_view_if_needed()
    votes = box.locator(".widget-html").first
    assert re.search(r"votes.*X.*O.*→\s*X", votes.inner_text()), votes.inner_text()
    src = _image_src(box)
    box.locator(".widget-dropdown select").first.select_option("O")
    _wait("the O votes", lambda: re.search(r"→\s*O", votes.inner_text()), 60, page)
    src = _wait_for_new_image(page, box, src)
    box.locator(".widget-toggle-button").first.click()
    _wait_for_new_image(page, box, src)
    return box


INTERACT = {
    "01_images_and_metrics.ipynb": _wipe_the_slider,
    "02_toy_convnet.ipynb": _pick_and_toggle,
}


@pytest.mark.parametrize("notebook", list(INTERACT))
def test_notebook_runs_in_jupyterlab_and_its_widget_responds(
    notebook, lab, browser, artifacts, browser_report
):
    started = time.monotonic()
    page = browser.new_page()
    try:
        page.goto(lab.page_url(notebook), timeout=120_000)
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=120_000)
        _wait("the kernel to start", lambda: _kernel_state(lab, notebook) == "idle", 180, page)

        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        count = _code_cells(notebook)
        _wait(f"all {count} code cells to run", lambda: _all_ran(page, count), TIMEOUT, page, 1)
        _wait("the kernel to go idle", lambda: _kernel_state(lab, notebook) == "idle", 60, page)
        ran = time.monotonic() - started

        outputs = _outputs(page)
        stderr = "application/vnd.jupyter.stderr"
        errors = [
            text[:2000]
            for mime, text in outputs
            if ERROR_TEXT.search(text) and mime in (stderr, None)
        ]
        assert not errors, "error output in the page:\n" + "\n---\n".join(errors)
        warnings = [text[:300] for mime, text in outputs if mime == stderr]
        if warnings:
            browser_report.append(f"{notebook}: stderr output (not errors): {warnings}")
        assert any(mime == "image/png" for mime, _ in outputs), "no figure was drawn"

        widget = INTERACT[notebook](page)
        stem = notebook.removesuffix(".ipynb")
        page_shot, widget_shot = artifacts / f"{stem}.png", artifacts / f"{stem}-widget.png"
        widget.scroll_into_view_if_needed()
        page.screenshot(path=str(page_shot))
        widget.screenshot(path=str(widget_shot))
        browser_report.append(
            f"{notebook}: Run All {ran:.0f} s, all {time.monotonic() - started:.0f} s; "
            f"screenshots {page_shot} {widget_shot}"
        )
    except Exception:
        failed = artifacts / f"{notebook.removesuffix('.ipynb')}-failed.png"
        page.screenshot(path=str(failed), full_page=True)
        browser_report.append(f"{notebook}: FAILED, screenshot {failed}; log {lab.log}")
        raise
    finally:
        page.close()
        lab.shutdown_kernels()
