"""The notebook's confirm step: what a write would send, and Send / Cancel buttons.

Shown by the magic and the form when ``confirm_writes`` is on (see
:mod:`openapi_magic.client._guards`). Nothing is sent until Send is clicked; Cancel
sends nothing. The question names the interface, the body and the splicers,
never a secret.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from IPython.display import display

from ..client._guards import PendingWrite

__all__ = ["ConfirmButtons"]


class ConfirmButtons(widgets.VBox):
    """The question of a :class:`PendingWrite` with Send and Cancel buttons.

    ``send`` is called once, on Send, and what it returns is shown below the
    buttons (and kept in ``value``). ``state`` is ``"waiting"``, ``"sent"``,
    ``"declined"`` or ``"failed"`` (``send`` raised: the error is in ``error``).
    """

    def __init__(self, pending: PendingWrite, send: Callable[[], Any]) -> None:
        super().__init__()
        self.pending = pending
        self.state = "waiting"
        self.value: Any = None
        self.error: BaseException | None = None
        self._send_fn = send
        self._question = widgets.HTML(pending._repr_html_())
        self._send_button = widgets.Button(
            description="Send",
            icon="paper-plane",
            button_style="danger",
            tooltip="Send this write to the splicer(s) named above",
        )
        self._send_button.add_class("openapi-magic-confirm-send")
        self._cancel_button = widgets.Button(description="Cancel", tooltip="Send nothing")
        self._cancel_button.add_class("openapi-magic-confirm-cancel")
        self._status = widgets.Label("Not sent yet: Send to send it, Cancel to drop it.")
        self._out = widgets.Output()
        self._send_button.on_click(self._on_send)
        self._cancel_button.on_click(self._on_cancel)
        self.add_class("openapi-magic-confirm")
        self.children = [
            self._question,
            widgets.HBox([self._send_button, self._cancel_button, self._status]),
            self._out,
        ]

    def _settle(self, state: str, text: str) -> None:
        self.state = state
        self._send_button.disabled = self._cancel_button.disabled = True
        self._status.value = text

    def _on_send(self, _button: Any = None) -> None:
        if self.state != "waiting":
            return
        self._settle("sent", "Sending…")
        try:
            self.value = self._send_fn()
        except Exception as exc:  # noqa: BLE001 - shown in the panel, never a traceback
            self.error = exc
            self._settle("failed", f"Failed: {type(exc).__name__}")
            with self._out:
                print(getattr(exc, "message", None) or str(exc))
            return
        self._status.value = "Sent."
        if self.value is not None:
            with self._out:
                display(self.value)

    def _on_cancel(self, _button: Any = None) -> None:
        if self.state == "waiting":
            self._settle("declined", "Cancelled: nothing was sent.")

    def __repr__(self) -> str:
        return f"<ConfirmButtons {self.state}: {self.pending.text()}>"
