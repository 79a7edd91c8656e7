"""The ``ipc/*`` interfaces (IPC cameras) of the simulated splicer: handlers by catalog path.

Mixed into :class:`..state.DeviceState`, whose state and lookups they share.
"""

from __future__ import annotations

import copy

from .._model import CT_IPC, INVALID, VendorError, _handles
from ._base import DeviceBase

__all__ = ["IPCHandlers"]


class IPCHandlers(DeviceBase):
    """The ``ipc/*`` handlers (see the catalog for each interface's fields)."""

    @_handles("ipc/IPCSlotList")
    def _ipc_slot_list(self, b: dict) -> dict:
        slots = [
            {
                "slotId": s["slotId"],
                "name": s["name"],
                "online": s["online"],
                "sourceCount": sum(
                    1 for src in self._ipc_sources.values() if src["slotId"] == s["slotId"]
                ),
            }
            for s in self._slots
            if s["cardType"] == CT_IPC
        ]
        return {"deviceId": b.get("deviceId", 0), "slotList": slots}

    @_handles("ipc/IPCSourceList")
    def _ipc_source_list(self, b: dict) -> dict:
        slot = b.get("slotId", 0)
        rows = [src for src in self._ipc_sources.values() if slot in (0, src["slotId"])]
        page, size = b.get("pageNo", 1), b.get("pageSize", 20)
        chunk = rows[(page - 1) * size : page * size]
        return {
            "deviceId": b.get("deviceId", 0),
            "total": len(rows),
            "pageNo": page,
            "pageSize": size,
            "sourceList": [
                {k: v for k, v in copy.deepcopy(src).items() if k != "channels"} for src in chunk
            ],
        }

    @_handles("ipc/IPCSourceCreate")
    def _ipc_source_create(self, b: dict) -> dict:
        self._ipc_slot(b["slotId"])
        return {"sourceId": self._ipc_add(b["sourceName"], b["slotId"], b.get("rtspUrl", ""))}

    @_handles("ipc/IPCSourceDelete")
    def _ipc_source_delete(self, b: dict) -> None:
        ids = [
            self._ipc_source(n["sourceId"], f"sourceList[{i}].sourceId")["sourceId"]
            for i, n in enumerate(b["sourceList"])
        ]
        for sid in ids:
            self._ipc_sources.pop(sid, None)

    @_handles("ipc/IPCChannelList")
    def _ipc_channel_list(self, b: dict) -> dict:
        src = self._ipc_source(b["sourceId"])
        return {
            "deviceId": b.get("deviceId", 0),
            "sourceId": src["sourceId"],
            "channelList": copy.deepcopy(src["channels"]),
        }

    @_handles("ipc/IPCChannelEdit")
    def _ipc_channel_edit(self, b: dict) -> None:
        src = self._ipc_source(b["sourceId"])
        try:
            channel = src["channels"][b["channelId"]]
        except IndexError:
            raise VendorError(
                INVALID,
                f"channelId {b['channelId']} does not exist on source "
                f"{src['sourceId']} (channels are 0, 1)",
            ) from None
        if "rtspUrl" in b:
            channel["rtspUrl"] = b["rtspUrl"]

    @_handles("ipc/IPCMontageTemplateCreate")
    def _ipc_montage_create(self, b: dict) -> dict:
        ids = [
            self._ipc_source(n["sourceId"], f"sourceList[{i}].sourceId")["sourceId"]
            for i, n in enumerate(b["sourceList"])
        ]
        if len(ids) > b["row"] * b["column"]:
            raise VendorError(INVALID, f"{len(ids)} sources do not fit in {b['row']}x{b['column']}")
        tid = max(self._ipc_templates, default=-1) + 1
        self._ipc_templates[tid] = {
            "templateId": tid,
            "name": b.get("name", f"Mosaic {tid + 1}"),
            "row": b["row"],
            "column": b["column"],
            "sourceList": [{"sourceId": i} for i in ids],
            "applied": 0,
        }
        return {"templateId": tid}

    @_handles("ipc/IPCMontageTemplateApply")
    def _ipc_montage_apply(self, b: dict) -> None:
        template = self._ipc_template(b["templateId"])
        if "slotId" in b:
            self._ipc_slot(b["slotId"])
        for other in self._ipc_templates.values():
            other["applied"] = 0
        template["applied"] = 1
