"""The ``output/*`` interfaces (Outputs) of the simulated splicer: handlers by catalog path.

Mixed into :class:`..state.DeviceState`, whose state and lookups they share.
"""

from __future__ import annotations

import copy

from .._model import INVALID, IT_HDMI_OUT, IT_RJ45, VendorError, _handles, _resolution, _timing
from ._base import DeviceBase

__all__ = ["OutputsHandlers"]


class OutputsHandlers(DeviceBase):
    """The ``output/*`` handlers (see the catalog for each interface's fields)."""

    @_handles("output/readList")
    def _output_read_list(self, b: dict) -> dict:
        keys = ("outputId", "name", "slotId", "interfaceType", "online", "screenId", "resolution")
        return {
            "deviceId": b.get("deviceId", 0),
            "outputs": [copy.deepcopy({k: o[k] for k in keys}) for o in self._outputs.values()],
        }

    @_handles("output/readDetail")
    def _output_read_detail(self, b: dict) -> dict:
        return {"deviceId": b.get("deviceId", 0), **copy.deepcopy(self._output_rec(b["outputId"]))}

    @_handles("output/rename")
    def _output_rename(self, b: dict) -> None:
        self._output_rec(b["outputId"])["name"] = b["name"]

    @_handles("output/writeGamma")
    def _output_write_gamma(self, b: dict) -> None:
        self._output_rec(b["outputId"])["gamma"] = b["gamma"]

    @_handles("output/writeImageQuality")
    def _output_write_image_quality(self, b: dict) -> None:
        out = self._output_rec(b["outputId"])
        out["imageQuality"] = {k: b.get(k, v) for k, v in out["imageQuality"].items()}

    @_handles("output/writeFixedPosition")
    def _output_write_fixed_position(self, b: dict) -> None:
        # meros and NOVASTAR-H.md: {enable} alone, for every output; ours named one output.
        outs = (
            [self._output_rec(b["outputId"])] if "outputId" in b else list(self._outputs.values())
        )
        for out in outs:
            out["fixedPosition"] = b["enable"]

    @_handles("output/writeResolution")
    def _output_write_resolution(self, b: dict) -> None:
        outs = [self._output_rec(o, f"outputIds[{i}]") for i, o in enumerate(b["outputIds"])]
        w, h, r = b["width"], b["height"], b["refreshRate"]
        for out in outs:
            out["resolution"], out["timing"] = _resolution(w, h, r), _timing(w, h, r)

    def _write_timing(self, out: dict, t: dict) -> None:
        out["timing"] = {**_timing(t["width"], t["height"], t["refreshRate"]), **t}
        out["resolution"] = _resolution(t["width"], t["height"], t["refreshRate"])

    @_handles("output/writeTiming")
    def _output_write_timing(self, b: dict) -> None:
        # meros: {outputIdList, refreshRate}; ours: {outputId, timing{...}}.
        if "outputIdList" in b or ("refreshRate" in b and "timing" not in b):
            ids = b.get("outputIdList", [b["outputId"]] if "outputId" in b else None)
            if ids is None or "refreshRate" not in b:
                raise VendorError(INVALID, "outputIdList and refreshRate are required")
            outs = [self._output_rec(o, f"outputIdList[{i}]") for i, o in enumerate(ids)]
            for out in outs:
                res = out["resolution"]
                self._write_timing(
                    out,
                    {
                        "width": res["width"],
                        "height": res["height"],
                        "refreshRate": b["refreshRate"],
                    },
                )
            return
        if "outputId" not in b or "timing" not in b:
            raise VendorError(
                INVALID, "outputIdList and refreshRate (or outputId and timing) are required"
            )
        self._write_timing(self._output_rec(b["outputId"]), b["timing"])

    @_handles("output/write4KTiming")
    def _output_write_4k_timing(self, b: dict) -> None:
        out = self._output_rec(b["outputId"])
        if out["interfaceType"] != IT_HDMI_OUT:
            raise VendorError(
                INVALID,
                f"output {out['outputId']} is not on a 4K output card (use output/writeTiming)",
            )
        self._write_timing(out, b["timing"])

    @_handles("output/writePayload")
    def _output_write_payload(self, b: dict) -> None:
        # meros: {outputIds, width, height, refreshRate}; ours: {outputId, x, y, width, height}.
        if "outputIds" in b:
            outs = [self._output_rec(o, f"outputIds[{i}]") for i, o in enumerate(b["outputIds"])]
        elif "outputId" in b:
            outs = [self._output_rec(b["outputId"])]
        else:
            raise VendorError(INVALID, "outputIds is required")
        for out in outs:
            if out["interfaceType"] != IT_RJ45:
                raise VendorError(
                    INVALID, f"output {out['outputId']} is not on an all-in-one (sending) card"
                )
        for out in outs:
            payload = dict(out["payload"])
            payload.update({k: b[k] for k in ("x", "y", "width", "height") if k in b})
            out["payload"] = payload
            if "refreshRate" in b:
                res = out["resolution"]
                self._write_timing(
                    out,
                    {
                        "width": res["width"],
                        "height": res["height"],
                        "refreshRate": b["refreshRate"],
                    },
                )
