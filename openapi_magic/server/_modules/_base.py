"""What every handler mixin may use of the device model, declared once for type checkers.

The handlers (one mixin per vendor module) are methods of :class:`..state.DeviceState`,
which holds the device's data and the shared lookups. Each mixin inherits
:class:`DeviceBase` so that ``self._screen(...)`` or ``self._inputs`` in ``screen.py`` is
checked against the one definition in ``state.py``. At run time the class is empty: the
annotations make no attributes and the methods exist only for the type checker, so a
missing definition still fails loudly (``AttributeError``), never as a silent stub.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    import threading
    from typing import Any

    from .._firmware import FirmwareProfile
    from .._model import _Screen

__all__ = ["DeviceBase"]


class DeviceBase:
    """The attributes and lookups of :class:`..state.DeviceState` the handlers share."""

    # Set by DeviceState.__init__ and its _build_* steps.
    lock: threading.RLock
    seed: int
    firmware: FirmwareProfile
    clock: Callable[[], float]
    ready: Callable[[], bool]
    osd_limit: int
    sn: str
    software_version: str
    main_model_id: int
    ip: dict[str, Any]
    show_id: int
    detail: dict[str, Any]
    _slots: list[dict]
    _inputs: dict[int, dict]
    _crops: dict[int, dict[int, dict]]
    _edid: dict[int, str]
    _outputs: dict[int, dict]
    _bkgs: dict[int, dict]
    _screens: dict[int, _Screen]
    _input_groups: dict[int, dict]
    _group_order: list[int]
    _sources: dict[int, dict]
    _preset_groups: dict[int, dict]
    _poll: dict[str, int]
    _ipc_sources: dict[int, dict]
    _ipc_templates: dict[int, dict]
    _next_stream: int
    _used: set[int]

    if TYPE_CHECKING:  # defined in state.py (DeviceState)

        def _ipc_add(self, name: str, slot: int, url: str) -> int: ...
        def _ipc_stream(self, stream_id: Any) -> dict | None: ...
        def _ipc_source(self, source_id: int, field: str = "sourceId") -> dict: ...
        def _ipc_template(self, template_id: int, field: str = "templateId") -> dict: ...
        def _ipc_slot(self, slot: int) -> None: ...
        def _screen(self, screen_id: int) -> _Screen: ...
        def _input(self, input_id: int, field: str = "inputId") -> dict: ...
        def _output_rec(self, output_id: int, field: str = "outputId") -> dict: ...
        def _layer(self, screen: _Screen, layer_id: int) -> dict: ...
        def _preset(self, screen: _Screen, preset_id: int) -> dict: ...
        def _bkg(self, bkg_id: int) -> dict: ...
        def _crop(self, input_id: int, crop_id: int) -> dict: ...
        def _nodes(self, nodes: Iterable[dict], field: str = "inputs") -> list[dict]: ...
        def _canvas_right(self) -> int: ...
        def _layer_spec(
            self, screen: _Screen, n: int, frac: tuple, input_id: int | None
        ) -> dict: ...
        @staticmethod
        def _new_layer(
            layer_id: int, name: str, window: dict, source: dict, size_type: int = 0
        ) -> dict: ...
        def _layer_view(self, layer: dict) -> dict: ...
        def _layers_sorted(self, screen: _Screen) -> list[dict]: ...
        def _renumber_z(self, screen: _Screen, order: list[dict] | None = None) -> None: ...
        def _play(self, screen: _Screen, preset_id: int) -> None: ...
        def _snapshot(self, screen: _Screen) -> list[dict]: ...
        def _source_from(self, src: dict, where: str) -> dict: ...
        def _refresh_used(self) -> None: ...
        def _set_input(self, input_id: int, **changes: Any) -> None: ...
        def _osd_in_use(self) -> int: ...
        def _screen_detail(self, screen: _Screen, device_id: int) -> dict: ...
