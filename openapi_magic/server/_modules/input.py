"""The ``input/*`` interfaces (Inputs) of the simulated splicer: handlers by catalog path.

Mixed into :class:`..state.DeviceState`, whose state and lookups they share.
"""

from __future__ import annotations

import copy

from .._model import (
    INVALID,
    MAX_CROPS_PER_INPUT,
    NO_CROP,
    SOURCE_INPUT,
    VendorError,
    _b64,
    _handles,
    _ids,
    _resolution,
    _timing,
)
from ._base import DeviceBase

__all__ = ["InputsHandlers"]


class InputsHandlers(DeviceBase):
    """The ``input/*`` handlers (see the catalog for each interface's fields)."""

    @_handles("input/readList")
    def _input_read_list(self, b: dict) -> dict:
        # The records are replaced on change, never modified: the list may share them.
        return {"deviceId": b.get("deviceId", 0), "inputs": list(self._inputs.values())}

    @_handles("input/readDetail")
    def _input_read_detail(self, b: dict) -> dict:
        rec = self._input(b["inputId"])
        return {
            **copy.deepcopy(rec),
            "deviceId": b.get("deviceId", 0),
            "crops": [dict(c) for c in self._crops[b["inputId"]].values()],
            "edid": {"fileName": self._edid.get(b["inputId"], "default.bin")},
        }

    @_handles("input/rename")
    def _input_rename(self, b: dict) -> None:
        rec = self._input(b["inputId"])
        self._set_input(b["inputId"], general={**rec["general"], "name": b["name"]}, name=b["name"])

    @_handles("input/writeResolution")
    def _input_write_resolution(self, b: dict) -> None:
        rec = self._input(b["inputId"])
        if rec["iSignal"]:  # the source follows the new EDID; no signal, nothing to show yet
            w, h, r = b["width"], b["height"], b["refreshRate"]
            self._set_input(b["inputId"], resolution=_resolution(w, h, r), timing=_timing(w, h, r))

    @_handles("input/writeTiming")
    def _input_write_timing(self, b: dict) -> None:
        self._input(b["inputId"])
        t = b["timing"]
        timing = {**_timing(t["width"], t["height"], t["refreshRate"]), **t}
        self._set_input(
            b["inputId"],
            timing=timing,
            resolution=_resolution(t["width"], t["height"], t["refreshRate"]),
        )

    def _check_crop_fits(self, input_id: int, crop: dict) -> None:
        res = self._inputs[input_id]["resolution"]
        if res["width"] and (
            crop["x"] + crop["width"] > res["width"]
            or crop["y"] + crop["height"] > res["height"]
            or crop["x"] < 0
            or crop["y"] < 0
        ):
            raise VendorError(
                INVALID,
                f"the crop ({crop['x']}, {crop['y']}, {crop['width']}x{crop['height']}) "
                f"does not fit in input {input_id} ({res['width']}x{res['height']})",
            )

    @_handles("input/writeCrop")
    def _input_write_crop(self, b: dict) -> dict:
        self._input(b["inputId"])
        crops = self._crops[b["inputId"]]
        free = next((c for c in range(MAX_CROPS_PER_INPUT) if c not in crops), None)
        if free is None:
            raise VendorError(
                INVALID, f"input {b['inputId']} already has {MAX_CROPS_PER_INPUT} crops"
            )
        crop = {
            "cropId": free,
            "name": b["name"],
            "x": b["x"],
            "y": b["y"],
            "width": b["width"],
            "height": b["height"],
        }
        self._check_crop_fits(b["inputId"], crop)
        crops[free] = crop
        return {"cropId": free}

    @_handles("input/updateCrop")
    def _input_update_crop(self, b: dict) -> None:
        crop = dict(self._crop(b["inputId"], b["cropId"]))
        for key in ("name", "x", "y", "width"):
            if key in b:
                crop[key] = b[key]
        if "heigth" in b:  # the vendor's spelling on this interface
            crop["height"] = b["heigth"]
        self._check_crop_fits(b["inputId"], crop)
        self._crops[b["inputId"]][b["cropId"]] = crop

    @_handles("input/deleteCrop")
    def _input_delete_crop(self, b: dict) -> None:
        self._crop(b["inputId"], b["cropId"])
        del self._crops[b["inputId"]][b["cropId"]]
        for screen in self._screens.values():
            for layer in screen.layers.values():
                src = layer["source"]
                if (
                    src["sourceType"] == SOURCE_INPUT
                    and src["inputId"] == b["inputId"]
                    and src["cropId"] == b["cropId"]
                ):
                    src["cropId"] = NO_CROP

    def _input_group(self, group_id: int) -> dict:
        try:
            return self._input_groups[group_id]
        except KeyError:
            raise VendorError(
                INVALID,
                f"inputGroupId {group_id} does not exist (groups are {_ids(self._input_groups)})",
            ) from None

    @_handles("input/groupCreate")
    def _input_group_create(self, b: dict) -> dict:
        nodes = self._nodes(b["inputs"])
        gid = max(self._input_groups, default=-1) + 1
        self._input_groups[gid] = {
            "inputGroupId": gid,
            "inputGroupName": b["inputGroupName"],
            "inputs": nodes,
        }
        self._group_order.append(gid)
        return {"inputGroupId": gid}

    @_handles("input/groupUpdate")
    def _input_group_update(self, b: dict) -> None:
        group = self._input_group(b["inputGroupId"])
        nodes = self._nodes(b["inputs"]) if "inputs" in b else group["inputs"]
        group.update(inputGroupName=b.get("inputGroupName", group["inputGroupName"]), inputs=nodes)

    @_handles("input/groupOrder")
    def _input_group_order(self, b: dict) -> None:
        order = b["inputGroupIdList"]
        if sorted(order) != sorted(self._input_groups):
            raise VendorError(
                INVALID,
                f"inputGroupIdList must list every input group once: {_ids(self._input_groups)}",
            )
        self._group_order = list(order)

    @_handles("input/groupDelete")
    def _input_group_delete(self, b: dict) -> None:
        self._input_group(b["inputGroupId"])
        del self._input_groups[b["inputGroupId"]]
        self._group_order.remove(b["inputGroupId"])

    @_handles("input/groupNodeDelete")
    def _input_group_node_delete(self, b: dict) -> None:
        # meros: {inputId} (from the given group, or every group); ours: {inputGroupId, inputs[]}.
        groups = (
            [self._input_group(b["inputGroupId"])]
            if "inputGroupId" in b
            else list(self._input_groups.values())
        )
        if "inputId" in b:
            self._input(b["inputId"])
            for group in groups:
                group["inputs"] = [n for n in group["inputs"] if n["inputId"] != b["inputId"]]
        if "inputs" in b:
            drop = {(n["inputId"], n.get("cropId", NO_CROP)) for n in b["inputs"]}
            for group in groups:
                group["inputs"] = [
                    n for n in group["inputs"] if (n["inputId"], n["cropId"]) not in drop
                ]
        if "inputId" not in b and "inputs" not in b:
            raise VendorError(INVALID, "inputId is required")

    @_handles("input/importEDID")
    def _input_import_edid(self, b: dict) -> None:
        self._input(b["inputId"])
        raw = _b64(b["file"], "file")
        if len(raw) % 128 or raw[:8] != b"\x00\xff\xff\xff\xff\xff\xff\x00":
            raise VendorError(
                INVALID,
                f"file is not an EDID ({len(raw)} bytes; an EDID is 128 or 256 "
                "bytes starting 00 FF FF FF FF FF FF 00)",
            )
        self._edid[b["inputId"]] = b["fileName"]

    def _source_rec(self, source_id: int) -> dict:
        try:
            return self._sources[source_id]
        except KeyError:
            raise VendorError(
                INVALID,
                f"sourceId {source_id} does not exist (playlists are {_ids(self._sources)})",
            ) from None

    @_handles("input/readSourceList")
    def _input_read_source_list(self, b: dict) -> dict:
        return {
            "deviceId": b.get("deviceId", 0),
            "sources": copy.deepcopy(list(self._sources.values())),
        }

    @_handles("input/createSource")
    def _input_create_source(self, b: dict) -> dict:
        nodes = self._nodes(b["inputs"])
        sid = max(self._sources, default=-1) + 1
        self._sources[sid] = {
            "sourceId": sid,
            "name": b["name"],
            "enable": 0,
            "interval": b.get("interval", 10),
            "inputs": nodes,
        }
        return {"sourceId": sid}

    @_handles("input/updateSource")
    def _input_update_source(self, b: dict) -> None:
        src = self._source_rec(b["sourceId"])
        if "inputs" in b:
            src["inputs"] = self._nodes(b["inputs"])
        for key in ("name", "interval"):
            if key in b:
                src[key] = b[key]

    @_handles("input/enableSource")
    def _input_enable_source(self, b: dict) -> None:
        self._source_rec(b["sourceId"])["enable"] = b["enable"]

    @_handles("input/deleteSource")
    def _input_delete_source(self, b: dict) -> None:
        for sid in b["sourceIdList"]:
            self._source_rec(sid)
        for sid in b["sourceIdList"]:
            self._sources.pop(sid, None)
