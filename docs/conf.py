"""Sphinx configuration: the documentation site, with the tutorials executed at build time.

Build: ``pip install -e ".[docs]"`` then ``sphinx-build -W -b html docs docs/_build/html``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's package, before any installed copy

import openapi_magic  # noqa: E402

# The tutorials run on the bundled simulated splicer, never on the builder's own splicer:
# no connection variables and no profiles file reach the kernels (they inherit this env).
for _name in (
    "OPENAPI_ROOT",
    "OPENAPI_PID",
    "OPENAPI_SECRET_KEY",
    "OPENAPI_ENCRYPT",
    "OPENAPI_PROFILE",
):
    os.environ.pop(_name, None)
os.environ["OPENAPI_MAGIC_PROFILES"] = str(
    Path(tempfile.gettempdir()) / "openapi-magic-docs-no-profiles.ini"
)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

project = "openapi_magic"
author = "openapi_magic contributors"
copyright = "2026, openapi_magic contributors"
release = openapi_magic.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

# tutorials/ is a link to the repository's notebooks/: the notebooks are referenced, not copied.
exclude_patterns = [
    "_build",
    "**/.ipynb_checkpoints",
    "**/__pycache__",
    "tutorials/README*",
]

# Executed at every build, in a temporary folder (nothing is written back to notebooks/ or
# left in the checkout); a cell that raises fails the build unless it is tagged
# "raises-exception" (a tutorial that means to show an error).
nb_execution_mode = "force"
nb_execution_in_temp = True
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
# Our outputs carry HTML, Markdown and plain forms: the page shows the richest.
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", 10),
    ("html", "text/html", 20),
    ("html", "image/svg+xml", 30),
    ("html", "image/png", 40),
    ("html", "text/markdown", 50),
    ("html", "text/plain", 60),
]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": True}  # members: listed per module below
# Two public classes are named Call (a fleet's call, a captured call): a bare `Call` in an
# annotation matches both, and Sphinx says so ("more than one target") while linking the first.
suppress_warnings = ["ref.python"]
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "furo"
html_title = f"openapi_magic {release}"
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_theme_options = {
    "source_edit_link": None,
    "navigation_with_keys": True,
}


# --------------------------------------------------------------------------- API reference
# api.md holds a placeholder that becomes one automodule per public module (the list
# tests/package/test_public_api.py pins), each listing its ``__all__`` less the names an
# earlier module already documents (the same object re-exported is described once).
PUBLIC_MODULES = [
    "openapi_magic",
    "openapi_magic.errors",
    "openapi_magic.client",
    "openapi_magic.ops",
    "openapi_magic.ops.fleet",
    "openapi_magic.app",
    "openapi_magic.frontends",
    "openapi_magic.render",
    "openapi_magic.core",
    "openapi_magic.core.protocol",
    "openapi_magic.core.catalog",
    "openapi_magic.core.settings",
    "openapi_magic.core.capture_format",
    "openapi_magic.server",
]
API_PLACEHOLDER = "<!-- api: the public modules -->"


def _api_text() -> str:
    import importlib

    seen: set[int] = set()
    parts = []
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        members = []
        for member in module.__all__:
            obj = getattr(module, member)
            if id(obj) not in seen:
                members.append(member)
            seen.add(id(obj))
        options = f":members: {', '.join(members)}\n" if members else ""
        parts.append(f"## `{name}`\n\n```{{eval-rst}}\n.. automodule:: {name}\n   {options}```\n")
    return "\n".join(parts)


def _fill_api(app: object, docname: str, source: list[str]) -> None:
    if API_PLACEHOLDER in source[0]:
        source[0] = source[0].replace(API_PLACEHOLDER, _api_text())


def setup(app):  # type: ignore[no-untyped-def]
    app.connect("source-read", _fill_api)
