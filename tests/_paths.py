"""Where the repository's own files are, for tests that read them (README, docs, notebooks, binder).

Independent of how deep a test module sits under ``tests/``.
"""

from __future__ import annotations

from pathlib import Path

ROOT: Path = Path(__file__).resolve().parent.parent
"""The repository's root: the folder holding ``pyproject.toml``, ``README.md``, ``notebooks/``."""

HOWTO: Path = ROOT / "docs" / "howto"
"""The documentation site's how-to pages (what the README's long sections became)."""
