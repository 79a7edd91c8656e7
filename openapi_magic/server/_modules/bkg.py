"""The ``bkg/*`` interfaces (Backgrounds) of the simulated splicer: handlers by catalog path.

Mixed into :class:`..state.DeviceState`, whose state and lookups they share.
"""

from __future__ import annotations

import copy

from .._model import INVALID, MAX_BKGS, VendorError, _b64, _handles, _image_size
from ._base import DeviceBase

__all__ = ["BackgroundsHandlers"]


class BackgroundsHandlers(DeviceBase):
    """The ``bkg/*`` handlers (see the catalog for each interface's fields)."""

    @_handles("bkg/readAllList")
    def _bkg_read_all_list(self, b: dict) -> list:
        return [{"bkgId": g["bkgId"], "general": dict(g["general"])} for g in self._bkgs.values()]

    @_handles("bkg/readDetail")
    def _bkg_read_detail(self, b: dict) -> dict:
        return {"deviceId": b.get("deviceId", 0), **copy.deepcopy(self._bkg(b["bkgId"]))}

    @_handles("bkg/create")
    def _bkg_create(self, b: dict) -> dict:
        if len(self._bkgs) >= MAX_BKGS:
            raise VendorError(INVALID, f"the splicer already stores {MAX_BKGS} backgrounds")
        raw = _b64(b["file"], "file")
        w, h = _image_size(raw)
        bid = max(self._bkgs, default=-1) + 1
        self._bkgs[bid] = {
            "bkgId": bid,
            "general": {"name": b["name"]},
            "fileName": b["fileName"],
            "width": w,
            "height": h,
            "size": len(raw),
        }
        return {"bkgId": bid}

    @_handles("bkg/delete")
    def _bkg_delete(self, b: dict) -> None:
        for bid in b["bkgIdList"]:
            self._bkg(bid)
        for bid in b["bkgIdList"]:
            self._bkgs.pop(bid, None)
            for screen in self._screens.values():
                if screen.bkg["bkgId"] == bid:
                    screen.bkg = {"enable": 1, "bkgId": -1}
