"""The simulated splicer's handlers, one file per vendor module (``screen.py`` answers
``screen/*``...). A new interface is one ``@_handles("module/action")`` method in its
module's file (and its entry in ``catalog.json``)."""

from __future__ import annotations

from .audio import AudioHandlers
from .bkg import BackgroundsHandlers
from .device import DeviceHandlers
from .input import InputsHandlers
from .ipc import IPCHandlers
from .layer import LayersHandlers
from .main import MainHandlers
from .output import OutputsHandlers
from .preset import PresetsHandlers
from .screen import ScreensHandlers

__all__ = [
    "AudioHandlers",
    "BackgroundsHandlers",
    "DeviceHandlers",
    "IPCHandlers",
    "InputsHandlers",
    "LayersHandlers",
    "MainHandlers",
    "OutputsHandlers",
    "PresetsHandlers",
    "ScreensHandlers",
]
