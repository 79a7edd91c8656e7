"""The device model of the simulated splicer: a virtual NovaStar H5.

:class:`DeviceState` holds what a real H5 would hold (chassis and cards, inputs,
outputs, screens with their layers and presets, backgrounds, groups) and has one
handler per catalog interface. Handlers take a body the catalog has already
validated, change the state, and return the reply body (``None`` for a write,
answered as ``"body": ""`` like real splicers; creations answer the new id).
They refuse with :class:`VendorError` carrying the vendor's status code.

Reply fields follow what real firmware sends (``shared/FIELD-EVIDENCE.md``):
``device/readDetail`` carries ``MAC``; ``screen/readDetail.outputMode`` is an object
``{screenInterfaces, mosaic, offset, size}`` (our older integer 0 live / 1 non-live is
``nonTime``); screens sit side by side on one canvas (``offset``) and layer windows are
in canvas coordinates; ``input/readList`` records carry a top-level ``name`` and
``resolution.refresh`` beside our ``general.name`` and ``refreshRate`` (kept: clients and
tutorials use them); ``interfaceType`` is numbered as the vendor's control-protocol
document (13 RJ45 ...). Where the evidence is unresolved we picked: ``temp`` is a status
code (0 normal, 1 warning, 2 critical) as Home Assistant's integration reads it, not
degrees (``backboardTemperature`` stays in degrees); fans and power supplies report
their real-looking figures with ``status`` 1 for healthy (the OpenAPI's convention is
not known; over SNMP healthy supplies report 0). ``deviceId`` is required in every
body but ``main/initStatus`` (checked against the catalog by the splicer, status 1).

Everything is drawn from ``random.Random(seed)``, so one seed always gives the
same device. The model knows nothing of HTTP, envelopes or the client.

Thread safety: every handler runs under ``state.lock``. Replies must not share
mutable parts with the state, because they are serialised after the lock is
released: small replies are deep copies; the input records (which benchmarks grow
to 100k) are never changed in place but replaced, so a reply may hold them as is.
"""

from __future__ import annotations

import base64
import binascii
import copy
import random
import struct
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from .firmware import FirmwareProfile, firmware_profile

__all__ = [
    "BRIGHTNESS_UNSUPPORTED",
    "DEMO_SEED",
    "INVALID",
    "OSD_LIMIT_REACHED",
    "SCREEN_NOT_FOUND",
    "DeviceState",
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
_RESOLUTIONS = {
    IT_HDMI20: [(3840, 2160, 60), (1920, 1080, 60), (1920, 1080, 50), (2560, 1440, 60)],
    IT_HDMI14: [(1920, 1080, 60), (1280, 720, 60), (1920, 1200, 60)],
    IT_DVI: [(1920, 1200, 60), (1920, 1080, 60), (1280, 1024, 60)],
    IT_DP14: [(3840, 2160, 60), (2560, 1440, 60)],
    IT_DP12: [(2560, 1600, 60), (1920, 1080, 60)],
    IT_SDI3G: [(1920, 1080, 50), (1920, 1080, 59.94)],
    IT_SDI12G: [(3840, 2160, 50), (3840, 2160, 59.94)],
}
_VENUE_NAMES = ["Stage Cam 1", "Stage Cam 2", "Lectern PC", "Playback A", "Playback B",
                "Media Server", "Laptop DSM", "Confidence", "Graphics", "Slides"]
_SCREEN_NAMES = ["Main LED", "Side Left", "Side Right"]
_PRESETS = [("Walk-in", "full"), ("Keynote", "pip"), ("Panel", "quad"), ("Side by side", "split"),
            ("Break", "full")]
# layoutTemplateId → windows as fractions (x, y, w, h) of the screen; see catalog enumLabels.
_TEMPLATES = {
    0: [(0, 0, 1, 1)],
    1: [(0, 0, .5, 1), (.5, 0, .5, 1)],
    2: [(0, 0, .5, .5), (.5, 0, .5, .5), (0, .5, .5, .5), (.5, .5, .5, .5)],
    3: [(0, 0, 2 / 3, 1), (2 / 3, 0, 1 / 3, .5), (2 / 3, .5, 1 / 3, .5)],
}
_PRESET_LAYOUTS = {"full": _TEMPLATES[0], "split": _TEMPLATES[1], "quad": _TEMPLATES[2],
                   "pip": [(0, 0, 1, 1), (.7, .05, .25, .25)]}


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
    return {"width": width, "height": height, "refreshRate": refresh, "hTotal": h_total,
            "vTotal": v_total, "hFront": 48, "hSync": 32, "vFront": 3, "vSync": 5,
            "pixelClock": round(h_total * v_total * refresh / 1e6, 2)}


def _resolution(width: int, height: int, refresh: float) -> dict:
    # excontrol's notes read resolution.refresh; refreshRate is ours (kept: clients use it).
    return {"width": width, "height": height, "refreshRate": refresh, "refresh": refresh}


_NO_SIGNAL_RES = _resolution(0, 0, 0)
_NO_SIGNAL_TIMING = {"width": 0, "height": 0, "refreshRate": 0, "hTotal": 0, "vTotal": 0,
                     "hFront": 0, "hSync": 0, "vFront": 0, "vSync": 0, "pixelClock": 0}


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
            marker, size = raw[i + 1], struct.unpack(">H", raw[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", raw[i + 5:i + 9])
                return w, h
            i += 2 + size
    return 0, 0


class _Screen:
    """One screen's mutable state (only touched under the state lock)."""

    def __init__(self, screen_id: int, name: str, create_time: str, width: int, height: int,
                 interfaces: list[dict], mosaic: dict, brightness_supported: bool) -> None:
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
        self.osd = {"enable": 0, "isJudge": 0, "type": 0, "x": 0, "y": 0, "width": 0, "height": 0,
                    "words": {"chars": "", "text": "", "fontSize": 48, "fontPercent": 100,
                              "speed": 0, "direction": 0, "aligned": 0, "space": 0,
                              "backgroundEnable": 0, "backgroundType": 0,
                              "fontColor": {"A": 255, "R": 255, "G": 255, "B": 255},
                              "backgroundColor": {"A": 0, "R": 0, "G": 0, "B": 0},
                              "x": 0, "y": 0}}
        self.osd_image = {"enable": 0, "isJudge": 0, "type": 1, "fileName": "", "fileLength": 0,
                          "opacity": 100, "x": 0, "y": 0, "width": 0, "height": 0}
        self.screen3d = {"enable": 0, "type": 0, "eyePriority": 0}
        self.audio = {"inputChannelMode": 0, "outputChannelMode": 0, "volume": 80, "mute": 0}
        self.output_mode = 0
        #: Where the screen sits on the splicer's one canvas (layer windows are in canvas
        #: coordinates, as on a real H9); output cells in ``interfaces`` are screen-relative.
        self.offset = {"x": 0, "y": 0}
        self.layers: dict[int, dict] = {}
        self.presets: dict[int, dict] = {}
        self.playing = -1


class DeviceState:
    """A virtual H5 splicer: its data and one handler per catalog interface.

    ``DeviceState(seed)`` builds the same device for the same seed. Call an
    interface with :meth:`call` (``state.call("screen/readList", {"deviceId": 0})``);
    grow the input list for benchmarks with :meth:`add_inputs`. ``clock`` gives epoch
    seconds (for new screens' createTime); ``ready`` tells whether the device has
    finished initialising (the splicer sets it); ``osd_limit`` is how many OSDs
    (text and image, all screens together) may be shown at once before status 412.
    """

    def __init__(self, seed: int = DEMO_SEED, *, clock: Callable[[], float] = time.time,
                 osd_limit: int = 2, firmware: str | FirmwareProfile = "default") -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.firmware = firmware_profile(firmware)
        self.clock = clock
        self.ready: Callable[[], bool] = lambda: True
        self.osd_limit = osd_limit
        rng = random.Random(seed)
        self._build_device(rng)
        self._build_inputs(rng)
        self._build_outputs()
        self._build_backgrounds()
        self._build_screens(rng)
        self._build_groups()
        self._build_ipc()
        self._used: set[int] = set()
        self._refresh_used()

    # ------------------------------------------------------------------ public helpers

    def call(self, interface: str, body: dict | None) -> Any:
        """Run the handler of ``interface`` (``module/action``) on ``body``.

        Returns the reply body (``None`` for no data); raises :class:`VendorError`.
        ``KeyError`` for an interface without a handler.
        """
        handler = self._HANDLERS[interface]
        firmware = self.firmware
        with self.lock:
            if interface in firmware.ignored_writes:
                return None  # answered 0, nothing changes (the H9 V1.9.7.1's layer/writeSource)
            reply = handler(self, body if isinstance(body, dict) else {})
        if interface in firmware.create_without_id:
            return None  # the H9 V1.9.7.1's ipc/IPCSourceCreate: created, but no id answered
        return reply

    @classmethod
    def interfaces(cls) -> list[str]:
        """Every ``module/action`` this model answers."""
        return list(cls._HANDLERS)

    def add_inputs(self, n: int, *, signal: bool = True, interface_type: int = IT_HDMI20) -> list[int]:
        """Add ``n`` inputs (on a virtual expansion card) and return their ids.

        Meant for benchmarks: ``state.add_inputs(100_000)`` makes ``input/readList``
        answer 100k records. Fast: the records share their (never modified)
        resolution and timing parts.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        res = _resolution(1920, 1080, 60) if signal else _NO_SIGNAL_RES
        timing = _timing(1920, 1080, 60) if signal else _NO_SIGNAL_TIMING
        with self.lock:
            start = max(self._inputs, default=-1) + 1
            ids = range(start, start + n)
            for i in ids:
                self._inputs[i] = {"inputId": i, "online": 1, "isUsed": 0, "iSignal": int(signal),
                                   "interfaceType": interface_type, "resolution": res,
                                   "timing": timing, "general": {"name": f"input X-{i}"},
                                   "name": f"input X-{i}", "slotId": 255}
            return list(ids)

    @property
    def screen_ids(self) -> list[int]:
        """The ids of the screens, in order."""
        with self.lock:
            return list(self._screens)

    @property
    def input_ids(self) -> list[int]:
        """The ids of the inputs, in order."""
        with self.lock:
            return list(self._inputs)

    def brightness_supported(self, screen_id: int) -> bool:
        """Whether a screen's sending card accepts brightness (else status 410)."""
        with self.lock:
            return self._screen(screen_id).brightness_supported

    # ------------------------------------------------------------------ building

    def _build_device(self, rng: random.Random) -> None:
        self.sn = f"HS{self.firmware.model[1:]:0>2}{rng.randrange(16 ** 10):010X}"
        self.software_version = self.firmware.software_version
        self.main_model_id = self.firmware.main_model_id
        mac = ":".join(f"{b:02X}" for b in (0x02, 0x4E, 0x56, *rng.randbytes(3)))
        self.ip = {"ip": f"192.168.0.{rng.randint(20, 200)}", "mask": "255.255.255.0",
                   "gateway": "192.168.0.1", "dhcp": 0, "mac": mac}
        self.show_id = 0
        # The input cards: always HDMI 2.0 in slot 1, then three others (10-16 inputs in all).
        cards = [("H_4xHDMI2.0", IT_HDMI20, 4, 0x3A01)] + rng.sample(_INPUT_CARDS, 3)
        self._slots: list[dict] = [self._card(0, CT_CONTROL, "H_MCU", 0x3A00, rng)]
        self._input_cards = []
        for slot, (model, itype, ports, model_id) in enumerate(cards, start=1):
            self._slots.append(self._card(slot, CT_INPUT, model, model_id, rng, inputs=ports))
            self._input_cards.append((slot, itype, ports))
        self._slots.append(self._card(5, CT_SENDING, "H_16xRJ45", 0x3B01, rng, outputs=16))
        self._slots.append(self._card(6, CT_OUTPUT, "H_4xHDMI2.0-OUT", 0x3B11, rng, outputs=4))
        # An IPC decoding card (RJ45, H9 notes) where the demo H5 had an empty slot; the
        # versions come from their own generator so the rest of the device stays as it was.
        self._slots.append(self._card(IPC_SLOT, CT_IPC, "H_IPC-16", 0x3C01,
                                      random.Random(f"ipc-{self.seed}")))
        psu2_ok = rng.random() < 0.75
        self.detail = {
            "name": self.firmware.model, "modelId": self.main_model_id, "sn": self.sn, "protoVersion": "1.0.3",
            # HA-novastar-h reads temp as a status code (0 normal, 1 warning, 2 critical):
            # one source, against our reconstruction's degrees; we follow HA (see module doc).
            "MAC": mac, "temp": 0 if rng.uniform(36, 47) < 45 else 1,
            "backboardTemperature": round(rng.uniform(31, 40), 1),
            "powerList": [
                {"powerId": 0, "iSignal": 1, "status": 1, "voltage": round(rng.uniform(11.9, 12.2), 2)},
                {"powerId": 1, "iSignal": int(psu2_ok), "status": int(psu2_ok),
                 "voltage": round(rng.uniform(11.9, 12.2), 2) if psu2_ok else 0.0},
            ],
            "fanList": [{"fanId": i, "speed": rng.randrange(2400, 3600, 10), "status": 1}
                        for i in range(4)],
            "genlock": {"enable": 0, "status": 0},
        }

    @staticmethod
    def _card(slot: int, card_type: int, name: str, model_id: int, rng: random.Random,
              inputs: int = 0, outputs: int = 0) -> dict:
        return {"slotId": slot, "cardType": card_type, "name": name, "modelId": model_id, "online": 1,
                "inputCount": inputs, "outputCount": outputs,
                "mcuVersion": f"V{rng.randint(1, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}",
                "fpgaVersion": f"V{rng.randint(2, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 40)}",
                "sn": f"HC{rng.randrange(16 ** 10):010X}"}

    def _build_inputs(self, rng: random.Random) -> None:
        self._inputs: dict[int, dict] = {}
        self._crops: dict[int, dict[int, dict]] = {}
        self._edid: dict[int, str] = {}
        names = rng.sample(_VENUE_NAMES, 5)
        input_id = 0
        for slot, itype, ports in self._input_cards:
            for port in range(1, ports + 1):
                # Two in three connectors carry a signal; the DVI card sits unused.
                online = int(itype != IT_DVI or rng.random() < 0.5)
                signal = online and rng.random() < 0.7
                if input_id == 0:
                    signal = True  # the demo always has a live input 0 (examples use it)
                if signal:
                    w, h, r = rng.choice(_RESOLUTIONS[itype])
                    res, timing = _resolution(w, h, r), _timing(w, h, r)
                else:
                    res, timing = _NO_SIGNAL_RES, _NO_SIGNAL_TIMING
                name = names.pop() if names and signal and rng.random() < 0.6 else f"input {slot}-{port}"
                self._inputs[input_id] = {
                    "inputId": input_id, "online": online, "isUsed": 0, "iSignal": int(bool(signal)),
                    "interfaceType": itype, "resolution": res, "timing": timing,
                    "general": {"name": name}, "name": name, "slotId": slot}
                self._crops[input_id] = {}
                input_id += 1
        w = self._inputs[0]["resolution"]["width"]
        h = self._inputs[0]["resolution"]["height"]
        self._crops[0][0] = {"cropId": 0, "name": "Left half", "x": 0, "y": 0, "width": w // 2, "height": h}

    def _build_outputs(self) -> None:
        self._outputs: dict[int, dict] = {}
        for port in range(16):
            self._outputs[port] = self._output(port, 5, IT_RJ45, f"RJ45 5-{port + 1}", (960, 540, 60))
        for port in range(4):
            oid = 16 + port
            self._outputs[oid] = self._output(oid, 6, IT_HDMI_OUT, f"HDMI OUT 6-{port + 1}", (1920, 1080, 60))

    @staticmethod
    def _output(oid: int, slot: int, itype: int, name: str, res: tuple) -> dict:
        w, h, r = res
        return {"outputId": oid, "name": name, "slotId": slot, "interfaceType": itype, "online": 1,
                "screenId": -1, "resolution": _resolution(w, h, r), "timing": _timing(w, h, r),
                "gamma": 2.2, "fixedPosition": 0,
                "imageQuality": {"brightness": 50, "contrast": 50, "saturation": 50, "hue": 0,
                                 "colorTemperature": 6500},
                "payload": {"x": 0, "y": 0, "width": w, "height": h}}

    def _build_backgrounds(self) -> None:
        self._bkgs: dict[int, dict] = {
            0: {"bkgId": 0, "general": {"name": "NovaStar logo"}, "fileName": "logo.png",
                "width": 1920, "height": 1080, "size": 48213},
            1: {"bkgId": 1, "general": {"name": "Event key art"}, "fileName": "keyart.jpg",
                "width": 3840, "height": 1080, "size": 612944},
        }

    def _build_screens(self, rng: random.Random) -> None:
        self._screens: dict[int, _Screen] = {}
        count = 3 if rng.random() < 0.7 else 2
        base = 1757509392 - rng.randint(0, 3_000_000)
        # (width, height, rows, cols, output ids); the last screen hangs on the HDMI output
        # card (an external LED controller): its "sending card" does not take brightness.
        layouts = [(3840, 1080, 2, 4, list(range(8))), (1920, 1080, 2, 2, list(range(8, 12)))]
        layouts = layouts[:count - 1] + [(1920, 1080, 1, 1, [16])]
        for sid, (w, h, rows, cols, outs) in enumerate(layouts):
            tile_w, tile_h = w // cols, h // rows
            interfaces = [{"interfaceId": o, "x": (i % cols) * tile_w, "y": (i // cols) * tile_h,
                           "width": tile_w, "height": tile_h} for i, o in enumerate(outs)]
            name = _SCREEN_NAMES[sid] if sid < count - 1 else _SCREEN_NAMES[count - 1]
            create = f"{base + sid * 3600 + rng.randint(0, 999)}.{rng.randrange(10 ** 7):07d}"
            screen = _Screen(sid, name, create, w, h, interfaces, {"row": rows, "column": cols},
                             brightness_supported=outs[0] < 16)
            screen.offset = {"x": self._canvas_right(), "y": 0}  # side by side on the canvas
            screen.brightness = screen.saved_brightness = rng.choice([60, 70, 80, 100])
            for o in outs:
                self._outputs[o]["screenId"] = sid
            live = [i for i, rec in self._inputs.items() if rec["iSignal"]]
            for pid, (pname, layout) in enumerate(_PRESETS[:rng.randint(2, 4)]):
                layers = [self._layer_spec(screen, n, frac, rng.choice(live) if live else None)
                          for n, frac in enumerate(_PRESET_LAYOUTS[layout])]
                screen.presets[pid] = {"presetId": pid, "name": pname, "layers": layers}
            self._screens[sid] = screen
            self._play(screen, 0)

    def _build_groups(self) -> None:
        cams = [i for i, rec in self._inputs.items() if rec["interfaceType"] in (IT_SDI3G, IT_SDI12G)]
        cams = cams or [0]
        self._input_groups: dict[int, dict] = {
            0: {"inputGroupId": 0, "inputGroupName": "Cameras",
                "inputs": [{"inputId": i, "cropId": NO_CROP} for i in cams]}}
        self._group_order = [0]
        self._sources: dict[int, dict] = {
            0: {"sourceId": 0, "name": "Camera tour", "enable": 0, "interval": 10,
                "inputs": [{"inputId": i, "cropId": NO_CROP} for i in cams[:3]]}}
        self._preset_groups: dict[int, dict] = {
            0: {"presetGroupId": 0, "presetGroupName": "Lobby loop", "interval": 30,
                "presets": [{"screenId": 0, "presetId": 0}, {"screenId": 0, "presetId": 1}]}}
        self._poll = {"presetGroupId": -1, "enable": 0}

    def _build_ipc(self) -> None:
        # Two cameras on the IPC card, each with a main and a sub stream (fixed, not seeded,
        # so the rest of the device is what it was before the card was modelled).
        self._ipc_sources: dict[int, dict] = {}
        self._ipc_templates: dict[int, dict] = {}
        self._next_stream = 0
        for name, host in (("Foyer cam", "192.168.0.90"), ("Stage-door cam", "192.168.0.91")):
            self._ipc_add(name, IPC_SLOT, f"rtsp://{host}:554/stream1")
        self._ipc_templates[0] = {"templateId": 0, "name": "Both cams", "row": 1, "column": 2,
                                  "sourceList": [{"sourceId": 0}, {"sourceId": 1}], "applied": 0}

    def _ipc_add(self, name: str, slot: int, url: str) -> int:
        sid = max(self._ipc_sources, default=-1) + 1
        channels = []
        for cid, (kind, path) in enumerate((("main", url), ("sub", url.rsplit("/", 1)[0] + "/sub"))):
            channels.append({"channelId": cid, "streamId": self._next_stream, "name": f"{name} {kind}",
                             "rtspUrl": path})
            self._next_stream += 1
        self._ipc_sources[sid] = {"sourceId": sid, "sourceName": name, "slotId": slot,
                                  "rtspUrl": url, "channels": channels}
        return sid

    def _ipc_stream(self, stream_id: Any) -> dict | None:
        for src in self._ipc_sources.values():
            for ch in src["channels"]:
                if ch["streamId"] == stream_id:
                    return ch
        return None

    def _ipc_source(self, source_id: int, field: str = "sourceId") -> dict:
        try:
            return self._ipc_sources[source_id]
        except KeyError:
            raise VendorError(INVALID, f"{field} {source_id} does not exist (IPC sources are "
                              f"{_ids(self._ipc_sources)})") from None

    def _ipc_template(self, template_id: int, field: str = "templateId") -> dict:
        try:
            return self._ipc_templates[template_id]
        except KeyError:
            raise VendorError(INVALID, f"{field} {template_id} does not exist (mosaic templates "
                              f"are {_ids(self._ipc_templates)})") from None

    def _ipc_slot(self, slot: int) -> None:
        if not any(s["slotId"] == slot and s["cardType"] == CT_IPC for s in self._slots):
            raise VendorError(INVALID, f"slotId {slot} holds no IPC card (IPC cards are in "
                              f"{_ids(s['slotId'] for s in self._slots if s['cardType'] == CT_IPC)})")

    # ------------------------------------------------------------------ lookups

    def _screen(self, screen_id: int) -> _Screen:
        try:
            return self._screens[screen_id]
        except KeyError:
            raise VendorError(SCREEN_NOT_FOUND, f"screenId {screen_id} (this splicer has "
                              f"{_ids(self._screens)})") from None

    def _input(self, input_id: int, field: str = "inputId") -> dict:
        try:
            return self._inputs[input_id]
        except KeyError:
            raise VendorError(INVALID, f"{field} {input_id} does not exist (inputs are "
                              f"{_ids(self._inputs)})") from None

    def _output_rec(self, output_id: int, field: str = "outputId") -> dict:
        try:
            return self._outputs[output_id]
        except KeyError:
            raise VendorError(INVALID, f"{field} {output_id} does not exist (outputs are "
                              f"{_ids(self._outputs)})") from None

    def _layer(self, screen: _Screen, layer_id: int) -> dict:
        try:
            return screen.layers[layer_id]
        except KeyError:
            raise VendorError(INVALID, f"layerId {layer_id} does not exist on screen "
                              f"{screen.screen_id} (layers are {_ids(screen.layers)})") from None

    def _preset(self, screen: _Screen, preset_id: int) -> dict:
        try:
            return screen.presets[preset_id]
        except KeyError:
            raise VendorError(INVALID, f"presetId {preset_id} does not exist on screen "
                              f"{screen.screen_id} (presets are {_ids(screen.presets)})") from None

    def _bkg(self, bkg_id: int) -> dict:
        try:
            return self._bkgs[bkg_id]
        except KeyError:
            raise VendorError(INVALID, f"bkgId {bkg_id} does not exist (backgrounds are "
                              f"{_ids(self._bkgs)})") from None

    def _crop(self, input_id: int, crop_id: int) -> dict:
        self._input(input_id)
        try:
            return self._crops[input_id][crop_id]
        except KeyError:
            raise VendorError(INVALID, f"cropId {crop_id} does not exist on input {input_id} "
                              f"(crops are {_ids(self._crops[input_id])})") from None

    def _nodes(self, nodes: Iterable[dict], field: str = "inputs") -> list[dict]:
        out = []
        for i, node in enumerate(nodes):
            self._input(node["inputId"], f"{field}[{i}].inputId")
            crop = node.get("cropId", NO_CROP)
            if crop != NO_CROP:
                self._crop(node["inputId"], crop)
            out.append({"inputId": node["inputId"], "cropId": crop})
        return out

    # ------------------------------------------------------------------ layer helpers

    def _canvas_right(self) -> int:
        """The first free x on the canvas, right of every screen."""
        return max((s.offset["x"] + s.width for s in self._screens.values()), default=0)

    def _layer_spec(self, screen: _Screen, n: int, frac: tuple, input_id: int | None) -> dict:
        x, y, w, h = frac
        ox, oy = screen.offset["x"], screen.offset["y"]
        window = {"x": ox + round(x * screen.width), "y": oy + round(y * screen.height),
                  "width": max(1, round(w * screen.width)), "height": max(1, round(h * screen.height))}
        source = ({"sourceType": SOURCE_INPUT, "inputId": input_id, "cropId": NO_CROP}
                  if input_id is not None else {"sourceType": SOURCE_NONE, "inputId": 0, "cropId": NO_CROP})
        return self._new_layer(n, f"Layer {n + 1}", window, source)

    @staticmethod
    def _new_layer(layer_id: int, name: str, window: dict, source: dict, size_type: int = 0) -> dict:
        return {"layerId": layer_id,
                "general": {"layerId": layer_id, "name": name, "sizeType": size_type, "type": 0,
                            "zorder": layer_id, "isBackground": False, "isFreeze": False,
                            "flipType": 0, "lock": 0},
                "window": dict(window),
                "source": {k: v for k, v in source.items()
                           if k in ("sourceType", "inputId", "cropId", "slotId", "streamId")}
                          | {"sourceType": source.get("sourceType", SOURCE_NONE),
                             "inputId": source.get("inputId", 0),
                             "cropId": source.get("cropId", NO_CROP)},
                "audioStatus": {"isAvailable": 0, "isOpen": 0}}

    def _layer_view(self, layer: dict) -> dict:
        """A reply copy of a layer, with the source's current name and connector filled in."""
        view = copy.deepcopy(layer)
        src = view["source"]
        rec = self._inputs.get(src["inputId"]) if src["sourceType"] == SOURCE_INPUT else None
        if src["sourceType"] in _IPC_SOURCES:
            stream = self._ipc_stream(src.get("streamId"))
            src.update(interfaceType=IT_RJ45, slotId=src.get("slotId", IPC_SLOT), connectCapacity=0,
                       name=stream["name"] if stream else "")
            view["audioStatus"]["isAvailable"] = 0
        elif rec is not None:
            src.update(interfaceType=rec["interfaceType"], slotId=rec["slotId"],
                       connectCapacity=0, name=rec["general"]["name"])
            # Embedded audio exists on HDMI/DP/SDI inputs that carry a signal.
            view["audioStatus"]["isAvailable"] = int(bool(rec["iSignal"]) and rec["interfaceType"] != IT_DVI)
        else:
            src.update(interfaceType=0, slotId=0, connectCapacity=0, name="")
            view["audioStatus"]["isAvailable"] = 0
        return view

    def _layers_sorted(self, screen: _Screen) -> list[dict]:
        return sorted(screen.layers.values(), key=lambda lay: lay["general"]["zorder"])

    def _renumber_z(self, screen: _Screen, order: list[dict] | None = None) -> None:
        for z, layer in enumerate(order if order is not None else self._layers_sorted(screen)):
            layer["general"]["zorder"] = z

    def _play(self, screen: _Screen, preset_id: int) -> None:
        preset = screen.presets[preset_id]
        screen.layers = {}
        for n, spec in enumerate(preset["layers"]):
            layer = copy.deepcopy(spec)
            layer["layerId"] = layer["general"]["layerId"] = n
            layer["general"]["zorder"] = n
            screen.layers[n] = layer
        screen.playing = preset_id

    def _snapshot(self, screen: _Screen) -> list[dict]:
        return [copy.deepcopy(layer) for layer in self._layers_sorted(screen)]

    def _source_from(self, src: dict, where: str) -> dict:
        stype = src.get("sourceType", SOURCE_INPUT if "inputId" in src else SOURCE_NONE)
        input_id = src.get("inputId", 0)
        crop = src.get("cropId", NO_CROP)
        if stype in _IPC_SOURCES:
            # An IPC stream (H9 notes): slotId of the IPC card, inputId 255, the streamId.
            if stype == SOURCE_IPC_MOSAIC:
                self._ipc_template(src.get("streamId", src.get("inputId", 0)), f"{where}streamId")
            elif "streamId" not in src:
                raise VendorError(INVALID, f"{where}streamId is required for an IPC source")
            elif self._ipc_stream(src["streamId"]) is None:
                raise VendorError(INVALID, f"{where}streamId {src['streamId']} does not exist "
                                  "(see ipc/IPCChannelList)")
            return {"sourceType": stype, "inputId": src.get("inputId", 255), "cropId": NO_CROP,
                    "slotId": src.get("slotId", IPC_SLOT), "streamId": src.get("streamId", 0)}
        if stype == SOURCE_INPUT:
            if "inputId" not in src:
                raise VendorError(INVALID, f"{where}inputId is required when sourceType is 1 (input)")
            self._input(input_id, f"{where}inputId")
            if crop != NO_CROP:
                self._crop(input_id, crop)
        return {"sourceType": stype, "inputId": input_id, "cropId": crop}

    def _refresh_used(self) -> None:
        used = {lay["source"]["inputId"] for s in self._screens.values() for lay in s.layers.values()
                if lay["source"]["sourceType"] == SOURCE_INPUT}
        for input_id in used ^ self._used:
            rec = self._inputs.get(input_id)
            if rec is not None:  # replaced, never changed in place (see module docstring)
                self._inputs[input_id] = {**rec, "isUsed": int(input_id in used)}
        self._used = used

    def _set_input(self, input_id: int, **changes: Any) -> None:
        self._inputs[input_id] = {**self._inputs[input_id], **changes}

    def _osd_in_use(self) -> int:
        return sum(s.osd["enable"] + s.osd_image["enable"] for s in self._screens.values())

    def _screen_detail(self, screen: _Screen, device_id: int) -> dict:
        return copy.deepcopy({
            "deviceId": device_id, "screenId": screen.screen_id, "name": screen.name,
            "createTime": screen.create_time, "width": screen.width, "height": screen.height,
            "brightness": screen.brightness, "savedBrightness": screen.saved_brightness,
            "gamma": screen.gamma, "Ftb": screen.ftb, "Freeze": {"enable": screen.freeze},
            "audio": screen.audio, "Osd": screen.osd, "OsdImage": screen.osd_image, "Bkg": screen.bkg,
            "Screen3D": screen.screen3d, "nonTime": screen.output_mode, "showId": self.show_id,
            "mosaic": screen.mosaic, "offset": screen.offset,
            # As a real H9 answers it (FIELD-EVIDENCE.md), with size as HA reads it; cells in
            # canvas coordinates. Our older integer (0 live, 1 non-live) is now "nonTime".
            "outputMode": {
                "screenInterfaces": [
                    {"outputId": i["interfaceId"], "x": screen.offset["x"] + i["x"],
                     "y": screen.offset["y"] + i["y"], "width": i["width"], "height": i["height"],
                     "isCardOnline": self._outputs[i["interfaceId"]]["online"]}
                    for i in screen.interfaces],
                "mosaic": screen.mosaic, "offset": screen.offset,
                "size": {"width": screen.width, "height": screen.height}},
            "interfaces": [{**i, "interfaceType": self._outputs[i["interfaceId"]]["interfaceType"]}
                           for i in screen.interfaces],
        })

    # ================================================================== Homepage

    @_handles("main/initStatus")
    def _main_init_status(self, b: dict) -> dict:
        return {"initStatus": int(self.ready()), "mainModelId": self.main_model_id, "sn": self.sn,
                "softwareVersion": self.software_version}

    # ================================================================== Device

    @_handles("device/readDetail")
    def _device_read_detail(self, b: dict) -> dict:
        detail = copy.deepcopy(self.detail)
        detail["slotList"] = [{k: v for k, v in slot.items() if k not in ("mcuVersion", "fpgaVersion")}
                              for slot in self._slots]
        return {"deviceId": b.get("deviceId", 0), **detail, "status": int(self.ready())}

    @_handles("device/readCardVersion")
    def _device_read_card_version(self, b: dict) -> dict:
        cards = [{"slotId": s["slotId"], "cardType": s["cardType"], "name": s["name"],
                  "modelId": s["modelId"], "mcuVersion": s["mcuVersion"],
                  "fpgaVersion": s["fpgaVersion"], "sn": s["sn"]}
                 for s in self._slots if s["cardType"] != CT_EMPTY]
        return {"deviceId": b.get("deviceId", 0), "cards": cards}

    @_handles("device/readIp")
    def _device_read_ip(self, b: dict) -> dict:
        return {"deviceId": b.get("deviceId", 0), **self.ip}

    # ================================================================== Screens

    @_handles("screen/readList")
    def _screen_read_list(self, b: dict) -> dict:
        return {"deviceId": b.get("deviceId", 0),
                "screens": [{"screenId": s.screen_id, "name": s.name, "createTime": s.create_time}
                            for s in self._screens.values()]}

    @_handles("screen/readDetail")
    def _screen_read_detail(self, b: dict) -> dict:
        return self._screen_detail(self._screen(b["screenId"]), b.get("deviceId", 0))

    @_handles("screen/nonTimeDetail")
    def _screen_non_time_detail(self, b: dict) -> dict:
        # The simulator has no separate preview bank: non-live detail equals the live one.
        return self._screen_detail(self._screen(b["screenId"]), b.get("deviceId", 0))

    def _brightness_screen(self, b: dict) -> _Screen:
        screen = self._screen(b["screenId"])
        if not screen.brightness_supported:
            card = self._outputs[screen.interfaces[0]["interfaceId"]]
            raise VendorError(BRIGHTNESS_UNSUPPORTED, f"screen {screen.screen_id} ({screen.name}) is "
                              f"driven by output card in slot {card['slotId']}, which does not take brightness")
        return screen

    @_handles("screen/writeBrightness")
    def _screen_write_brightness(self, b: dict) -> None:
        self._brightness_screen(b).brightness = b["brightness"]

    @_handles("screen/saveBrightness")
    def _screen_save_brightness(self, b: dict) -> None:
        screen = self._brightness_screen(b)
        screen.brightness = screen.saved_brightness = b["brightness"]

    @_handles("screen/writeGamma")
    def _screen_write_gamma(self, b: dict) -> None:
        self._screen(b["screenId"]).gamma = b["gamma"]

    @_handles("screen/ftb")
    def _screen_ftb(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        # FTB type 0 = black, 1 = back on; the detail's Ftb.enable reads 1 normal, 0 black.
        screen.ftb = {"enable": b["type"], "time": b.get("time", screen.ftb["time"])}

    @_handles("screen/writeFreeze")
    def _screen_write_freeze(self, b: dict) -> None:
        self._screen(b["screenId"]).freeze = b["enable"]

    @_handles("screen/writeBKG")
    def _screen_write_bkg(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        bkg_id = b.get("bkgId", screen.bkg["bkgId"])
        if b["enable"] == 0:  # inverted by the vendor: 0 shows the background
            if bkg_id < 0:
                raise VendorError(INVALID, "bkgId is required to show a background")
            self._bkg(bkg_id)
        screen.bkg = {"enable": b["enable"], "bkgId": bkg_id}

    @_handles("screen/writeShowId")
    def _screen_write_show_id(self, b: dict) -> None:
        self.show_id = b["screenIdEnable"]

    @_handles("screen/rename")
    def _screen_rename(self, b: dict) -> None:
        self._screen(b["screenId"]).name = b["name"]

    def _delete_screens(self, ids: list[int]) -> None:
        for sid in ids:
            self._screen(sid)
        for sid in ids:
            screen = self._screens.pop(sid, None)
            if screen is None:
                continue
            for i in screen.interfaces:
                self._outputs[i["interfaceId"]]["screenId"] = -1
        for group in self._preset_groups.values():
            group["presets"] = [n for n in group["presets"] if n["screenId"] in self._screens]
        self._refresh_used()

    @_handles("screen/deleteScreen")
    def _screen_delete(self, b: dict) -> None:
        self._delete_screens(b["screenIdList"])

    @_handles("screen/clear")
    def _screen_clear(self, b: dict) -> None:
        self._delete_screens(list(self._screens))

    @_handles("screen/createScreen")
    def _screen_create(self, b: dict) -> dict:
        interfaces, x = [], 0
        seen: set[int] = set()
        for i, node in enumerate(b["screenInterfaces"]):
            out = self._output_rec(node["interfaceId"], f"screenInterfaces[{i}].interfaceId")
            if out["screenId"] != -1 or out["outputId"] in seen:
                raise VendorError(INVALID, f"screenInterfaces[{i}]: output {out['outputId']} already "
                                  f"belongs to screen {out['screenId'] if out['screenId'] != -1 else 'in this request'}")
            seen.add(out["outputId"])
            w = node.get("width", out["resolution"]["width"])
            h = node.get("height", out["resolution"]["height"])
            rect = {"interfaceId": out["outputId"], "x": node.get("x", x), "y": node.get("y", 0),
                    "width": w, "height": h}
            x = rect["x"] + w
            interfaces.append(rect)
        if not interfaces:
            raise VendorError(INVALID, "screenInterfaces must name at least one output")
        sid = max(self._screens, default=-1) + 1
        width = max(r["x"] + r["width"] for r in interfaces)
        height = max(r["y"] + r["height"] for r in interfaces)
        now = self.clock()
        screen = _Screen(sid, b["name"], f"{now:.7f}", width, height, interfaces,
                         b.get("mosaic", {"row": 1, "column": len(interfaces)}),
                         brightness_supported=all(self._outputs[r["interfaceId"]]["interfaceType"] == IT_RJ45
                                                  for r in interfaces))
        screen.bkg = {"enable": 1, "bkgId": -1}
        screen.offset = {"x": self._canvas_right(), "y": 0}
        for r in interfaces:
            self._outputs[r["interfaceId"]]["screenId"] = sid
        self._screens[sid] = screen
        return {"screenId": sid}

    @_handles("screen/writeOutputMode")
    def _screen_write_output_mode(self, b: dict) -> None:
        # meros's table: {screenId, mosaic, size, screenInterfaces}, the screen's output layout;
        # our reconstruction: {screenId, outputMode 0 live / 1 non-live}. Both are taken.
        screen = self._screen(b["screenId"])
        if "screenInterfaces" in b:
            interfaces = []
            for i, node in enumerate(b["screenInterfaces"]):
                oid = node.get("outputId", node.get("interfaceId"))
                if oid is None:
                    raise VendorError(INVALID, f"screenInterfaces[{i}].outputId is required")
                out = self._output_rec(oid, f"screenInterfaces[{i}].outputId")
                if out["screenId"] not in (-1, screen.screen_id):
                    raise VendorError(INVALID, f"screenInterfaces[{i}]: output {oid} belongs to "
                                      f"screen {out['screenId']}")
                res = out["resolution"]
                interfaces.append({"interfaceId": oid, "x": node.get("x", 0), "y": node.get("y", 0),
                                   "width": node.get("width", res["width"] or 1),
                                   "height": node.get("height", res["height"] or 1)})
            if not interfaces:
                raise VendorError(INVALID, "screenInterfaces must name at least one output")
            for old in screen.interfaces:
                self._outputs[old["interfaceId"]]["screenId"] = -1
            for new in interfaces:
                self._outputs[new["interfaceId"]]["screenId"] = screen.screen_id
            # The cells come in canvas coordinates (as outputMode reads them): the screen's
            # offset is their top-left corner, and the cells are kept relative to it.
            ox, oy = min(r["x"] for r in interfaces), min(r["y"] for r in interfaces)
            for r in interfaces:
                r["x"], r["y"] = r["x"] - ox, r["y"] - oy
            screen.offset = {"x": ox, "y": oy}
            screen.interfaces = interfaces
            screen.width = max(r["x"] + r["width"] for r in interfaces)
            screen.height = max(r["y"] + r["height"] for r in interfaces)
        if "mosaic" in b:
            screen.mosaic = dict(b["mosaic"])
        if "size" in b:
            screen.width, screen.height = b["size"]["width"], b["size"]["height"]
        if "outputMode" in b:
            screen.output_mode = b["outputMode"]

    @_handles("screen/write3D")
    def _screen_write_3d(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        screen.screen3d = {"enable": b["enable"], "type": b.get("type", screen.screen3d["type"]),
                           "eyePriority": b.get("eyePriority", screen.screen3d["eyePriority"])}

    def _claim_osd(self, current: dict) -> None:
        if not current["enable"] and self._osd_in_use() >= self.osd_limit:
            raise VendorError(OSD_LIMIT_REACHED, f"{self.osd_limit} OSD(s) already shown on this splicer; "
                              "switch one off (enable 0) first")

    @_handles("screen/writeOSD")
    def _screen_write_osd(self, b: dict) -> None:
        # The vendor page's body (Broadcast-Controller) has no enable: sending it shows the text.
        screen = self._screen(b["screenId"])
        words = {**screen.osd["words"], **b.get("words", {})}
        if "chars" in b.get("words", {}):
            words["text"] = words["chars"]  # the vendor's name wins; ours reads back the same
        elif "text" in b.get("words", {}):
            words["chars"] = words["text"]
        enable = b.get("enable", 1)
        if enable:
            if not words.get("chars"):
                raise VendorError(INVALID, "words.chars (the text) is required to show a text OSD")
            self._claim_osd(screen.osd)
        osd = {k: b.get(k, screen.osd[k]) for k in ("isJudge", "type", "x", "y", "width", "height")}
        screen.osd = {**osd, "enable": enable, "words": copy.deepcopy(words)}

    @_handles("screen/writeImageOSD")
    def _screen_write_image_osd(self, b: dict) -> None:
        # The vendor page nests the picture: image{file, fileName, fileLength, opacity, hashSum};
        # our reconstruction sent image as the Base64 text itself (still taken).
        screen = self._screen(b["screenId"])
        image = dict(screen.osd_image)
        picture = b.get("image")
        if isinstance(picture, dict):
            raw = _b64(picture["file"], "image.file")
            for key in ("fileName", "opacity"):
                if key in picture:
                    image[key] = picture[key]
        elif isinstance(picture, str):
            raw = _b64(picture, "image")
        else:
            raw = None
        if raw is not None:
            w, h = _image_size(raw)
            image.update(width=w, height=h, fileLength=len(raw))
        for key in ("isJudge", "type", "fileName", "x", "y", "width", "height"):
            if key in b:
                image[key] = b[key]
        enable = b.get("enable", 1)
        if enable:
            if raw is None and not image.get("fileName"):
                raise VendorError(INVALID, "image.file is required to show an image OSD")
            self._claim_osd(screen.osd_image)
        image["enable"] = enable
        screen.osd_image = image

    # ================================================================== Inputs

    @_handles("input/readList")
    def _input_read_list(self, b: dict) -> dict:
        # The records are replaced on change, never modified: the list may share them.
        return {"deviceId": b.get("deviceId", 0), "inputs": list(self._inputs.values())}

    @_handles("input/readDetail")
    def _input_read_detail(self, b: dict) -> dict:
        rec = self._input(b["inputId"])
        return {**copy.deepcopy(rec), "deviceId": b.get("deviceId", 0),
                "crops": [dict(c) for c in self._crops[b["inputId"]].values()],
                "edid": {"fileName": self._edid.get(b["inputId"], "default.bin")}}

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
        self._set_input(b["inputId"], timing=timing,
                        resolution=_resolution(t["width"], t["height"], t["refreshRate"]))

    def _check_crop_fits(self, input_id: int, crop: dict) -> None:
        res = self._inputs[input_id]["resolution"]
        if res["width"] and (crop["x"] + crop["width"] > res["width"] or crop["y"] + crop["height"] > res["height"]
                             or crop["x"] < 0 or crop["y"] < 0):
            raise VendorError(INVALID, f"the crop ({crop['x']}, {crop['y']}, {crop['width']}x{crop['height']}) "
                              f"does not fit in input {input_id} ({res['width']}x{res['height']})")

    @_handles("input/writeCrop")
    def _input_write_crop(self, b: dict) -> dict:
        self._input(b["inputId"])
        crops = self._crops[b["inputId"]]
        free = next((c for c in range(MAX_CROPS_PER_INPUT) if c not in crops), None)
        if free is None:
            raise VendorError(INVALID, f"input {b['inputId']} already has {MAX_CROPS_PER_INPUT} crops")
        crop = {"cropId": free, "name": b["name"], "x": b["x"], "y": b["y"], "width": b["width"],
                "height": b["height"]}
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
                if src["sourceType"] == SOURCE_INPUT and src["inputId"] == b["inputId"] \
                        and src["cropId"] == b["cropId"]:
                    src["cropId"] = NO_CROP

    def _input_group(self, group_id: int) -> dict:
        try:
            return self._input_groups[group_id]
        except KeyError:
            raise VendorError(INVALID, f"inputGroupId {group_id} does not exist (groups are "
                              f"{_ids(self._input_groups)})") from None

    @_handles("input/groupCreate")
    def _input_group_create(self, b: dict) -> dict:
        nodes = self._nodes(b["inputs"])
        gid = max(self._input_groups, default=-1) + 1
        self._input_groups[gid] = {"inputGroupId": gid, "inputGroupName": b["inputGroupName"],
                                   "inputs": nodes}
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
            raise VendorError(INVALID, f"inputGroupIdList must list every input group once: "
                              f"{_ids(self._input_groups)}")
        self._group_order = list(order)

    @_handles("input/groupDelete")
    def _input_group_delete(self, b: dict) -> None:
        self._input_group(b["inputGroupId"])
        del self._input_groups[b["inputGroupId"]]
        self._group_order.remove(b["inputGroupId"])

    @_handles("input/groupNodeDelete")
    def _input_group_node_delete(self, b: dict) -> None:
        # meros: {inputId} (from the given group, or every group); ours: {inputGroupId, inputs[]}.
        groups = ([self._input_group(b["inputGroupId"])] if "inputGroupId" in b
                  else list(self._input_groups.values()))
        if "inputId" in b:
            self._input(b["inputId"])
            for group in groups:
                group["inputs"] = [n for n in group["inputs"] if n["inputId"] != b["inputId"]]
        if "inputs" in b:
            drop = {(n["inputId"], n.get("cropId", NO_CROP)) for n in b["inputs"]}
            for group in groups:
                group["inputs"] = [n for n in group["inputs"]
                                   if (n["inputId"], n["cropId"]) not in drop]
        if "inputId" not in b and "inputs" not in b:
            raise VendorError(INVALID, "inputId is required")

    @_handles("input/importEDID")
    def _input_import_edid(self, b: dict) -> None:
        self._input(b["inputId"])
        raw = _b64(b["file"], "file")
        if len(raw) % 128 or raw[:8] != b"\x00\xff\xff\xff\xff\xff\xff\x00":
            raise VendorError(INVALID, f"file is not an EDID ({len(raw)} bytes; an EDID is 128 or 256 "
                              "bytes starting 00 FF FF FF FF FF FF 00)")
        self._edid[b["inputId"]] = b["fileName"]

    def _source_rec(self, source_id: int) -> dict:
        try:
            return self._sources[source_id]
        except KeyError:
            raise VendorError(INVALID, f"sourceId {source_id} does not exist (playlists are "
                              f"{_ids(self._sources)})") from None

    @_handles("input/readSourceList")
    def _input_read_source_list(self, b: dict) -> dict:
        return {"deviceId": b.get("deviceId", 0), "sources": copy.deepcopy(list(self._sources.values()))}

    @_handles("input/createSource")
    def _input_create_source(self, b: dict) -> dict:
        nodes = self._nodes(b["inputs"])
        sid = max(self._sources, default=-1) + 1
        self._sources[sid] = {"sourceId": sid, "name": b["name"], "enable": 0,
                              "interval": b.get("interval", 10), "inputs": nodes}
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

    # ================================================================== Outputs

    @_handles("output/readList")
    def _output_read_list(self, b: dict) -> dict:
        keys = ("outputId", "name", "slotId", "interfaceType", "online", "screenId", "resolution")
        return {"deviceId": b.get("deviceId", 0),
                "outputs": [copy.deepcopy({k: o[k] for k in keys}) for o in self._outputs.values()]}

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
        outs = [self._output_rec(b["outputId"])] if "outputId" in b else list(self._outputs.values())
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
        if "outputIdList" in b or "refreshRate" in b and "timing" not in b:
            ids = b.get("outputIdList", [b["outputId"]] if "outputId" in b else None)
            if ids is None or "refreshRate" not in b:
                raise VendorError(INVALID, "outputIdList and refreshRate are required")
            outs = [self._output_rec(o, f"outputIdList[{i}]") for i, o in enumerate(ids)]
            for out in outs:
                res = out["resolution"]
                self._write_timing(out, {"width": res["width"], "height": res["height"],
                                         "refreshRate": b["refreshRate"]})
            return
        if "outputId" not in b or "timing" not in b:
            raise VendorError(INVALID, "outputIdList and refreshRate (or outputId and timing) "
                              "are required")
        self._write_timing(self._output_rec(b["outputId"]), b["timing"])

    @_handles("output/write4KTiming")
    def _output_write_4k_timing(self, b: dict) -> None:
        out = self._output_rec(b["outputId"])
        if out["interfaceType"] != IT_HDMI_OUT:
            raise VendorError(INVALID, f"output {out['outputId']} is not on a 4K output card "
                              "(use output/writeTiming)")
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
                raise VendorError(INVALID, f"output {out['outputId']} is not on an all-in-one "
                                  "(sending) card")
        for out in outs:
            payload = dict(out["payload"])
            payload.update({k: b[k] for k in ("x", "y", "width", "height") if k in b})
            out["payload"] = payload
            if "refreshRate" in b:
                res = out["resolution"]
                self._write_timing(out, {"width": res["width"], "height": res["height"],
                                         "refreshRate": b["refreshRate"]})

    # ================================================================== Layers

    @_handles("layer/detailList")
    def _layer_detail_list(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        return {"deviceId": b.get("deviceId", 0), "screenId": screen.screen_id,
                "screenLayers": [self._layer_view(lay) for lay in self._layers_sorted(screen)]}

    @_handles("layer/readDetail")
    def _layer_read_detail(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        return {"deviceId": b.get("deviceId", 0), "screenId": screen.screen_id,
                **self._layer_view(self._layer(screen, b["layerId"]))}

    @_handles("layer/readZIndex")
    def _layer_read_z_index(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        return {"deviceId": b.get("deviceId", 0), "screenId": screen.screen_id,
                "layers": [{"layerId": lay["layerId"], "zorder": lay["general"]["zorder"]}
                           for lay in self._layers_sorted(screen)]}

    @_handles("layer/create")
    def _layer_create(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        if len(screen.layers) >= MAX_LAYERS_PER_SCREEN:
            raise VendorError(INVALID, f"screen {screen.screen_id} already has {MAX_LAYERS_PER_SCREEN} "
                              "layers, the most it can hold")
        source = self._source_from(b.get("source", {}), "source.")
        lid = next(i for i in range(MAX_LAYERS_PER_SCREEN + 1) if i not in screen.layers)
        layer = self._new_layer(lid, b.get("name", f"Layer {lid + 1}"), b["window"], source,
                                b.get("sizeType", 0))
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
            general["isBackground"] = bool(b["isBackground"])  # read back as a boolean, like the vendor
        if "flipType" in b:
            general["flipType"] = b["flipType"]

    @_handles("layer/writeZIndex")
    def _layer_write_z_index(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        act = b.get("layersZOrderAct")
        if act is not None:
            # meros's name; its shape is not public: we take [{layerId, zorder}, ...].
            if not isinstance(act, list) or not all(
                    isinstance(n, dict) and _is_int(n.get("layerId")) and _is_int(n.get("zorder"))
                    for n in act):
                raise VendorError(INVALID, "layersZOrderAct must be a list of {layerId, zorder}")
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
            raise VendorError(INVALID, "sourceType and inputId are required (at the top of the body "
                              "or under 'source')")
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
                    layer["audioStatus"] = {**layer["audioStatus"],
                                            "isOpen": _int01(n["audioStatus"]["isOpen"], "isOpen")}
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

    # ================================================================== Presets

    @_handles("preset/readList")
    def _preset_read_list(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        return {"deviceId": b.get("deviceId", 0), "screenId": screen.screen_id,
                "presets": [{"presetId": p["presetId"], "name": p["name"]} for p in screen.presets.values()]}

    @_handles("preset/readPlay")
    def _preset_read_play(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        return {"screenId": screen.screen_id, "presetId": screen.playing}

    @_handles("preset/play")
    def _preset_play(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        self._preset(screen, b["presetId"])
        self._play(screen, b["presetId"])
        self._refresh_used()

    @_handles("preset/readDetail")
    def _preset_read_detail(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        preset = self._preset(screen, b["presetId"])
        return {"deviceId": b.get("deviceId", 0), "screenId": screen.screen_id,
                "presetId": preset["presetId"], "name": preset["name"],
                "layers": [self._layer_view(lay) for lay in preset["layers"]]}

    @_handles("preset/createPreset")
    def _preset_create(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        same = [p for p in screen.presets.values() if p["name"] == b["name"]]
        if same and not b.get("overWrite", 0):
            raise VendorError(INVALID, f"a preset named {b['name']!r} already exists on screen "
                              f"{screen.screen_id} (overWrite 1 replaces it)")
        # The vendor page: a string, "" = none (take the current layers); we know "0".."3".
        template = str(b.get("layoutTemplateId", "")).strip()
        if template.isdigit() and int(template) in _TEMPLATES:
            layers = [self._layer_spec(screen, n, frac, None)
                      for n, frac in enumerate(_TEMPLATES[int(template)])]
        else:
            layers = self._snapshot(screen)
        pid = same[0]["presetId"] if same else max(screen.presets, default=-1) + 1
        screen.presets[pid] = {"presetId": pid, "name": b["name"], "layers": layers}
        return {"presetId": pid}

    @_handles("preset/overWrite")
    def _preset_over_write(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        self._preset(screen, b["presetId"])["layers"] = self._snapshot(screen)

    @_handles("preset/writeGeneral")
    def _preset_write_general(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        self._preset(screen, b["presetId"])["name"] = b["name"]

    def _forget_presets(self, screen: _Screen, ids: set[int]) -> None:
        if screen.playing in ids:
            screen.playing = -1
        for group in self._preset_groups.values():
            group["presets"] = [n for n in group["presets"]
                                if not (n["screenId"] == screen.screen_id and n["presetId"] in ids)]

    @_handles("preset/deletePreset")
    def _preset_delete(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        self._preset(screen, b["presetId"])
        del screen.presets[b["presetId"]]
        self._forget_presets(screen, {b["presetId"]})

    @_handles("preset/deleteAll")
    def _preset_delete_all(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        ids = set(screen.presets)
        screen.presets = {}
        self._forget_presets(screen, ids)

    def _preset_group(self, group_id: int) -> dict:
        try:
            return self._preset_groups[group_id]
        except KeyError:
            raise VendorError(INVALID, f"presetGroupId {group_id} does not exist (groups are "
                              f"{_ids(self._preset_groups)})") from None

    def _preset_nodes(self, nodes: list[dict]) -> list[dict]:
        for i, node in enumerate(nodes):
            self._preset(self._screen(node["screenId"]), node["presetId"])
        return [{"screenId": n["screenId"], "presetId": n["presetId"]} for n in nodes]

    @_handles("preset/groupList")
    def _preset_group_list(self, b: dict) -> dict:
        return {"deviceId": b.get("deviceId", 0),
                "presetGroups": [{"presetGroupId": g["presetGroupId"], "presetGroupName": g["presetGroupName"],
                                  "interval": g["interval"], "presetCount": len(g["presets"])}
                                 for g in self._preset_groups.values()]}

    @_handles("preset/groupNodeList")
    def _preset_group_node_list(self, b: dict) -> dict:
        group = self._preset_group(b["presetGroupId"])
        nodes = [{**n, "name": self._screens[n["screenId"]].presets[n["presetId"]]["name"]}
                 for n in group["presets"]]
        return {"deviceId": b.get("deviceId", 0), "presetGroupId": group["presetGroupId"],
                "presets": nodes}

    @_handles("preset/groupCreate")
    def _preset_group_create(self, b: dict) -> dict:
        # meros: {screenId, name, time}; ours: {presetGroupName, presets[], interval}.
        name = b.get("name", b.get("presetGroupName"))
        if name is None:
            raise VendorError(INVALID, "name is required")
        if "screenId" in b:
            self._screen(b["screenId"])
        nodes = self._preset_nodes(b.get("presets", []))
        gid = max(self._preset_groups, default=-1) + 1
        self._preset_groups[gid] = {"presetGroupId": gid, "presetGroupName": name,
                                    "interval": b.get("time", b.get("interval", 10)),
                                    "presets": nodes}
        return {"presetGroupId": gid}

    @_handles("preset/groupUpdate")
    def _preset_group_update(self, b: dict) -> None:
        if "presetGroupId" in b:
            group = self._preset_group(b["presetGroupId"])
        else:  # meros's body names no id: the group called ``name``
            named = [g for g in self._preset_groups.values() if g["presetGroupName"] == b.get("name")]
            if not named:
                raise VendorError(INVALID, "presetGroupId is required (or the name of a group)")
            group = named[0]
        if "screenId" in b:
            self._screen(b["screenId"])
        if "presets" in b:
            group["presets"] = self._preset_nodes(b["presets"])
        for key, ours in (("name", "presetGroupName"), ("time", "interval"),
                          ("presetGroupName", "presetGroupName"), ("interval", "interval")):
            if key in b:
                group[ours] = b[key]

    @_handles("preset/groupDelete")
    def _preset_group_delete(self, b: dict) -> None:
        self._preset_group(b["presetGroupId"])
        del self._preset_groups[b["presetGroupId"]]
        if self._poll["presetGroupId"] == b["presetGroupId"]:
            self._poll = {"presetGroupId": -1, "enable": 0}

    @_handles("preset/presetPoll")
    def _preset_poll(self, b: dict) -> None:
        self._preset_group(b["presetGroupId"])
        self._poll = {"presetGroupId": b["presetGroupId"], "enable": b["enable"]}

    @_handles("preset/readPresetPoll")
    def _preset_read_poll(self, b: dict) -> dict:
        return {"deviceId": b.get("deviceId", 0), **self._poll}

    # ================================================================== IPC

    @_handles("ipc/IPCSlotList")
    def _ipc_slot_list(self, b: dict) -> dict:
        slots = [{"slotId": s["slotId"], "name": s["name"], "online": s["online"],
                  "sourceCount": sum(1 for src in self._ipc_sources.values()
                                     if src["slotId"] == s["slotId"])}
                 for s in self._slots if s["cardType"] == CT_IPC]
        return {"deviceId": b.get("deviceId", 0), "slotList": slots}

    @_handles("ipc/IPCSourceList")
    def _ipc_source_list(self, b: dict) -> dict:
        slot = b.get("slotId", 0)
        rows = [src for src in self._ipc_sources.values() if slot in (0, src["slotId"])]
        page, size = b.get("pageNo", 1), b.get("pageSize", 20)
        chunk = rows[(page - 1) * size:page * size]
        return {"deviceId": b.get("deviceId", 0), "total": len(rows), "pageNo": page,
                "pageSize": size,
                "sourceList": [{k: v for k, v in copy.deepcopy(src).items() if k != "channels"}
                               for src in chunk]}

    @_handles("ipc/IPCSourceCreate")
    def _ipc_source_create(self, b: dict) -> dict:
        self._ipc_slot(b["slotId"])
        return {"sourceId": self._ipc_add(b["sourceName"], b["slotId"], b.get("rtspUrl", ""))}

    @_handles("ipc/IPCSourceDelete")
    def _ipc_source_delete(self, b: dict) -> None:
        ids = [self._ipc_source(n["sourceId"], f"sourceList[{i}].sourceId")["sourceId"]
               for i, n in enumerate(b["sourceList"])]
        for sid in ids:
            self._ipc_sources.pop(sid, None)

    @_handles("ipc/IPCChannelList")
    def _ipc_channel_list(self, b: dict) -> dict:
        src = self._ipc_source(b["sourceId"])
        return {"deviceId": b.get("deviceId", 0), "sourceId": src["sourceId"],
                "channelList": copy.deepcopy(src["channels"])}

    @_handles("ipc/IPCChannelEdit")
    def _ipc_channel_edit(self, b: dict) -> None:
        src = self._ipc_source(b["sourceId"])
        try:
            channel = src["channels"][b["channelId"]]
        except IndexError:
            raise VendorError(INVALID, f"channelId {b['channelId']} does not exist on source "
                              f"{src['sourceId']} (channels are 0, 1)") from None
        if "rtspUrl" in b:
            channel["rtspUrl"] = b["rtspUrl"]

    @_handles("ipc/IPCMontageTemplateCreate")
    def _ipc_montage_create(self, b: dict) -> dict:
        ids = [self._ipc_source(n["sourceId"], f"sourceList[{i}].sourceId")["sourceId"]
               for i, n in enumerate(b["sourceList"])]
        if len(ids) > b["row"] * b["column"]:
            raise VendorError(INVALID, f"{len(ids)} sources do not fit in {b['row']}x{b['column']}")
        tid = max(self._ipc_templates, default=-1) + 1
        self._ipc_templates[tid] = {"templateId": tid, "name": b.get("name", f"Mosaic {tid + 1}"),
                                    "row": b["row"], "column": b["column"],
                                    "sourceList": [{"sourceId": i} for i in ids], "applied": 0}
        return {"templateId": tid}

    @_handles("ipc/IPCMontageTemplateApply")
    def _ipc_montage_apply(self, b: dict) -> None:
        template = self._ipc_template(b["templateId"])
        if "slotId" in b:
            self._ipc_slot(b["slotId"])
        for other in self._ipc_templates.values():
            other["applied"] = 0
        template["applied"] = 1

    # ================================================================== Backgrounds

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
        self._bkgs[bid] = {"bkgId": bid, "general": {"name": b["name"]}, "fileName": b["fileName"],
                           "width": w, "height": h, "size": len(raw)}
        return {"bkgId": bid}

    @_handles("bkg/delete")
    def _bkg_delete(self, b: dict) -> None:
        for i, bid in enumerate(b["bkgIdList"]):
            self._bkg(bid)
        for bid in b["bkgIdList"]:
            self._bkgs.pop(bid, None)
            for screen in self._screens.values():
                if screen.bkg["bkgId"] == bid:
                    screen.bkg = {"enable": 1, "bkgId": -1}


def _is_int(value: Any) -> bool:
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
            if not _is_int(value) or not (-65535 <= value <= 65535) or \
                    (key in ("width", "height") and value < 1):
                raise VendorError(INVALID, f"window.{key} must be an integer in range")
            window[key] = value
    return window


DeviceState._HANDLERS = {  # type: ignore[attr-defined]
    fn._interface: fn for fn in vars(DeviceState).values() if hasattr(fn, "_interface")
}


def _ids(mapping: dict | Iterable[int]) -> str:
    ids = list(mapping)
    if not ids:
        return "none"
    if len(ids) > 12:
        return f"{ids[0]}..{ids[-1]} ({len(ids)} in all)"
    return ", ".join(map(str, ids))
