"""The ``audio/*`` interfaces of the simulated splicer: what Home Assistant's integration
(tedr91/HA-novastar-h) calls to read a screen's audio (it switches it with
``screen/writeDetail``, in ``screen.py``). A public client's names, unverified on hardware: the reply shapes are our
reconstruction of what that client reads.

Mixed into :class:`..state.DeviceState`, whose state and lookups they share.
"""

from __future__ import annotations

from .._model import IT_DVI, _handles
from ._base import DeviceBase

__all__ = ["AUDIO_OUTPUTS", "AudioHandlers"]

#: The audio outputs a screen can feed (ids and names ours: no source lists them).
AUDIO_OUTPUTS = (
    {"audioOutputId": 0, "name": "Analog out"},
    {"audioOutputId": 1, "name": "HDMI out"},
)


class AudioHandlers(DeviceBase):
    """The audio handlers (see the catalog for each interface's fields)."""

    @_handles("audio/readList")
    def _audio_read_list(self, b: dict) -> dict:
        self._screen(b["screenId"])
        return {
            "deviceId": b.get("deviceId", 0),
            "screenId": b["screenId"],
            # Embedded audio: the inputs with a signal on a connector that carries it.
            "inputs": [
                {"audioInputId": iid, "name": rec["general"]["name"]}
                for iid, rec in self._inputs.items()
                if rec.get("iSignal") and rec.get("interfaceType") != IT_DVI
            ],
            "outputs": [dict(o) for o in AUDIO_OUTPUTS],
        }

    @_handles("audio/readDetail")
    def _audio_read_detail(self, b: dict) -> dict:
        audio = self._screen(b["screenId"]).audio
        return {
            "deviceId": b.get("deviceId", 0),
            "screenId": b["screenId"],
            "audioInputId": audio["inputChannelMode"],
            "audioOutputId": audio["outputChannelMode"],
            "volume": audio["volume"],
            "mute": audio["mute"],
        }
