"""The ``main/*`` interfaces (Homepage) of the simulated splicer: handlers by catalog path.

Mixed into :class:`..state.DeviceState`, whose state and lookups they share.
"""

from __future__ import annotations

from .._model import _handles
from ._base import DeviceBase

__all__ = ["MainHandlers"]


class MainHandlers(DeviceBase):
    """The ``main/*`` handlers (see the catalog for each interface's fields)."""

    @_handles("main/initStatus")
    def _main_init_status(self, b: dict) -> dict:
        return {
            "initStatus": int(self.ready()),
            "mainModelId": self.main_model_id,
            "sn": self.sn,
            "softwareVersion": self.software_version,
        }
