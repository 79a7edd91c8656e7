"""The application: the ``%%openapi`` cell grammar and the session's one service.

A front-end reads its input into a :class:`CallSpec` (the grammar, :func:`parse`,
is IPython-free), hands it to :meth:`NotebookSession.run`, which resolves the
settings, checks, guards, confirms, calls and judges, each once, and shows the
:class:`Outcome` it gets back.
"""

from ._cell import CellCall, CellError, cell_text, parse, parse_cell
from ._service import CallSpec, Outcome
from ._session import NotebookSession, Settings, current_settings, session_for

__all__ = [
    "CallSpec",
    "CellCall",
    "CellError",
    "NotebookSession",
    "Outcome",
    "Settings",
    "cell_text",
    "current_settings",
    "parse",
    "parse_cell",
    "session_for",
]
