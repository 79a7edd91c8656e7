"""A throw-away JupyterLab for the real-browser test: loopback, a token, no network.

``JupyterLabServer(root)`` starts ``jupyter lab`` on 127.0.0.1 with a free port
and a random token, with its settings, workspaces and runtime files inside
``root`` (so nothing of the user's own JupyterLab is read or written), no
browser, no news or update checks and a read-only extension manager (no PyPI
queries). ``stop()`` ends the server and everything it started (kernels too):
it runs in its own process group, which is signalled by its id.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _contrast import CONTRAST_JS

#: Debian's Chromium (``apt-get install chromium``); never a browser downloaded by
#: Playwright. ``OPENAPI_MAGIC_TEST_CHROMIUM`` points elsewhere (another distribution's).
CHROMIUM = os.environ.get("OPENAPI_MAGIC_TEST_CHROMIUM", "/usr/bin/chromium")
#: What a run without the browser prints at its end, under the skip reasons.
HOW_TO_GET_BROWSER_TESTS = (
    "to run them: sudo apt-get install chromium (Debian's; Playwright never downloads "
    'a browser here), and pip install -e ".[test]" (playwright, jupyterlab, ipykernel)'
)


def skip_without_browser() -> None:
    """Skip the calling test module (at import) when Chromium or the Python packages the
    real-browser tests drive it with are missing, saying which and how to get it."""
    import importlib.util

    import pytest

    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True
        )
    for needed in ("playwright", "jupyterlab", "ipykernel"):
        if importlib.util.find_spec(needed) is None:
            pytest.skip(f"the {needed} Python package is not installed", allow_module_level=True)


def browser_skips(reports: list) -> list[str]:
    """The distinct reasons real-browser tests (``*_browser.py``) were skipped, from a
    run's skipped reports."""
    reasons: list[str] = []
    for report in reports:
        if "_browser.py" not in str(getattr(report, "nodeid", "")) and "_browser.py" not in str(
            getattr(report, "fspath", "")
        ):
            continue
        longrepr = getattr(report, "longrepr", None)
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""
        reason = str(reason).removeprefix("Skipped: ")
        if reason and reason not in reasons:
            reasons.append(reason)
    return reasons


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

#: JupyterLab settings written before start: no news prompt or update check, and
#: widget state saved with the notebook (the secret scan reads it from the file).
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyter-widgets/jupyterlab-manager/plugin.jupyterlab-settings": {"saveState": True},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLabServer:
    """``jupyter lab`` serving ``root`` on loopback; ``url(path)`` carries the token.
    ``settings`` adds user settings (file name → value) to :data:`SETTINGS`."""

    def __init__(
        self, root: Path, *, startup_timeout: float = 60, settings: dict | None = None
    ) -> None:
        self.root = Path(root)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        home = self.root.parent / (self.root.name + "-jupyter")
        extra, settings = settings or {}, home / "settings"
        for name, value in {**SETTINGS, **extra}.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value), encoding="utf-8")
        env = {
            **os.environ,
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "IPYTHONDIR": str(home / "ipython"),
            "JUPYTER_PLATFORM_DIRS": "1",
        }
        self.log_path = home / "jupyterlab.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        cmd = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={home / 'workspaces'}",
            "--LabApp.news_url=None",
            "--LabApp.extension_manager=readonly",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            # a safety net: a server left behind by a crashed run ends itself
            "--ServerApp.shutdown_no_activity_timeout=600",
        ]
        self.process = subprocess.Popen(
            cmd,
            cwd=self.root,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_ready(startup_timeout)
        except BaseException:
            self.stop()
            raise

    def url(self, path: str = "lab") -> str:
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}{sep}token={self.token}"

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited ({self.process.returncode}):\n" + self.log()
                )
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.25)
        raise RuntimeError(f"jupyter lab did not answer within {timeout:g} s:\n" + self.log())

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    def stop(self) -> None:
        """End the server and its kernels (its whole process group), then close the log."""
        proc = self.process
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
            except ProcessLookupError:
                pass
        try:  # kernels started by the server share its process group
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def menu(page, name: str, command: str) -> None:
    """Click JupyterLab's menu ``name``, then its item running ``command``."""
    page.get_by_role("menuitem", name=name, exact=True).click()
    page.locator(f"li[data-command='{command}']").click()


#: How long Run All may take for one tutorial (each ~10-30 s on two busy cores).
RUN_MS = 240_000


def run_all_and_wait(page) -> None:
    """Run every cell of the open notebook and wait until each code cell has run."""
    page.wait_for_selector("#jp-main-statusbar >> text=Idle")
    menu(page, "Run", "runmenu:run-all")
    page.wait_for_function(
        "() => { const p = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) "
        ".jp-CodeCell .jp-InputPrompt')].map(e => e.innerText.trim());"
        " return p.length && p.every(t => /^\\[\\d+\\]:$/.test(t)); }",
        timeout=RUN_MS,
    )
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=RUN_MS)
    page.wait_for_timeout(1500)  # widgets and late displays settle


def notebook(cells: list[str]) -> dict:
    """A minimal nbformat-4 notebook of code cells, with the python3 kernel."""
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "cells": [
            {
                "cell_type": "code",
                "id": f"cell-{i}",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": src,
            }
            for i, src in enumerate(cells)
        ],
    }


#: The bundled themes, by the name JupyterLab's theme setting takes.
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def theme_css(name: str) -> str:
    """JupyterLab's own stylesheet for the ``"light"`` or ``"dark"`` theme (its ``--jp-*``
    variables), with every ``url()`` removed so nothing is fetched; skips the test when
    JupyterLab's themes are not installed."""
    import pytest

    for root in {sys.prefix, os.path.dirname(os.path.dirname(sys.executable))}:
        path = Path(
            root, "share/jupyter/lab/themes/@jupyterlab", f"theme-{name}-extension", "index.css"
        )
        if path.exists():
            return re.sub(r"url\([^)]*\)", "none", path.read_text())  # nothing fetched
    pytest.skip("JupyterLab's theme CSS is not installed")


def theme_settings(theme: str) -> dict:
    """User settings for ``theme`` (a key of :data:`THEMES`), with every cell rendered
    (no windowing: the page checks need the outputs laid out, not skipped)."""
    return {
        "@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": THEMES[theme]},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }


#: Run in the page: what in the outputs is clipped without a scrollbar, and which text
#: (SVG labels included) reads below 4.5:1 against its effective background (measured
#: as :mod:`_contrast` does).
PAGE_CHECKS = (
    r"""
(root) => {"""
    + CONTRAST_JS
    + r"""
  const problems = [];
  const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
    ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  for (const el of root.querySelectorAll('*')) {
    if (el.closest('svg, select, .jp-InputArea, [disabled], .lm-mod-hidden')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const ox = style.overflowX;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1
        && !['auto', 'scroll'].includes(ox) && style.display !== 'inline') {
      // overflowing visibly is fine only inside a box that scrolls
      let scroller = el.parentElement, ok = false;
      for (; scroller && scroller !== root.parentElement; scroller = scroller.parentElement) {
        const s = getComputedStyle(scroller);
        if (['auto', 'scroll'].includes(s.overflowX)) { ok = true; break; }
        if (['hidden', 'clip'].includes(s.overflowX)) break;
      }
      if (ox !== 'visible' || !ok)
        problems.push({kind: 'clipped', element: name(el), text: el.innerText.slice(0, 60),
                       scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, overflow: ox});
    }
  }
  const texts = textContrasts(root);
  for (const t of texts) if (t.ratio < 4.5) problems.push({kind: 'contrast', ...t});
  // a key/value view is read down, never sideways: values left-aligned, the table within
  // its box (a scrollbar under 45 rows is off-screen: values wrap instead)
  for (const table of root.querySelectorAll('table.openapi-magic-keyvalue')) {
    const box = table.parentElement;
    if (table.getBoundingClientRect().width > box.clientWidth + 1)
      problems.push({kind: 'clipped', element: 'table.openapi-magic-keyvalue',
                     text: table.innerText.slice(0, 60), width: table.offsetWidth,
                     clientWidth: box.clientWidth});
    for (const td of table.querySelectorAll('td'))
      if (!['left', 'start'].includes(getComputedStyle(td).textAlign)) {
        problems.push({kind: 'alignment', element: 'td', text: td.innerText.slice(0, 60),
                       textAlign: getComputedStyle(td).textAlign});
        break;
      }
  }
  return {problems, texts: texts.length};
}
"""
)
