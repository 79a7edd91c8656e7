"""What the simulated splicer's device model shares: the vendor's status codes and code
numbers, :class:`VendorError`, the ``@handles`` marker and small helpers.

The handlers live by vendor module in :mod:`._modules` (one file per module);
:class:`.state.DeviceState` holds the state they share.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Callable, Iterable

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, TypeGuard

__all__ = [
    "BRIGHTNESS_UNSUPPORTED",
    "DEMO_SEED",
    "INVALID",
    "OSD_LIMIT_REACHED",
    "SCREEN_NOT_FOUND",
    "VendorError",
]

#: The seed of the demo device: tutorials and tests rely on its data.
DEMO_SEED = 0

# Vendor status codes the handlers answer with; their meanings and hints live in
# catalog.json (the msg is built from there), only the numbers are named here.
INVALID = 400  # the simulator's code for a bad or dangling parameter (documented in the catalog)
SCREEN_NOT_FOUND = 404
BRIGHTNESS_UNSUPPORTED = 410
OSD_LIMIT_REACHED = 412

NO_CROP = 255
MAX_LAYERS_PER_SCREEN = 16
MAX_CROPS_PER_INPUT = 255  # ids 0..254, 255 means "no crop"
MAX_BKGS = 32

# interfaceType codes, numbered as the vendor's H-series control-protocol document (V1.0.19,
# as quoted by Novastar-Monitor; labels in catalog.json "codes"): 1 EXP, 2-3 DVI,
# 4-6 HDMI 1.3/1.4/2.0, 7-8 DP, 9 3G-SDI, 13 RJ45, 15-16 HDBaseT, 17 fiber, 18 12G-SDI.
IT_DVI, IT_HDMI14, IT_HDMI20, IT_DP12, IT_DP14, IT_SDI3G, IT_SDI12G = 2, 5, 6, 7, 8, 9, 18
IT_RJ45 = 13  # the LED sending card's ports, and the IPC card's network port (H9 notes)
IT_HDMI_OUT = IT_HDMI20  # the HDMI output card's ports
# cardType codes.
CT_EMPTY, CT_INPUT, CT_OUTPUT, CT_SENDING, CT_CONTROL, CT_IPC = 0, 1, 2, 3, 4, 6
# sourceType codes: 3 is an IPC stream (255 on firmware before V1.9.9.0), 5 an IPC mosaic.
SOURCE_NONE, SOURCE_INPUT, SOURCE_IPC, SOURCE_IPC_MOSAIC, SOURCE_IPC_OLD = 0, 1, 3, 5, 255
_IPC_SOURCES = (SOURCE_IPC, SOURCE_IPC_MOSAIC, SOURCE_IPC_OLD)
IPC_SLOT = 7

# (model, interfaceType, ports, modelId) of the input cards a demo H5 may carry.
_INPUT_CARDS = [
    ("H_4xDVI", IT_DVI, 4, 0x3A11),
    ("H_2xDP1.4", IT_DP14, 2, 0x3A21),
    ("H_4x3G-SDI", IT_SDI3G, 4, 0x3A31),
    ("H_2x12G-SDI", IT_SDI12G, 2, 0x3A32),
    ("H_4xHDMI1.4", IT_HDMI14, 4, 0x3A02),
    ("H_2xDP1.2", IT_DP12, 2, 0x3A22),
]
_RESOLUTIONS: dict[int, list[tuple[int, int, float]]] = {
    IT_HDMI20: [(3840, 2160, 60), (1920, 1080, 60), (1920, 1080, 50), (2560, 1440, 60)],
    IT_HDMI14: [(1920, 1080, 60), (1280, 720, 60), (1920, 1200, 60)],
    IT_DVI: [(1920, 1200, 60), (1920, 1080, 60), (1280, 1024, 60)],
    IT_DP14: [(3840, 2160, 60), (2560, 1440, 60)],
    IT_DP12: [(2560, 1600, 60), (1920, 1080, 60)],
    IT_SDI3G: [(1920, 1080, 50), (1920, 1080, 59.94)],
    IT_SDI12G: [(3840, 2160, 50), (3840, 2160, 59.94)],
}
_VENUE_NAMES = [
    "Stage Cam 1",
    "Stage Cam 2",
    "Lectern PC",
    "Playback A",
    "Playback B",
    "Media Server",
    "Laptop DSM",
    "Confidence",
    "Graphics",
    "Slides",
]
_SCREEN_NAMES = ["Main LED", "Side Left", "Side Right"]
_PRESETS = [
    ("Walk-in", "full"),
    ("Keynote", "pip"),
    ("Panel", "quad"),
    ("Side by side", "split"),
    ("Break", "full"),
]
# layoutTemplateId → windows as fractions (x, y, w, h) of the screen; see catalog enumLabels.
_TEMPLATES: dict[int, list[tuple[float, float, float, float]]] = {
    0: [(0, 0, 1, 1)],
    1: [(0, 0, 0.5, 1), (0.5, 0, 0.5, 1)],
    2: [(0, 0, 0.5, 0.5), (0.5, 0, 0.5, 0.5), (0, 0.5, 0.5, 0.5), (0.5, 0.5, 0.5, 0.5)],
    3: [(0, 0, 2 / 3, 1), (2 / 3, 0, 1 / 3, 0.5), (2 / 3, 0.5, 1 / 3, 0.5)],
}
_PRESET_LAYOUTS: dict[str, list[tuple[float, float, float, float]]] = {
    "full": _TEMPLATES[0],
    "split": _TEMPLATES[1],
    "quad": _TEMPLATES[2],
    "pip": [(0, 0, 1, 1), (0.7, 0.05, 0.25, 0.25)],
}


class VendorError(Exception):
    """A refusal with a vendor status code; ``detail`` says what exactly (it follows
    the catalog's meaning in the reply's msg)."""

    def __init__(self, status: int, detail: str = "") -> None:
        super().__init__(f"status {status}: {detail}" if detail else f"status {status}")
        self.status = status
        self.detail = detail


def _handles(path: str) -> Callable:
    def mark(fn: Callable) -> Callable:
        fn._interface = path  # type: ignore[attr-defined]
        return fn

    return mark


def _timing(width: int, height: int, refresh: float) -> dict:
    # CVT-reduced-blanking-like totals: plausible numbers, not a timing standard.
    h_total, v_total = width + 160, height + max(23, height // 40)
    return {
        "width": width,
        "height": height,
        "refreshRate": refresh,
        "hTotal": h_total,
        "vTotal": v_total,
        "hFront": 48,
        "hSync": 32,
        "vFront": 3,
        "vSync": 5,
        "pixelClock": round(h_total * v_total * refresh / 1e6, 2),
    }


def _resolution(width: int, height: int, refresh: float) -> dict:
    # excontrol's notes read resolution.refresh; refreshRate is ours (kept: clients use it).
    return {"width": width, "height": height, "refreshRate": refresh, "refresh": refresh}


_NO_SIGNAL_RES = _resolution(0, 0, 0)
_NO_SIGNAL_TIMING = {
    "width": 0,
    "height": 0,
    "refreshRate": 0,
    "hTotal": 0,
    "vTotal": 0,
    "hFront": 0,
    "hSync": 0,
    "vFront": 0,
    "vSync": 0,
    "pixelClock": 0,
}


def _b64(text: str, field: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise VendorError(INVALID, f"{field} is not valid Base64") from None
    if not raw:
        raise VendorError(INVALID, f"{field} is empty")
    return raw


def _image_size(raw: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG (0, 0 when unknown)."""
    if raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) >= 24:
        return struct.unpack(">II", raw[16:24])
    if raw[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(raw):
            if raw[i] != 0xFF:
                break
            marker, size = raw[i + 1], struct.unpack(">H", raw[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", raw[i + 5 : i + 9])
                return w, h
            i += 2 + size
    return 0, 0


class _Screen:
    """One screen's mutable state (only touched under the state lock)."""

    def __init__(
        self,
        screen_id: int,
        name: str,
        create_time: str,
        width: int,
        height: int,
        interfaces: list[dict],
        mosaic: dict,
        brightness_supported: bool,
    ) -> None:
        self.screen_id = screen_id
        self.name = name
        self.create_time = create_time
        self.width = width
        self.height = height
        self.interfaces = interfaces  # [{interfaceId, x, y, width, height}]
        self.mosaic = mosaic
        self.brightness_supported = brightness_supported
        self.brightness = 100
        self.saved_brightness = 100
        self.gamma = 2.8
        self.ftb = {"enable": 1, "time": 1}
        self.freeze = 0
        self.bkg = {"enable": 1, "bkgId": 0}
        self.osd: dict[str, Any] = {
            "enable": 0,
            "isJudge": 0,
            "type": 0,
            "x": 0,
            "y": 0,
            "width": 0,
            "height": 0,
            "words": {
                "chars": "",
                "text": "",
                "fontSize": 48,
                "fontPercent": 100,
                "speed": 0,
                "direction": 0,
                "aligned": 0,
                "space": 0,
                "backgroundEnable": 0,
                "backgroundType": 0,
                "fontColor": {"A": 255, "R": 255, "G": 255, "B": 255},
                "backgroundColor": {"A": 0, "R": 0, "G": 0, "B": 0},
                "x": 0,
                "y": 0,
            },
        }
        self.osd_image: dict[str, Any] = {
            "enable": 0,
            "isJudge": 0,
            "type": 1,
            "fileName": "",
            "fileLength": 0,
            "opacity": 100,
            "x": 0,
            "y": 0,
            "width": 0,
            "height": 0,
        }
        self.screen3d = {"enable": 0, "type": 0, "eyePriority": 0}
        self.audio = {"inputChannelMode": 0, "outputChannelMode": 0, "volume": 80, "mute": 0}
        self.output_mode = 0
        #: Where the screen sits on the splicer's one canvas (layer windows are in canvas
        #: coordinates, as on a real H9); output cells in ``interfaces`` are screen-relative.
        self.offset = {"x": 0, "y": 0}
        self.layers: dict[int, dict] = {}
        self.presets: dict[int, dict] = {}
        self.playing = -1


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _int01(value: Any, field: str) -> int:
    if value not in (0, 1) or isinstance(value, bool):
        raise VendorError(INVALID, f"{field} must be 0 or 1")
    return int(value)


def _window(new: dict, old: dict) -> dict:
    window = dict(old)
    for key in ("x", "y", "width", "height"):
        if key in new:
            value = new[key]
            if (
                not _is_int(value)
                or not (-65535 <= value <= 65535)
                or (key in ("width", "height") and value < 1)
            ):
                raise VendorError(INVALID, f"window.{key} must be an integer in range")
            window[key] = value
    return window


def _ids(mapping: dict | Iterable[int]) -> str:
    ids = list(mapping)
    if not ids:
        return "none"
    if len(ids) > 12:
        return f"{ids[0]}..{ids[-1]} ({len(ids)} in all)"
    return ", ".join(map(str, ids))
