"""The ``layer/*`` interfaces (Layers) of the simulated splicer: handlers by catalog path.

Mixed into :class:`..state.DeviceState`, whose state and lookups they share.
"""

from __future__ import annotations

from .._model import (
    _TEMPLATES,
    INVALID,
    MAX_LAYERS_PER_SCREEN,
    VendorError,
    _handles,
    _int01,
    _is_int,
    _window,
)
from ._base import DeviceBase

__all__ = ["Z_ORDER_ACTIONS", "LayersHandlers"]

#: ``layersZOrderAct`` as an integer (meros's table of the vendor pages): how to move the
#: layer. The numbering here is our guess (the pages' own is not public); other codes are
#: accepted and leave the order as it is.
Z_ORDER_ACTIONS = {0: "top", 1: "up", 2: "down", 3: "bottom"}


class LayersHandlers(DeviceBase):
    """The ``layer/*`` handlers (see the catalog for each interface's fields)."""

    @_handles("layer/detailList")
    def _layer_detail_list(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        return {
            "deviceId": b.get("deviceId", 0),
            "screenId": screen.screen_id,
            "screenLayers": [self._layer_view(lay) for lay in self._layers_sorted(screen)],
        }

    @_handles("layer/readDetail")
    def _layer_read_detail(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        return {
            "deviceId": b.get("deviceId", 0),
            "screenId": screen.screen_id,
            **self._layer_view(self._layer(screen, b["layerId"])),
        }

    @_handles("layer/readZIndex")
    def _layer_read_z_index(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        return {
            "deviceId": b.get("deviceId", 0),
            "screenId": screen.screen_id,
            "layers": [
                {"layerId": lay["layerId"], "zorder": lay["general"]["zorder"]}
                for lay in self._layers_sorted(screen)
            ],
        }

    @_handles("layer/create")
    def _layer_create(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        if len(screen.layers) >= MAX_LAYERS_PER_SCREEN:
            raise VendorError(
                INVALID,
                f"screen {screen.screen_id} already has {MAX_LAYERS_PER_SCREEN} "
                "layers, the most it can hold",
            )
        source = self._source_from(b.get("source", {}), "source.")
        lid = next(i for i in range(MAX_LAYERS_PER_SCREEN + 1) if i not in screen.layers)
        layer = self._new_layer(
            lid, b.get("name", f"Layer {lid + 1}"), b["window"], source, b.get("sizeType", 0)
        )
        layer["general"]["zorder"] = len(screen.layers)
        screen.layers[lid] = layer
        self._refresh_used()
        return {"layerId": lid}

    @_handles("layer/delete")
    def _layer_delete(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        self._layer(screen, b["layerId"])
        del screen.layers[b["layerId"]]
        self._renumber_z(screen)
        self._refresh_used()

    @_handles("layer/clear")
    def _layer_clear(self, b: dict) -> None:
        self._screen(b["screenId"]).layers = {}
        self._refresh_used()

    @_handles("layer/writeWindow")
    def _layer_write_window(self, b: dict) -> None:
        layer = self._layer(self._screen(b["screenId"]), b["layerId"])
        layer["window"] = {k: b[k] for k in ("x", "y", "width", "height")}

    @_handles("layer/writeGeneral")
    def _layer_write_general(self, b: dict) -> None:
        general = self._layer(self._screen(b["screenId"]), b["layerId"])["general"]
        if "name" in b:
            general["name"] = b["name"]
        if "isBackground" in b:
            general["isBackground"] = bool(
                b["isBackground"]
            )  # read back as a boolean, like the vendor
        if "flipType" in b:
            general["flipType"] = b["flipType"]

    @_handles("layer/writeZIndex")
    def _layer_write_z_index(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        act = b.get("layersZOrderAct")
        if _is_int(act):
            # meros's table of the vendor pages: layerId and an integer action code.
            if not _is_int(b.get("layerId")):
                raise VendorError(INVALID, "layerId is required with an integer layersZOrderAct")
            layer = self._layer(screen, b["layerId"])
            order = [lay for lay in self._layers_sorted(screen) if lay is not layer]
            at = self._layers_sorted(screen).index(layer)
            where = Z_ORDER_ACTIONS.get(act)
            if where is None:
                # Codes past ours are the firmware's to define: accepted, the order kept.
                return
            z = {"top": len(order), "up": at + 1, "down": at - 1, "bottom": 0}[where]
            order.insert(max(0, min(z, len(order))), layer)
            self._renumber_z(screen, order)
            return
        if act is not None:
            # Our labelled guess at a second form: a list of {layerId, zorder}.
            if not isinstance(act, list) or not all(
                isinstance(n, dict) and _is_int(n.get("layerId")) and _is_int(n.get("zorder"))
                for n in act
            ):
                raise VendorError(
                    INVALID,
                    "layersZOrderAct must be an integer action code (with layerId) or a list "
                    "of {layerId, zorder}",
                )
            moves = [(self._layer(screen, n["layerId"]), n["zorder"]) for n in act]
            for layer, z in moves:
                order = [lay for lay in self._layers_sorted(screen) if lay is not layer]
                order.insert(max(0, min(z, len(order))), layer)
                self._renumber_z(screen, order)
            return
        if "layerId" not in b or "zorder" not in b:
            raise VendorError(INVALID, "layersZOrderAct (or layerId and zorder) is required")
        layer = self._layer(screen, b["layerId"])
        order = [lay for lay in self._layers_sorted(screen) if lay is not layer]
        order.insert(min(b["zorder"], len(order)), layer)
        self._renumber_z(screen, order)

    @_handles("layer/writeLock")
    def _layer_write_lock(self, b: dict) -> None:
        self._layer(self._screen(b["screenId"]), b["layerId"])["general"]["lock"] = b["lock"]

    @_handles("layer/freeze")
    def _layer_freeze(self, b: dict) -> None:
        general = self._layer(self._screen(b["screenId"]), b["layerId"])["general"]
        general["isFreeze"] = bool(b["enable"])

    @_handles("layer/writeSource")
    def _layer_write_source(self, b: dict) -> None:
        layer = self._layer(self._screen(b["screenId"]), b["layerId"])
        # Clients disagree whether the source fields are nested under "source": take both.
        nested = b.get("source")
        src, where = (nested, "source.") if isinstance(nested, dict) else (b, "")
        if "sourceType" not in src and "inputId" not in src:
            raise VendorError(
                INVALID,
                "sourceType and inputId are required (at the top of the body or under 'source')",
            )
        layer["source"] = self._source_from(src, where)
        self._refresh_used()

    @_handles("layer/screenLayerLayout")
    def _layer_screen_layer_layout(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        if "layers" in b:
            # HA sends the layers themselves (to switch audio): change what each names.
            changes = [(self._layer(screen, n["layerId"]), n) for n in b["layers"]]
            for layer, n in changes:
                if isinstance(n.get("audioStatus"), dict) and "isOpen" in n["audioStatus"]:
                    layer["audioStatus"] = {
                        **layer["audioStatus"],
                        "isOpen": _int01(n["audioStatus"]["isOpen"], "isOpen"),
                    }
                if isinstance(n.get("window"), dict):
                    layer["window"] = _window(n["window"], layer["window"])
            if "layoutTemplateId" not in b:
                return
        if "layoutTemplateId" not in b:
            raise VendorError(INVALID, "layers (or layoutTemplateId) is required")
        old = self._layers_sorted(screen)
        screen.layers = {}
        for n, frac in enumerate(_TEMPLATES[b["layoutTemplateId"]]):
            spec = self._layer_spec(screen, n, frac, None)
            if n < len(old):
                spec["source"] = dict(old[n]["source"])
                spec["general"]["name"] = old[n]["general"]["name"]
            screen.layers[n] = spec
        self._refresh_used()

    @_handles("layer/writeStreamRule")
    def _layer_write_stream_rule(self, b: dict) -> None:
        layer = self._layer(self._screen(b["screenId"]), b["layerId"])
        layer["streamRule"] = {"channelId": b["channelId"], "streamIndex": b["streamIndex"]}
