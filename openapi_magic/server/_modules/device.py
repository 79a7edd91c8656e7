"""The ``device/*`` interfaces (Device) of the simulated splicer: handlers by catalog path.

Mixed into :class:`..state.DeviceState`, whose state and lookups they share.
"""

from __future__ import annotations

import copy

from .._model import CT_EMPTY, _handles
from ._base import DeviceBase

__all__ = ["DeviceHandlers"]


class DeviceHandlers(DeviceBase):
    """The ``device/*`` handlers (see the catalog for each interface's fields)."""

    @_handles("device/readDetail")
    def _device_read_detail(self, b: dict) -> dict:
        detail = copy.deepcopy(self.detail)
        detail["slotList"] = [
            {k: v for k, v in slot.items() if k not in ("mcuVersion", "fpgaVersion")}
            for slot in self._slots
        ]
        return {"deviceId": b.get("deviceId", 0), **detail, "status": int(self.ready())}

    @_handles("device/readCardVersion")
    def _device_read_card_version(self, b: dict) -> dict:
        cards = [
            {
                "slotId": s["slotId"],
                "cardType": s["cardType"],
                "name": s["name"],
                "modelId": s["modelId"],
                "mcuVersion": s["mcuVersion"],
                "fpgaVersion": s["fpgaVersion"],
                "sn": s["sn"],
            }
            for s in self._slots
            if s["cardType"] != CT_EMPTY
        ]
        return {"deviceId": b.get("deviceId", 0), "cards": cards}

    @_handles("device/readIp")
    def _device_read_ip(self, b: dict) -> dict:
        return {"deviceId": b.get("deviceId", 0), **self.ip}
