"""The request form: an ipywidgets front-end generated from the interface catalog.

``form()`` (or ``%openapi_form [interface] [-p PROFILE]`` once the extension is
loaded) shows a form that builds the same signed requests as ``%%openapi``::

    from openapi_magic import form
    f = form()            # the notebook's current connection
    f                     # pick screen/readList, click Send; f.result is the Result

A picker grouped by module chooses the interface; each request field of the
catalog gets a widget of its type (required ones marked ``*``, optional ones
with an "include" box so the body holds only what was set), or the whole body
is edited as JSON. Nothing is sent while the form is invalid. Sending runs in a
background thread (the kernel stays responsive, the button shows the elapsed
time, the client's timeout ends a dead splicer's call), and the result area
shows exactly what the magic shows. "Copy as cell" writes the equivalent
``%%openapi`` cell below the form (through the ipylab JupyterLab extension when
it is there, else into a box to copy); "Copy as curl" gives a shell command that
signs afresh from ``$OPENAPI_SECRET_KEY``.

This is a front-end: it calls the client and never signs, encrypts or parses
envelopes itself. The Client stays on the Python side: no widget trait ever
holds the secretKey, so a notebook saved with its widget state does not contain
it. It does not import or look up the magics: both sit on the shell's notebook
session (:mod:`openapi_magic.app._session`), which holds the connection and resolves
the settings (the magic's ``%config`` values included) for both.
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import ipywidgets as widgets
from IPython import get_ipython
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..app._cell import cell_text
from ..app._service import CallSpec, Outcome
from ..app._session import MAX_TIMEOUT, NotebookSession, Settings, session_for
from ..client._client import DEFAULT_TIMEOUT, Client
from ..client._connection import Connection, ConnectVerdict, check_connection, to_client
from ..client._profiles import Profile
from ..client._result import _STYLE as _result_style
from ..client._result import Result
from ..core._curl import SECRET_ENV, curl_text
from ..core.catalog import Catalog, Field, Interface, load_catalog, normalize_path, provenance_text
from ..core.settings import TABLE, Setting, setting
from ..errors import OpenAPIError, SignatureError, WriteRefused
from ..render._tables import esc, safe_text

__all__ = ["FormMagics", "RequestForm", "cell_text", "curl_text", "form", "register"]

# The Result view's theme-following colours (each a value for ``style="color:..."``:
# JupyterLab's variables with fallbacks, >= 4.5:1 on the light and the dark theme).
_RED = _result_style["fail"].removeprefix("color:")
_GREY = _result_style["absent"].removeprefix("color:")
_AMBER = _result_style["warn"].removeprefix("color:")
_TICK_S = 0.1  # how often the elapsed-time label moves while a call is in flight
_ENCRYPT_CHOICES = [
    ("as the connection says", "auto"),
    ("on (--encrypt)", "on"),
    ("off (--plain)", "off"),
]
_JSON_TYPES = ("object", "array", "any")


#: The settings the form shows a box for (the settings table's rows with one).
_FORM_ROWS = tuple(row for row in TABLE if row.form is not None)


def _setting_box(row: Setting, value: Any) -> Any:
    """The form's box for a setting, as its row declares it (a check box for a switch, a
    number box for seconds)."""
    box = row.form
    assert box is not None
    layout = widgets.Layout(width=box.width)
    made: Any
    if row.type is bool:
        made = widgets.Checkbox(
            value=bool(value), indent=False, description=box.description, layout=layout
        )
    else:
        # Up to the client's own maximum: a box that clamps (600 once) would send a timeout
        # nobody typed, and differ from the magic's for the same %config value.
        made = widgets.BoundedFloatText(
            value=value,
            min=box.minimum,
            max=MAX_TIMEOUT,
            step=box.step,
            description=box.description,
            layout=layout,
        )
    if box.tooltip:
        made.tooltip = box.tooltip
    made.add_class(box.css)
    return made


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# --------------------------------------------------------------------------- texts to copy
# "Copy as cell" writes with the cell grammar (cell.py), "Copy as curl" with curl.py (the
# protocol's rules): both are importable from here as before.


# --------------------------------------------------------------------------- one field


class _FieldRow:
    """The widgets of one request field: include box, value, help, message."""

    def __init__(self, spec: Field, value: Any, included: bool, on_change) -> None:
        self.spec = spec
        self._quiet = False
        label = spec.name + (" *" if spec.required else "")
        tip = spec.description or spec.name
        # The label's own width, so an optional field's include box sits right beside it.
        style = {"description_width": "initial"}
        self.include = None
        if not spec.required:
            self.include = widgets.Checkbox(
                value=included,
                indent=False,
                tooltip=f"include {spec.name} in the body",
                layout=widgets.Layout(width="1.8em"),
            )
            self.include.observe(on_change, "value")
        self._on_change = on_change
        self.widget = self._make(spec, label, tip, style)
        self.set(value)
        self.widget.observe(self._edited, "value")
        # The help takes the rest of the row and goes below the field when the notebook is
        # narrow (wrapping), instead of squeezing into three lines beside it.
        self.help = widgets.HTML(
            self._help_html(spec), layout=widgets.Layout(flex="1 1 18em", min_width="12em")
        )
        self.message = widgets.HTML("")
        spacer = widgets.Box(layout=widgets.Layout(width="1.8em"))
        self.box = widgets.HBox(
            [self.include or spacer, self.widget, self.help, self.message],
            layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
        )
        self.box.add_class("openapi-magic-form-field")

    @staticmethod
    def _make(spec: Field, label: str, tip: str, style: dict) -> widgets.Widget:
        kw = {"description": label, "tooltip": tip, "style": style}
        if spec.enum:
            options = [
                (f"{v} — {spec.enum_labels[str(v)]}" if str(v) in spec.enum_labels else str(v), v)
                for v in spec.enum
            ]
            return widgets.Dropdown(options=options, layout=widgets.Layout(width="28em"), **kw)
        if spec.type == "integer":
            # Plain IntText, not BoundedIntText: a bounded box silently clamps 150 to 100, so
            # the user would send a value they never typed. Ranges are checked with a message.
            return widgets.IntText(layout=widgets.Layout(width="20em"), **kw)
        if spec.type == "number":
            return widgets.FloatText(layout=widgets.Layout(width="20em"), **kw)
        if spec.type == "boolean":
            return widgets.Checkbox(indent=True, layout=widgets.Layout(width="20em"), **kw)
        if spec.type == "string":
            return widgets.Text(layout=widgets.Layout(width="28em"), **kw)
        return widgets.Textarea(
            rows=3, placeholder="JSON", layout=widgets.Layout(width="34em"), **kw
        )

    @staticmethod
    def _help_html(spec: Field) -> str:
        bits = [spec.type if spec.type != "any" else "JSON"]
        if spec.minimum is not None or spec.maximum is not None:
            lo = _num(spec.minimum) if spec.minimum is not None else "…"
            hi = _num(spec.maximum) if spec.maximum is not None else "…"
            bits.append(f"{lo}–{hi}")
        if spec.max_length is not None:
            bits.append(f"≤ {spec.max_length} chars")
        if spec.type in ("object", "array") and spec.fields:
            bits.append("fields: " + ", ".join(f.name for f in spec.fields))
        text = f"{spec.description} ({'; '.join(bits)})" if spec.description else "; ".join(bits)
        tag = why = ""
        if spec.disagreement or spec.source == "reconstruction":
            said = provenance_text(spec.source, spec.evidence, spec.disagreement)
            word = "disputed" if spec.disagreement else "unconfirmed"
            meaning = (
                "Disputed: the sources disagree about this field. "
                if spec.disagreement
                else "Unconfirmed: only our reconstruction says so. "
            )
            tag = (
                f' <span style="color:{_AMBER}" class="openapi-magic-form-unconfirmed" '
                f'title="{esc(meaning + said)}">{word}</span>'
            )
            if spec.disagreement:  # explained where it shows, not only on hover
                why = (
                    f'<div class="openapi-magic-form-disputed" style="color:{_AMBER};'
                    f'font-size:90%">disputed: {esc(spec.disagreement)} (the splicer '
                    "decides; the form sends what you set)</div>"
                )
        return f'<span style="color:{_GREY};font-size:90%">{esc(text)}</span>{tag}{why}'

    def _edited(self, change: dict) -> None:
        if self.include is not None and not self.include.value and not self._quiet:
            self.include.value = True  # editing an optional field means "send it"
        self._on_change(change)

    @property
    def included(self) -> bool:
        return self.include is None or self.include.value

    def get(self) -> Any:
        """The field's value for the body (ValueError for JSON that does not parse)."""
        if isinstance(self.widget, widgets.Textarea):
            text = self.widget.value
            if not text.strip():
                raise ValueError("empty: give a JSON value")
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(
                    f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
                ) from None
        return self.widget.value

    def fits(self, value: Any) -> str | None:
        """Why ``value`` cannot be shown in this field's widget (``None`` when it can)."""
        spec, name = self.spec, self.spec.name
        if spec.enum:
            return None if value in spec.enum else f"{name}: {value!r} is not one of the choices"
        if spec.type == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
            return f"{name}: {json.dumps(value)} is not an integer"
        if spec.type == "number" and (
            not isinstance(value, (int, float)) or isinstance(value, bool)
        ):
            return f"{name}: {json.dumps(value)} is not a number"
        if spec.type == "boolean" and not isinstance(value, bool):
            return f"{name}: {json.dumps(value)} is not true or false"
        if spec.type == "string" and not isinstance(value, str):
            return f"{name}: {json.dumps(value)} is not text"
        return None

    def set(self, value: Any, included: bool | None = None) -> None:
        self._quiet = True
        try:
            if isinstance(self.widget, widgets.Textarea):
                self.widget.value = (
                    "" if value is None else json.dumps(value, indent=1, ensure_ascii=False)
                )
            elif value is not None:
                self.widget.value = value
            if included is not None and self.include is not None:
                self.include.value = included
        finally:
            self._quiet = False

    def close(self) -> None:
        """Close this row's widgets (the front-end forgets them; no state is left behind)."""
        for w in (self.include, self.widget, self.help, self.message, self.box):
            if w is not None:
                w.close()

    def show(self, message: str, warning: str = "") -> None:
        """Show what refuses this field (red) and what the catalog only doubts (amber)."""
        parts = []
        if message:
            parts.append(f'<span style="color:{_RED}">{esc(message)}</span>')
        if warning:
            parts.append(
                f'<span style="color:{_AMBER}" class="openapi-magic-form-warning">'
                f"{esc(warning)} (sent anyway)</span>"
            )
        self.message.value = " ".join(parts)


_PROBLEM_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)")


# --------------------------------------------------------------------------- the form


#: What the form's plain-text form says (a terminal or an export cannot draw a widget).
FORM_NEEDS_A_NOTEBOOK = (
    "The request form needs a notebook front-end (JupyterLab, Jupyter Notebook or VS Code) "
    "to draw it. In a terminal, send calls with %openapi module/action {...} (or %%openapi) "
    "and see an interface's fields with %openapi_help module/action."
)


class RequestForm(widgets.VBox):
    """A form that builds, validates and sends one OpenAPI call, as ``%%openapi`` does.

    ``client`` is the target (a Client, a simulated splicer, a Profile or a
    profile name); ``profile`` names a profile; with neither, each send uses the
    notebook's current connection (the shell's session: what ``%openapi_connect``
    connected, else the ``OPENAPI_*`` environment or the default profile).
    ``interface`` preselects one. ``session`` (or ``connection``) fixes the
    session instead of the shell's current one.

    ``result`` is the last call's Result, ``error`` its error (``None`` when a
    reply arrived); ``send()`` is the Send button, ``wait()`` waits for it.
    """

    def __init__(
        self,
        client: Any = None,
        *,
        profile: str | None = None,
        interface: str | None = None,
        connection: Connection | None = None,
        catalog: Catalog | None = None,
        session: NotebookSession | None = None,
    ) -> None:
        super().__init__()
        self.add_class("openapi-magic-form")
        self._catalog = catalog or load_catalog()
        self._explicit: Client | None = None
        #: The form's own connect check (:meth:`check`): the client asked and its verdict.
        self._verdict: tuple[Client, ConnectVerdict] | None = None
        self._source = ""
        self._profile = profile or None
        if isinstance(client, str):  # a profile name
            self._profile, client = client, None
        elif isinstance(client, Profile):
            self._profile = client.name
        if client is not None:
            self._explicit, self._source = to_client(client)
        if session is None and connection is not None:
            session = NotebookSession(connection)
        self._session = session  # None: the shell's current session, looked up at each send
        self._fallback: NotebookSession | None = None
        #: The last call's Result (``None`` before the first reply, or after an error).
        self.result: Result | None = None
        #: The last call's error (an OpenAPIError), or ``None``.
        self.error: BaseException | None = None
        self._rows: dict[str, _FieldRow] = {}
        self._extra: dict = {}  # raw-JSON keys the catalog does not know: kept, sent
        self._body: Any = {}
        self._problems: list[str] = []
        self._warnings: list[str] = []
        self._busy = False
        self._idle = threading.Event()
        self._idle.set()
        self._guard = False
        self._lab: Any = None  # ipylab's command registry, made on the first "Copy as cell"
        self._pending_cell: str | None = None  # to insert once JupyterLab answers

        modules = self._catalog.modules()
        self._module = widgets.Dropdown(
            options=[(t, m) for m, t in modules.items()],
            description="Module",
            layout=widgets.Layout(width="20em"),
        )
        self._module.add_class("openapi-magic-form-module")
        self._iface = widgets.Dropdown(description="Interface", layout=widgets.Layout(width="34em"))
        self._iface.add_class("openapi-magic-form-interface")
        self._summary = widgets.HTML()
        self._target = widgets.HTML()
        self._fields = widgets.VBox()
        self._raw_toggle = widgets.ToggleButton(
            description="Edit as JSON", icon="code", tooltip="Edit the whole body as raw JSON"
        )
        self._raw = widgets.Textarea(rows=8, layout=widgets.Layout(width="46em", display="none"))
        self._raw.add_class("openapi-magic-form-raw")
        self._problem_box = widgets.HTML()
        self._encrypt = widgets.Dropdown(
            options=_ENCRYPT_CHOICES,
            value="auto",
            description="Encryption",
            tooltip="Follow the connection, or force --encrypt / --plain for this call",
            layout=widgets.Layout(width="22em"),
        )
        usual = self._usual_settings()
        #: The confirm step of the last write sent while confirm_writes is on (or None).
        self.pending: Any = None
        #: What the form itself put in its setting boxes (timeout, strict catalog,
        #: read-only: the settings table's rows with a form box): while a box holds it, the
        #: box follows the notebook (%config, the connection); a value typed or ticked over
        #: it is the form's own.
        self._filled: dict[str, Any] = {
            row.name: self._notebook_value(row.name, usual) for row in _FORM_ROWS
        }
        self._setting_boxes: dict[str, Any] = {
            row.name: _setting_box(row, self._filled[row.name]) for row in _FORM_ROWS
        }
        self._timeout = self._setting_boxes["timeout"]
        self._strict = self._setting_boxes["strict_catalog"]
        self._read_only = self._setting_boxes["read_only"]
        self._send_button = widgets.Button(
            description="Send", icon="paper-plane", button_style="primary"
        )
        self._send_button.add_class("openapi-magic-form-send")
        self._clock = widgets.Label("", layout=widgets.Layout(width="auto", min_width="10em"))
        self._clock.add_class("openapi-magic-form-elapsed")
        self._copy_cell = widgets.Button(
            description="Copy as cell",
            icon="clone",
            tooltip="Write the equivalent %%openapi cell below",
        )
        self._copy_cell.add_class("openapi-magic-form-copy-cell")
        self._copy_curl = widgets.Button(
            description="Copy as curl",
            icon="terminal",
            tooltip="A shell command that sends the same call "
            f"(the secretKey comes from ${SECRET_ENV})",
        )
        self._copy_curl.add_class("openapi-magic-form-copy-curl")
        self._copy_note = widgets.HTML()
        self._copy_text = widgets.Textarea(rows=6, layout=widgets.Layout(width="100%"))
        self._copy_text.add_class("openapi-magic-form-copy-text")
        self._copy_box = widgets.VBox(
            [self._copy_note, self._copy_text], layout=widgets.Layout(display="none")
        )
        # The result area shows the Result's own HTML (what the magic shows): header line,
        # then table and raw envelope side by side, stacked when the notebook is narrow.
        self._out = widgets.Output(layout=widgets.Layout(min_height="2em"))
        self._out.add_class("openapi-magic-form-result")

        self._module.observe(self._on_module, "value")
        self._iface.observe(self._on_interface, "value")
        self._raw_toggle.observe(self._on_raw_toggle, "value")
        self._raw.observe(self._on_change, "value")
        self._strict.observe(self._on_change, "value")
        for w in (self._encrypt, self._timeout):
            w.observe(self._on_settings, "value")
        self._send_button.on_click(self._on_send)
        self._copy_cell.on_click(self._on_copy_cell)
        self._copy_curl.on_click(self._on_copy_curl)

        self.children = [
            self._target,
            widgets.HBox([self._module, self._iface], layout=widgets.Layout(flex_flow="row wrap")),
            self._summary,
            self._fields,
            self._raw,
            self._problem_box,
            widgets.HBox(
                [self._raw_toggle, self._encrypt, *self._setting_boxes.values()],
                layout=widgets.Layout(flex_flow="row wrap"),
            ),
            widgets.HBox(
                [self._send_button, self._clock, self._copy_cell, self._copy_curl],
                layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
            ),
            self._copy_box,
            self._out,
        ]
        self._describe_target()
        self.interface = interface or self._catalog.paths()[0]
        self._follow_notebook()
        self._session_now().watch_config(self._config_changed)
        self._session_now().connection.watch(self._connection_changed)

    # ------------------------------------------------------------------ public API

    def close(self) -> None:
        """Close the form and every widget it made."""
        # getattr: a form whose __init__ failed half-way is closed too (ipywidgets closes
        # every widget at exit), and must not print an ignored exception then.
        for row in getattr(self, "_rows", {}).values():
            row.close()
        names = (
            "_target",
            "_module",
            "_iface",
            "_summary",
            "_fields",
            "_raw_toggle",
            "_raw",
            "_problem_box",
            "_encrypt",
            "_timeout",
            "_strict",
            "_read_only",
            "_send_button",
            "_clock",
            "_copy_cell",
            "_copy_curl",
            "_copy_note",
            "_copy_text",
            "_copy_box",
            "_out",
        )
        owned = [getattr(self, name, None) for name in names]
        fields = getattr(self, "_fields", None)
        owned += [*self.children, *(fields.children if fields is not None else ())]
        for w in owned:
            if w is not None:
                w.close()
        if getattr(self, "_lab", None) is not None:
            self._lab.close()
        super().close()

    @property
    def interface(self) -> str:
        """The chosen interface path (``screen/readList``); settable."""
        return self._iface.value

    @interface.setter
    def interface(self, path: str) -> None:
        spec = self._catalog.get(path)  # KeyError with suggestions for a wrong path
        if self._module.value != spec.module:
            self._module.value = spec.module  # refills the interface picker
        elif spec.path not in [v for _, v in self._iface.options]:
            self._on_module()
        self._iface.value = spec.path

    @property
    def spec(self) -> Interface:
        """The catalog entry of the chosen interface."""
        return self._catalog.get(self.interface)

    @property
    def body(self) -> Any:
        """The body the form would send now (see ``problems`` for whether it may)."""
        return self._body

    @body.setter
    def body(self, value: Any) -> None:
        if self._raw_toggle.value or not isinstance(value, dict):
            self._raw_toggle.value = True
            self._raw.value = json.dumps(value, indent=2, ensure_ascii=False)
            return
        misfits = self._fill(value)
        if misfits:
            self._raw_toggle.value = True
            self._raw.value = json.dumps(value, indent=2, ensure_ascii=False)

    @property
    def problems(self) -> list[str]:
        """What stops the form from sending (empty when it may send)."""
        return list(self._problems)

    @property
    def warnings(self) -> list[str]:
        """What the catalog doubts about the body, sent anyway (unless ``strict_catalog``)."""
        return list(self._warnings)

    @property
    def strict_catalog(self) -> bool:
        """True when the form refuses what the catalog only doubts (the checkbox)."""
        return self._strict.value

    @strict_catalog.setter
    def strict_catalog(self, value: bool) -> None:
        self._strict.value = bool(value)

    @property
    def busy(self) -> bool:
        """True while a call is in flight."""
        return self._busy

    def send(self) -> bool:
        """Send the call in the background, as the Send button does.

        Returns False (and says why in the form) when nothing was sent: the form
        is invalid, a call is already in flight, or there is no connection.
        """
        self._on_change()
        if self._busy:
            return False
        if self._problems:
            self._problem_box.value = self._problems_html(
                ["Not sent: fix the form first."] + self._problems
            )
            return False
        try:
            client = self._client()
        except OpenAPIError as exc:
            self.result, self.error = None, exc
            self._show_error(exc)
            return False
        self._describe_target(client)
        session = self._session_now()
        spec = CallSpec(
            self.interface,
            self._body,
            client=client,
            settings=self._form_level(client),
            origin="form",
        )
        # Checked and guarded now (a refusal answers at once); sent by the thread.
        outcome = session.run(spec, hold=True)
        if outcome.refused is not None:
            refused = outcome.refused.error
            if isinstance(refused, WriteRefused) and self.read_only and not client.read_only:
                refused.hint = "Untick read-only in the form to allow writes."
            self.result, self.error = None, refused
            self._show_error(refused)
            return False
        assert outcome.pending is not None
        if outcome.pending.write is not None:
            return self._ask(session, outcome)
        self._start(session, outcome)
        return True

    def _start(self, session: NotebookSession, outcome: Outcome) -> None:
        self._busy = True
        self._idle.clear()
        self._send_button.disabled = True
        self._send_button.description = "Sending…"
        threading.Thread(
            target=self._work,
            args=(session, outcome),
            daemon=True,
            name="openapi-form-send",
        ).start()

    def _ask(self, session: NotebookSession, outcome: Outcome) -> bool:
        """confirm_writes: show what would be sent, with Send / Cancel; False (not sent yet)."""
        from ._confirm_button import ConfirmButtons

        assert outcome.pending is not None and outcome.pending.write is not None
        self.pending = ConfirmButtons(outcome.pending.write, lambda: self._start(session, outcome))
        self._show_bundle(self.pending._repr_mimebundle_())
        return False

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no call is in flight; False if ``timeout`` seconds passed first."""
        return self._idle.wait(timeout)

    def cell_text(self) -> str:
        """The ``%%openapi`` cell that reproduces the current call (ValueError if invalid)."""
        self._require_valid()
        return cell_text(
            self.interface,
            self._body,
            profile=self._profile,
            encrypt=self._encrypt_override(),
            timeout=self._timeout_option(),
        )

    def curl_text(self) -> str:
        """A curl command for the current call (secretKey as ``$OPENAPI_SECRET_KEY``)."""
        self._require_valid()
        client = self._client()
        enc = self._encrypt_override()
        return curl_text(
            client.root,
            client.pid,
            self.interface,
            self._body,
            encrypt=client.encrypt if enc is None else enc,
        )

    # ------------------------------------------------------------------ connection

    def _session_now(self) -> NotebookSession:
        """The session this send uses: the form's own, else the shell's current one."""
        if self._session is not None:
            return self._session
        shell = get_ipython()
        if shell is None:  # plain Python: a session of the form's own (environment, profile)
            self._fallback = self._fallback or NotebookSession()
            return self._fallback
        session = session_for(shell)
        assert session is not None  # create=True
        return session

    def _client(self) -> Client:
        if self._explicit is not None:
            return self._explicit
        return self._session_now().client_for(self._profile)

    def _client_or_none(self) -> Client | None:
        try:
            return self._client()
        except OpenAPIError:
            return None

    def settings(self, client: Client | None = None) -> Settings:
        """The settings the next send uses, resolved by the session with the form's fields
        (``settings.source(name)`` says which level decided each)."""
        client = client if client is not None else self._client_or_none()
        return self._session_now().resolve(client, form=self._form_level(client))

    def _boxes(self) -> dict[str, Any]:
        return self._setting_boxes

    def _held(self, name: str) -> Any:
        """What box ``name`` holds, as the setting's type."""
        return setting(name).type(self._boxes()[name].value)

    def _notebook_value(self, name: str, usual: Settings) -> Any:
        """What box ``name`` shows while it follows the notebook."""
        return self._usual_timeout(usual) if name == "timeout" else bool(getattr(usual, name))

    def _form_level(self, client: Client | None = None) -> dict[str, Any]:
        """The form's own values: a box the user changed; a box still holding what the
        notebook said is brought up to date instead (and says nothing)."""
        usual = self._follow_notebook(client)
        level: dict[str, Any] = {"encrypt": self._encrypt_override()}
        for name in self._boxes():
            held = self._held(name)
            follows = held == self._filled[name] or (
                usual is not None and held == self._notebook_value(name, usual)
            )
            level[name] = None if follows else held
        return level

    def _follow_notebook(self, client: Client | None = None) -> Settings | None:
        """Bring the boxes that still hold what the notebook said up to what it says now,
        and return the notebook's settings (``None`` when they cannot be read yet). A
        guard on at the notebook's level (read-only from %config, the profile or the
        connection) shows ticked and cannot be unticked here: it only adds up."""
        try:
            usual = self._usual_settings(client)
        except Exception:  # noqa: BLE001 - a half-made form or a closing session
            return None
        for name, box in self._boxes().items():
            wanted = self._notebook_value(name, usual)
            if self._held(name) == self._filled[name] != wanted:
                self._filled[name] = wanted
                box.value = wanted
        locked = bool(usual.read_only)
        self._read_only.disabled = locked
        self._read_only.tooltip = (
            f"Read-only from {usual.source('read_only')}: writes are "
            "refused before anything is sent"
            if locked
            else "Refuse writes before anything is sent"
        )
        if locked and not self._read_only.value:
            self._filled["read_only"] = True
            self._read_only.value = True
        return usual

    def _connection_changed(self) -> None:
        # %openapi_connect after the form was made: its target line and the guards it
        # follows from the notebook say where the next send goes, not where it went before.
        self._describe_target()
        self._follow_notebook()

    def _config_changed(self, name: str) -> None:
        if name in self._boxes():
            self._follow_notebook()

    def _usual_settings(self, client: Client | None = None) -> Settings:
        """The settings without the form's fields: what its fields start from."""
        client = client if client is not None else self._client_or_none()
        return self._session_now().resolve(client)

    @staticmethod
    def _usual_timeout(usual: Settings) -> float:
        return DEFAULT_TIMEOUT if usual.timeout is None else float(usual.timeout)

    def _describe_target(self, client: Client | None = None) -> None:
        try:
            client = client or self._client()
        except OpenAPIError as exc:
            self._target.value = (
                f'<div style="color:{_GREY}">Not connected yet: {esc(exc.message)}</div>'
            )
            return
        mode = "encryption on" if client.encrypt else "encryption off"
        where = (
            f"profile {self._profile}"
            if self._profile and self._explicit is None
            else self._source or "the notebook's connection"
        )
        self._target.value = (
            f'<div style="color:{_GREY}">→ <code>{esc(client.root)}</code> '
            f"· pId <code>{esc(client.pid)}</code> · {mode} "
            f"· {esc(where)}</div>{self._verdict_html(client)}"
        )

    def _verdict_for(self, client: Client) -> ConnectVerdict | None:
        """The verdict about ``client``: the form's own check, else the notebook's
        connect (when the form sends through the notebook's connection)."""
        if self._verdict is not None and self._verdict[0] is client:
            return self._verdict[1]
        if self.result is not None:  # a reply since: the result below tells more
            return None
        connection = self._session_now().connection
        return connection.verdict if connection.client is client else None

    def _verdict_html(self, client: Client) -> str:
        verdict = self._verdict_for(client)
        if verdict is None or verdict.kind == "unchecked":
            return ""
        color = _GREY if verdict.ok else _RED
        hint = f"<br>{esc(verdict.hint)}" if verdict.hint and not verdict.ok else ""
        return (
            f'<div class="openapi-magic-form-verdict openapi-magic-form-verdict-{verdict.kind}" '
            f'style="color:{color}">{esc(verdict.headline)}{hint}</div>'
        )

    def check(self) -> str:
        """Ask the target's splicer ``main/initStatus`` once (in the background, within the
        client's timeout) and show what it answered (model and firmware, refused or
        unreachable) in the target line; returns at once."""
        try:
            client = self._client()
        except OpenAPIError as exc:
            return exc.message

        def work() -> None:
            self._verdict = (client, check_connection(client))
            self._describe_target(client)

        threading.Thread(target=work, daemon=True, name="openapi-form-check").start()
        return "asking main/initStatus"

    @property
    def read_only(self) -> bool:
        """True when the form refuses writes (its checkbox; a read-only client refuses too)."""
        return self._read_only.value

    @read_only.setter
    def read_only(self, value: bool) -> None:
        self._read_only.value = bool(value)

    def _timeout_option(self) -> float | None:
        """The form's own timeout (its field level, and ``--timeout`` in the copied cell):
        only when the box differs from what %config, the connection or the default say."""
        return self._form_level()["timeout"]

    def _encrypt_override(self) -> bool | None:
        return {"auto": None, "on": True, "off": False}[self._encrypt.value]

    # ------------------------------------------------------------------ building fields

    def _on_module(self, change: dict | None = None) -> None:
        specs = self._catalog.interfaces(self._module.value)
        options = [(f"{i.path} — {i.summary}", i.path) for i in specs]
        self._guard = True
        try:
            self._iface.options = options
            self._iface.value = None
        finally:
            self._guard = False
        if options:
            self._iface.value = options[0][1]

    def _on_interface(self, change: dict) -> None:
        if self._guard or not change["new"]:
            return
        spec = self._catalog.get(change["new"])
        kind = (
            f"<b style='color:{_AMBER}'>write</b> (changes the splicer)"
            if spec.kind == "write"
            else spec.kind
        )
        desc = (
            f"<br><span style='color:{_GREY}'>{esc(spec.description)}</span>"
            if spec.description
            else ""
        )
        sure = ""
        if not spec.confirmed or spec.disagreement:
            sure = (
                f"<br><span style='color:{_AMBER}' class='openapi-magic-form-unconfirmed'>"
                f"{esc(provenance_text(spec.source, spec.evidence, spec.disagreement))}"
                "</span>"
            )
        self._summary.value = (
            f"<div><code>{esc(spec.path)}</code> · {esc(spec.summary)} · {kind}{desc}{sure}</div>"
        )
        self._send_button.button_style = "warning" if spec.kind == "write" else "primary"
        if self._out.outputs:  # the reply shown was another interface's: not this one's
            self._out.outputs = ()
        example = spec.example_body()
        for old in [*self._rows.values()]:
            old.close()
        for child in self._fields.children:
            child.close()
        self._rows = {}
        for f in spec.fields:
            present = f.name in example
            self._rows[f.name] = _FieldRow(
                f,
                example[f.name] if present else f.initial_value(),
                present or f.required,
                self._on_change,
            )
        self._extra = {k: v for k, v in example.items() if k not in self._rows}
        if self._rows:
            self._fields.children = [r.box for r in self._rows.values()]
        else:
            self._fields.children = [
                widgets.HTML(f"<i style='color:{_GREY}'>No request fields: the body is {{}}.</i>")
            ]
        self._guard = True
        try:
            if self._raw_toggle.value:
                self._raw.value = json.dumps(
                    self._body_from_fields()[0], indent=2, ensure_ascii=False
                )
        finally:
            self._guard = False
        self._on_change()

    def _fill(self, body: dict) -> list[str]:
        """Put ``body`` into the field widgets; returns what did not fit (nothing changed)."""
        misfits = [
            m
            for name, v in body.items()
            if name in self._rows
            for m in [self._rows[name].fits(v)]
            if m
        ]
        if misfits:
            return misfits
        self._guard = True
        try:
            for name, row in self._rows.items():
                if name in body:
                    row.set(body[name], included=True)
                elif row.include is not None:
                    row.set(None, included=False)
            self._extra = {k: v for k, v in body.items() if k not in self._rows}
        finally:
            self._guard = False
        self._on_change()
        return []

    # ------------------------------------------------------------------ validation

    def _body_from_fields(self) -> tuple[dict, dict[str, str]]:
        body, errors = {}, {}
        for name, row in self._rows.items():
            if not row.included:
                continue
            try:
                body[name] = row.get()
            except ValueError as exc:
                errors[name] = str(exc)
        body.update(self._extra)
        return body, errors

    def _on_change(self, change: dict | None = None) -> None:
        if self._guard:
            return
        spec = self.spec
        strict = self._strict.value
        general: list[str] = []
        doubts: list[str] = []
        per_field: dict[str, list[str]] = {}
        per_field_doubts: dict[str, list[str]] = {}
        if self._raw_toggle.value:
            text = self._raw.value
            try:
                body = json.loads(text) if text.strip() else {}
            except json.JSONDecodeError as exc:
                body = None
                general.append(
                    f"The body is not valid JSON: {exc.msg} (line {exc.lineno}, "
                    f"column {exc.colno})."
                )
            if body is not None:
                found = spec.problems(body)
                general += [p.message for p in found if p.certain or strict]
                doubts += [p.message for p in found if not (p.certain or strict)]
            self._body = body
        else:
            body, errors = self._body_from_fields()
            for name, message in errors.items():
                per_field.setdefault(name, []).append(message)
            for problem in spec.problems(body, extra=False):
                m = _PROBLEM_FIELD.match(problem.message)
                name = m.group(1) if m else ""
                if name in errors:
                    continue  # "x is required" after "x: not valid JSON" says nothing new
                refuse = problem.certain or strict
                if name in self._rows:
                    (per_field if refuse else per_field_doubts).setdefault(name, []).append(
                        problem.message
                    )
                else:
                    (general if refuse else doubts).append(problem.message)
            self._body = body
            for name, row in self._rows.items():
                row.show(
                    "; ".join(per_field.get(name, [])), "; ".join(per_field_doubts.get(name, []))
                )
        self._problems = general + [p for msgs in per_field.values() for p in msgs]
        self._warnings = doubts + [p for msgs in per_field_doubts.values() for p in msgs]
        shown = self._problems_html(general) if general else ""
        if doubts:
            items = "".join(f"<div>{esc(p)}</div>" for p in doubts)
            shown += (
                f'<div style="color:{_AMBER}" class="openapi-magic-form-warnings">'
                f"{items}<div>(the catalog is unsure: sent anyway, the splicer decides; "
                "tick strict catalog to refuse)</div></div>"
            )
        if not self._raw_toggle.value and self._extra:
            shown += (
                f'<div style="color:{_GREY}">Also sent (not in the catalog): '
                f"{esc(', '.join(sorted(self._extra)))}.</div>"
            )
        self._problem_box.value = shown
        invalid = bool(self._problems)
        self._send_button.disabled = invalid or self._busy
        self._copy_cell.disabled = invalid
        self._copy_curl.disabled = invalid

    @staticmethod
    def _problems_html(problems: list[str]) -> str:
        items = "".join(f"<div>{esc(p)}</div>" for p in problems)
        return f'<div style="color:{_RED}" class="openapi-magic-form-problems">{items}</div>'

    def _require_valid(self) -> None:
        self._on_change()
        if self._problems:
            raise ValueError("The form is not valid: " + "; ".join(self._problems))

    def _on_raw_toggle(self, change: dict) -> None:
        if self._guard:
            return
        if change["new"]:
            body, errors = self._body_from_fields()
            if errors:
                self._set_toggle(False)
                self._problem_box.value = self._problems_html(
                    ["Fix the fields first: " + "; ".join(f"{k}: {v}" for k, v in errors.items())]
                )
                return
            self._guard = True
            try:
                self._raw.value = json.dumps(body, indent=2, ensure_ascii=False)
            finally:
                self._guard = False
            self._raw.layout.display = None
            self._fields.layout.display = "none"
            self._on_change()
            return
        text = self._raw.value
        try:
            body = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as exc:
            self._set_toggle(True)
            self._problem_box.value = self._problems_html(
                [
                    (
                        f"Cannot go back to the fields: not valid JSON ({exc.msg}, line {exc.lineno}, "
                        f"column {exc.colno})."
                    )
                ]
            )
            return
        if not isinstance(body, dict):
            self._set_toggle(True)
            self._problem_box.value = self._problems_html(
                ["Cannot go back to the fields: the body is not a JSON object."]
            )
            return
        misfits = self._fill(body)
        if misfits:
            self._set_toggle(True)
            self._problem_box.value = self._problems_html(
                [
                    "Cannot show this body in the fields (keep editing it as JSON): "
                    + "; ".join(misfits)
                ]
            )
            return
        self._raw.layout.display = "none"
        self._fields.layout.display = None
        self._on_change()

    def _set_toggle(self, value: bool) -> None:
        self._guard = True
        try:
            self._raw_toggle.value = value
        finally:
            self._guard = False

    def _on_settings(self, change: dict) -> None:
        self._copy_box.layout.display = "none"  # a copied text no longer matches

    # ------------------------------------------------------------------ sending

    def _on_send(self, _button: Any = None) -> None:
        self.send()

    def _work(self, session: NotebookSession, outcome: Outcome) -> None:
        start = time.perf_counter()
        done = threading.Event()

        def tick() -> None:
            while not done.wait(_TICK_S):
                self._clock.value = f"{time.perf_counter() - start:.1f} s…"

        ticker = threading.Thread(target=tick, daemon=True, name="openapi-form-clock")
        ticker.start()
        said = "interrupted"
        try:
            sent = session.proceed(outcome)
            result = sent.result
            assert result is None or isinstance(result, Result)  # a form sends one call
            self.result, self.error = result, None
            # strict_sign: the error, with the reply on it; a failed status shows the reply
            if result is None or isinstance(sent.error, SignatureError):
                assert sent.error is not None
                raise sent.error
            self._show_bundle(session.render(result))
            said = "ok" if result.ok else f"status {result.status}"
        except OpenAPIError as exc:
            self.result, self.error = getattr(exc, "result", None), exc
            self._show_error(exc)
            said = type(exc).__name__
        except Exception as exc:  # noqa: BLE001 - a form shows a message, never a traceback
            self.result, self.error = None, exc
            self._show_error(exc)
            said = type(exc).__name__
        finally:
            done.set()
            ticker.join()
            elapsed = time.perf_counter() - start
            self._clock.value = f"{said} after {elapsed:.2f} s"
            self._busy = False
            self._send_button.description = "Send"
            self._send_button.disabled = bool(self._problems)
            self._idle.set()

    def _show_bundle(self, bundle: dict) -> None:
        # Assigning outputs (not `with self._out: display(...)`) because this runs in the
        # sending thread, where IPython's display would not know which output to write to.
        self._out.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
        # A terminal (or an export) shows text/plain only: say what the form needs
        # instead of a widget repr. A notebook front-end draws the widget view.
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/plain"] = FORM_NEEDS_A_NOTEBOOK
        return bundle

    def _show_error(self, exc: BaseException) -> None:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        hint = getattr(exc, "hint", None)
        parts = [
            (
                f'<div class="openapi-magic-form-error" style="color:{_RED}"><b>✘ '
                f"{esc(type(exc).__name__)}</b>: {esc(message)}</div>"
            )
        ]
        if hint:
            parts.append(f"<div>Hint: {esc(hint)}</div>")
        parts.append(
            f'<div style="color:{_GREY};font-size:90%">The full error, with what '
            "arrived, is in <code>form.error</code>.</div>"
        )
        text = safe_text(f"{type(exc).__name__}: {message}" + (f"\nHint: {hint}" if hint else ""))
        result = getattr(exc, "result", None)
        bundle = {"text/plain": text, "text/html": "".join(parts)}
        if result is not None and hasattr(result, "_repr_mimebundle_"):
            inner = result._repr_mimebundle_()
            bundle = {
                "text/plain": text + "\n" + inner.get("text/plain", ""),
                "text/html": bundle["text/html"] + inner.get("text/html", ""),
            }
        self._show_bundle(bundle)

    # ------------------------------------------------------------------ copying

    def _on_copy_cell(self, _button: Any = None) -> None:
        try:
            text = self.cell_text()
        except ValueError as exc:
            self._show_copy("", f'<span style="color:{_RED}">{esc(exc)}</span>')
            return
        self._show_copy(text, esc(self._cell_note(self._insert_below(text))))

    def _cell_note(self, inserted: bool | None) -> str:
        where = (
            ""
            if self._explicit is None
            else " It runs on the notebook's current connection (%openapi_connect)."
        )
        if inserted:
            return (
                "Inserted as a new cell below the active cell; the same text is here to "
                "copy." + where
            )
        if inserted is None:
            return (
                "Asking JupyterLab to insert this as a new cell below; if none appears, "
                "copy it from here." + where
            )
        return (
            "Copy this into a new cell (this front-end cannot insert cells from a widget; "
            "in JupyterLab, installing ipylab lets the form do it)." + where
        )

    def _on_copy_curl(self, _button: Any = None) -> None:
        try:
            text = self.curl_text()
        except (ValueError, OpenAPIError) as exc:
            self._show_copy("", f'<span style="color:{_RED}">{esc(exc)}</span>')
            return
        self._show_copy(
            text,
            esc(
                f"Run this in bash (the secretKey comes from ${SECRET_ENV}, never from this text):"
            ),
        )

    def _show_copy(self, text: str, note_html: str) -> None:
        self._copy_note.value = f'<div style="color:{_GREY}">{note_html}</div>'
        self._copy_text.value = text
        self._copy_text.rows = max(3, min(16, text.count("\n") + 1))
        self._copy_text.layout.display = None if text else "none"
        self._copy_box.layout.display = None

    def _insert_below(self, text: str) -> bool | None:
        """Ask JupyterLab (through ipylab) to insert ``text`` as a cell below the active one.

        A widget callback runs outside any execute request, so IPython's
        ``set_next_input`` does nothing here; only a front-end extension can edit
        the notebook. The extension's registry is made on the first click only
        (front-ends without it never hear of it), so that click returns ``None``
        and the cell is inserted when JupyterLab answers with its command list.
        False when nothing can insert (no ipylab, no kernel, or no JupyterLab).
        """
        lab = self._lab
        if lab is None:
            lab = self._lab = _lab_commands()
            if lab is None:
                return False
            self._pending_cell = text
            lab.observe(self._on_lab_answer, "_command_list")
            return None
        if not self._lab_can_insert():
            return False
        self._pending_cell = None
        lab.execute("notebook:insert-cell-below")
        lab.execute("notebook:replace-selection", {"text": text})
        return True

    def _lab_can_insert(self) -> bool:
        commands = set(self._lab.list_commands()) if self._lab is not None else set()
        return {"notebook:insert-cell-below", "notebook:replace-selection"} <= commands

    def _on_lab_answer(self, change: dict) -> None:
        text = self._pending_cell
        if text is None or not self._lab_can_insert():
            return
        if self._insert_below(text):
            self._copy_note.value = f'<div style="color:{_GREY}">{esc(self._cell_note(True))}</div>'


def _lab_commands() -> Any:
    """ipylab's JupyterLab command registry, when ipylab and a kernel are there."""
    shell = get_ipython()
    if getattr(shell, "kernel", None) is None:
        return None  # no front-end to talk to (tests, scripts)
    try:
        from ipylab.commands import CommandRegistry
    except ImportError:
        return None
    try:
        return CommandRegistry()
    except Exception:  # noqa: BLE001 - an optional helper must never break the form
        return None


def form(
    client: Any = None, profile: str | None = None, interface: str | None = None
) -> RequestForm:
    """Open a request form (see :class:`RequestForm`).

    ``client`` is a Client, a simulated splicer, a Profile or a profile name;
    ``profile`` a profile name; with neither, the notebook's current
    connection. ``interface`` preselects an interface (``"screen/readList"``).
    """
    return RequestForm(client, profile=profile, interface=interface)


# --------------------------------------------------------------------------- the magic


@magics_class
class FormMagics(Magics):
    """``%openapi_form``: open the request form."""

    @magic_arguments()
    @argument("interface", nargs="?", help="Preselect this interface (screen/readList).")
    @argument(
        "-p",
        "--profile",
        metavar="NAME",
        help="Use this profile instead of the notebook's current connection.",
    )
    @line_magic
    def openapi_form(self, line: str = "") -> RequestForm:
        """Open a form that builds, checks and sends OpenAPI calls (``f = %openapi_form``)."""
        try:
            args = parse_argstring(self.openapi_form, line)
        except ValueError as exc:  # an unclosed quote (shlex)
            raise UsageError(f"Cannot read the options {line.strip()!r}: {exc}.") from None
        catalog = load_catalog()
        if args.interface and args.interface not in catalog:
            close = catalog.suggest(args.interface)
            tail = f" Did you mean {' or '.join(close)}?" if close else ""
            raise UsageError(f"Unknown interface {normalize_path(args.interface)!r}.{tail}")
        return RequestForm(
            profile=args.profile, interface=args.interface, session=session_for(self.shell)
        )


def register(ipython: Any) -> None:
    """Register ``%openapi_form`` with an IPython shell (called by ``%load_ext openapi_magic``)."""
    ipython.register_magics(FormMagics)
