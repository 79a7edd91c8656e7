"""The device model of the simulated splicer: a virtual NovaStar H5.

:class:`DeviceState` holds what a real H5 would hold (chassis and cards, inputs,
outputs, screens with their layers and presets, backgrounds, groups) and has one
handler per catalog interface, the handlers living by vendor module in
:mod:`._modules` (``_modules/screen.py`` answers ``screen/*`` ...). Handlers take a body the catalog has already
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

import copy
import random
import threading
import time
from collections.abc import Callable, Iterable

from ._firmware import FirmwareProfile, firmware_profile
from ._model import (
    _INPUT_CARDS,
    _IPC_SOURCES,
    _NO_SIGNAL_RES,
    _NO_SIGNAL_TIMING,
    _PRESET_LAYOUTS,
    _PRESETS,
    _RESOLUTIONS,
    _SCREEN_NAMES,
    _VENUE_NAMES,
    BRIGHTNESS_UNSUPPORTED,
    CT_CONTROL,
    CT_INPUT,
    CT_IPC,
    CT_OUTPUT,
    CT_SENDING,
    DEMO_SEED,
    INVALID,
    IPC_SLOT,
    IT_DVI,
    IT_HDMI20,
    IT_HDMI_OUT,
    IT_RJ45,
    IT_SDI3G,
    IT_SDI12G,
    NO_CROP,
    OSD_LIMIT_REACHED,
    SCREEN_NOT_FOUND,
    SOURCE_INPUT,
    SOURCE_IPC_MOSAIC,
    SOURCE_NONE,
    VendorError,
    _ids,
    _resolution,
    _Screen,
    _timing,
)
from ._modules import (
    AudioHandlers,
    BackgroundsHandlers,
    DeviceHandlers,
    InputsHandlers,
    IPCHandlers,
    LayersHandlers,
    MainHandlers,
    OutputsHandlers,
    PresetsHandlers,
    ScreensHandlers,
)

TYPE_CHECKING = False  # typing is not imported at run time (the splicer's start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, ClassVar

__all__ = [
    "BRIGHTNESS_UNSUPPORTED",
    "DEMO_SEED",
    "INVALID",
    "OSD_LIMIT_REACHED",
    "SCREEN_NOT_FOUND",
    "DeviceState",
    "VendorError",
]


class DeviceState(
    MainHandlers,
    DeviceHandlers,
    ScreensHandlers,
    InputsHandlers,
    OutputsHandlers,
    LayersHandlers,
    PresetsHandlers,
    IPCHandlers,
    BackgroundsHandlers,
    AudioHandlers,
):
    """A virtual H5 splicer: its data and one handler per catalog interface.

    ``DeviceState(seed)`` builds the same device for the same seed. Call an
    interface with :meth:`call` (``state.call("screen/readList", {"deviceId": 0})``);
    grow the input list for benchmarks with :meth:`add_inputs`. ``clock`` gives epoch
    seconds (for new screens' createTime); ``ready`` tells whether the device has
    finished initialising (the splicer sets it); ``osd_limit`` is how many OSDs
    (text and image, all screens together) may be shown at once before status 412.
    """

    #: ``module/action`` -> handler, collected from the mixins below the class.
    _HANDLERS: ClassVar[dict[str, Callable[..., Any]]]

    def __init__(
        self,
        seed: int = DEMO_SEED,
        *,
        clock: Callable[[], float] = time.time,
        osd_limit: int = 2,
        firmware: str | FirmwareProfile = "default",
    ) -> None:
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

    def add_inputs(
        self, n: int, *, signal: bool = True, interface_type: int = IT_HDMI20
    ) -> list[int]:
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
                self._inputs[i] = {
                    "inputId": i,
                    "online": 1,
                    "isUsed": 0,
                    "iSignal": int(signal),
                    "interfaceType": interface_type,
                    "resolution": res,
                    "timing": timing,
                    "general": {"name": f"input X-{i}"},
                    "name": f"input X-{i}",
                    "slotId": 255,
                }
                self._crops[i] = {}  # input/readDetail lists them: none yet
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
        self.sn = f"HS{self.firmware.model[1:]:0>2}{rng.randrange(16**10):010X}"
        self.software_version = self.firmware.software_version
        self.main_model_id = self.firmware.main_model_id
        mac = ":".join(f"{b:02X}" for b in (0x02, 0x4E, 0x56, *rng.randbytes(3)))
        self.ip = {
            "ip": f"192.168.0.{rng.randint(20, 200)}",
            "mask": "255.255.255.0",
            "gateway": "192.168.0.1",
            "dhcp": 0,
            "mac": mac,
        }
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
        self._slots.append(
            self._card(IPC_SLOT, CT_IPC, "H_IPC-16", 0x3C01, random.Random(f"ipc-{self.seed}"))
        )
        psu2_ok = rng.random() < 0.75
        self.detail = {
            "name": self.firmware.model,
            "modelId": self.main_model_id,
            "sn": self.sn,
            "protoVersion": "1.0.3",
            # HA-novastar-h reads temp as a status code (0 normal, 1 warning, 2 critical):
            # one source, against our reconstruction's degrees; we follow HA (see module doc).
            "MAC": mac,
            "temp": 0 if rng.uniform(36, 47) < 45 else 1,
            "backboardTemperature": round(rng.uniform(31, 40), 1),
            "powerList": [
                {
                    "powerId": 0,
                    "iSignal": 1,
                    "status": 1,
                    "voltage": round(rng.uniform(11.9, 12.2), 2),
                },
                {
                    "powerId": 1,
                    "iSignal": int(psu2_ok),
                    "status": int(psu2_ok),
                    "voltage": round(rng.uniform(11.9, 12.2), 2) if psu2_ok else 0.0,
                },
            ],
            "fanList": [
                {"fanId": i, "speed": rng.randrange(2400, 3600, 10), "status": 1} for i in range(4)
            ],
            "genlock": {"enable": 0, "status": 0},
        }

    @staticmethod
    def _card(
        slot: int,
        card_type: int,
        name: str,
        model_id: int,
        rng: random.Random,
        inputs: int = 0,
        outputs: int = 0,
    ) -> dict:
        return {
            "slotId": slot,
            "cardType": card_type,
            "name": name,
            "modelId": model_id,
            "online": 1,
            "inputCount": inputs,
            "outputCount": outputs,
            "mcuVersion": f"V{rng.randint(1, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}",
            "fpgaVersion": f"V{rng.randint(2, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 40)}",
            "sn": f"HC{rng.randrange(16**10):010X}",
        }

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
                name = (
                    names.pop()
                    if names and signal and rng.random() < 0.6
                    else f"input {slot}-{port}"
                )
                self._inputs[input_id] = {
                    "inputId": input_id,
                    "online": online,
                    "isUsed": 0,
                    "iSignal": int(bool(signal)),
                    "interfaceType": itype,
                    "resolution": res,
                    "timing": timing,
                    "general": {"name": name},
                    "name": name,
                    "slotId": slot,
                }
                self._crops[input_id] = {}
                input_id += 1
        w = self._inputs[0]["resolution"]["width"]
        h = self._inputs[0]["resolution"]["height"]
        self._crops[0][0] = {
            "cropId": 0,
            "name": "Left half",
            "x": 0,
            "y": 0,
            "width": w // 2,
            "height": h,
        }

    def _build_outputs(self) -> None:
        self._outputs: dict[int, dict] = {}
        for port in range(16):
            self._outputs[port] = self._output(
                port, 5, IT_RJ45, f"RJ45 5-{port + 1}", (960, 540, 60)
            )
        for port in range(4):
            oid = 16 + port
            self._outputs[oid] = self._output(
                oid, 6, IT_HDMI_OUT, f"HDMI OUT 6-{port + 1}", (1920, 1080, 60)
            )

    @staticmethod
    def _output(oid: int, slot: int, itype: int, name: str, res: tuple) -> dict:
        w, h, r = res
        return {
            "outputId": oid,
            "name": name,
            "slotId": slot,
            "interfaceType": itype,
            "online": 1,
            "screenId": -1,
            "resolution": _resolution(w, h, r),
            "timing": _timing(w, h, r),
            "gamma": 2.2,
            "fixedPosition": 0,
            "imageQuality": {
                "brightness": 50,
                "contrast": 50,
                "saturation": 50,
                "hue": 0,
                "colorTemperature": 6500,
            },
            "payload": {"x": 0, "y": 0, "width": w, "height": h},
        }

    def _build_backgrounds(self) -> None:
        self._bkgs: dict[int, dict] = {
            0: {
                "bkgId": 0,
                "general": {"name": "NovaStar logo"},
                "fileName": "logo.png",
                "width": 1920,
                "height": 1080,
                "size": 48213,
            },
            1: {
                "bkgId": 1,
                "general": {"name": "Event key art"},
                "fileName": "keyart.jpg",
                "width": 3840,
                "height": 1080,
                "size": 612944,
            },
        }

    def _build_screens(self, rng: random.Random) -> None:
        self._screens: dict[int, _Screen] = {}
        count = 3 if rng.random() < 0.7 else 2
        base = 1757509392 - rng.randint(0, 3_000_000)
        # (width, height, rows, cols, output ids); the last screen hangs on the HDMI output
        # card (an external LED controller): its "sending card" does not take brightness.
        layouts = [(3840, 1080, 2, 4, list(range(8))), (1920, 1080, 2, 2, list(range(8, 12)))]
        layouts = layouts[: count - 1] + [(1920, 1080, 1, 1, [16])]
        for sid, (w, h, rows, cols, outs) in enumerate(layouts):
            tile_w, tile_h = w // cols, h // rows
            interfaces = [
                {
                    "interfaceId": o,
                    "x": (i % cols) * tile_w,
                    "y": (i // cols) * tile_h,
                    "width": tile_w,
                    "height": tile_h,
                }
                for i, o in enumerate(outs)
            ]
            name = _SCREEN_NAMES[sid] if sid < count - 1 else _SCREEN_NAMES[count - 1]
            create = f"{base + sid * 3600 + rng.randint(0, 999)}.{rng.randrange(10**7):07d}"
            screen = _Screen(
                sid,
                name,
                create,
                w,
                h,
                interfaces,
                {"row": rows, "column": cols},
                brightness_supported=outs[0] < 16,
            )
            screen.offset = {"x": self._canvas_right(), "y": 0}  # side by side on the canvas
            screen.brightness = screen.saved_brightness = rng.choice([60, 70, 80, 100])
            for o in outs:
                self._outputs[o]["screenId"] = sid
            live = [i for i, rec in self._inputs.items() if rec["iSignal"]]
            for pid, (pname, layout) in enumerate(_PRESETS[: rng.randint(2, 4)]):
                layers = [
                    self._layer_spec(screen, n, frac, rng.choice(live) if live else None)
                    for n, frac in enumerate(_PRESET_LAYOUTS[layout])
                ]
                screen.presets[pid] = {"presetId": pid, "name": pname, "layers": layers}
            self._screens[sid] = screen
            self._play(screen, 0)

    def _build_groups(self) -> None:
        cams = [
            i for i, rec in self._inputs.items() if rec["interfaceType"] in (IT_SDI3G, IT_SDI12G)
        ]
        cams = cams or [0]
        self._input_groups: dict[int, dict] = {
            0: {
                "inputGroupId": 0,
                "inputGroupName": "Cameras",
                "inputs": [{"inputId": i, "cropId": NO_CROP} for i in cams],
            }
        }
        self._group_order = [0]
        self._sources: dict[int, dict] = {
            0: {
                "sourceId": 0,
                "name": "Camera tour",
                "enable": 0,
                "interval": 10,
                "inputs": [{"inputId": i, "cropId": NO_CROP} for i in cams[:3]],
            }
        }
        self._preset_groups: dict[int, dict] = {
            0: {
                "presetGroupId": 0,
                "presetGroupName": "Lobby loop",
                "interval": 30,
                "presets": [{"screenId": 0, "presetId": 0}, {"screenId": 0, "presetId": 1}],
            }
        }
        self._poll = {"presetGroupId": -1, "enable": 0}

    def _build_ipc(self) -> None:
        # Two cameras on the IPC card, each with a main and a sub stream (fixed, not seeded,
        # so the rest of the device is what it was before the card was modelled).
        self._ipc_sources: dict[int, dict] = {}
        self._ipc_templates: dict[int, dict] = {}
        self._next_stream = 0
        for name, host in (("Foyer cam", "192.168.0.90"), ("Stage-door cam", "192.168.0.91")):
            self._ipc_add(name, IPC_SLOT, f"rtsp://{host}:554/stream1")
        self._ipc_templates[0] = {
            "templateId": 0,
            "name": "Both cams",
            "row": 1,
            "column": 2,
            "sourceList": [{"sourceId": 0}, {"sourceId": 1}],
            "applied": 0,
        }

    def _ipc_add(self, name: str, slot: int, url: str) -> int:
        sid = max(self._ipc_sources, default=-1) + 1
        channels = []
        for cid, (kind, path) in enumerate(
            (("main", url), ("sub", url.rsplit("/", 1)[0] + "/sub"))
        ):
            channels.append(
                {
                    "channelId": cid,
                    "streamId": self._next_stream,
                    "name": f"{name} {kind}",
                    "rtspUrl": path,
                }
            )
            self._next_stream += 1
        self._ipc_sources[sid] = {
            "sourceId": sid,
            "sourceName": name,
            "slotId": slot,
            "rtspUrl": url,
            "channels": channels,
        }
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
            raise VendorError(
                INVALID,
                f"{field} {source_id} does not exist (IPC sources are {_ids(self._ipc_sources)})",
            ) from None

    def _ipc_template(self, template_id: int, field: str = "templateId") -> dict:
        try:
            return self._ipc_templates[template_id]
        except KeyError:
            raise VendorError(
                INVALID,
                f"{field} {template_id} does not exist (mosaic templates "
                f"are {_ids(self._ipc_templates)})",
            ) from None

    def _ipc_slot(self, slot: int) -> None:
        if not any(s["slotId"] == slot and s["cardType"] == CT_IPC for s in self._slots):
            raise VendorError(
                INVALID,
                f"slotId {slot} holds no IPC card (IPC cards are in "
                f"{_ids(s['slotId'] for s in self._slots if s['cardType'] == CT_IPC)})",
            )

    # ------------------------------------------------------------------ lookups

    def _screen(self, screen_id: int) -> _Screen:
        try:
            return self._screens[screen_id]
        except KeyError:
            raise VendorError(
                SCREEN_NOT_FOUND, f"screenId {screen_id} (this splicer has {_ids(self._screens)})"
            ) from None

    def _input(self, input_id: int, field: str = "inputId") -> dict:
        try:
            return self._inputs[input_id]
        except KeyError:
            raise VendorError(
                INVALID, f"{field} {input_id} does not exist (inputs are {_ids(self._inputs)})"
            ) from None

    def _output_rec(self, output_id: int, field: str = "outputId") -> dict:
        try:
            return self._outputs[output_id]
        except KeyError:
            raise VendorError(
                INVALID, f"{field} {output_id} does not exist (outputs are {_ids(self._outputs)})"
            ) from None

    def _layer(self, screen: _Screen, layer_id: int) -> dict:
        try:
            return screen.layers[layer_id]
        except KeyError:
            raise VendorError(
                INVALID,
                f"layerId {layer_id} does not exist on screen "
                f"{screen.screen_id} (layers are {_ids(screen.layers)})",
            ) from None

    def _preset(self, screen: _Screen, preset_id: int) -> dict:
        try:
            return screen.presets[preset_id]
        except KeyError:
            raise VendorError(
                INVALID,
                f"presetId {preset_id} does not exist on screen "
                f"{screen.screen_id} (presets are {_ids(screen.presets)})",
            ) from None

    def _bkg(self, bkg_id: int) -> dict:
        try:
            return self._bkgs[bkg_id]
        except KeyError:
            raise VendorError(
                INVALID, f"bkgId {bkg_id} does not exist (backgrounds are {_ids(self._bkgs)})"
            ) from None

    def _crop(self, input_id: int, crop_id: int) -> dict:
        self._input(input_id)
        try:
            return self._crops[input_id][crop_id]
        except KeyError:
            raise VendorError(
                INVALID,
                f"cropId {crop_id} does not exist on input {input_id} "
                f"(crops are {_ids(self._crops[input_id])})",
            ) from None

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
        window = {
            "x": ox + round(x * screen.width),
            "y": oy + round(y * screen.height),
            "width": max(1, round(w * screen.width)),
            "height": max(1, round(h * screen.height)),
        }
        source = (
            {"sourceType": SOURCE_INPUT, "inputId": input_id, "cropId": NO_CROP}
            if input_id is not None
            else {"sourceType": SOURCE_NONE, "inputId": 0, "cropId": NO_CROP}
        )
        return self._new_layer(n, f"Layer {n + 1}", window, source)

    @staticmethod
    def _new_layer(
        layer_id: int, name: str, window: dict, source: dict, size_type: int = 0
    ) -> dict:
        return {
            "layerId": layer_id,
            "general": {
                "layerId": layer_id,
                "name": name,
                "sizeType": size_type,
                "type": 0,
                "zorder": layer_id,
                "isBackground": False,
                "isFreeze": False,
                "flipType": 0,
                "lock": 0,
            },
            "window": dict(window),
            "source": {
                k: v
                for k, v in source.items()
                if k in ("sourceType", "inputId", "cropId", "slotId", "streamId")
            }
            | {
                "sourceType": source.get("sourceType", SOURCE_NONE),
                "inputId": source.get("inputId", 0),
                "cropId": source.get("cropId", NO_CROP),
            },
            "audioStatus": {"isAvailable": 0, "isOpen": 0},
        }

    def _layer_view(self, layer: dict) -> dict:
        """A reply copy of a layer, with the source's current name and connector filled in."""
        view = copy.deepcopy(layer)
        src = view["source"]
        rec = self._inputs.get(src["inputId"]) if src["sourceType"] == SOURCE_INPUT else None
        if src["sourceType"] in _IPC_SOURCES:
            stream = self._ipc_stream(src.get("streamId"))
            src.update(
                interfaceType=IT_RJ45,
                slotId=src.get("slotId", IPC_SLOT),
                connectCapacity=0,
                name=stream["name"] if stream else "",
            )
            view["audioStatus"]["isAvailable"] = 0
        elif rec is not None:
            src.update(
                interfaceType=rec["interfaceType"],
                slotId=rec["slotId"],
                connectCapacity=0,
                name=rec["general"]["name"],
            )
            # Embedded audio exists on HDMI/DP/SDI inputs that carry a signal.
            view["audioStatus"]["isAvailable"] = int(
                bool(rec["iSignal"]) and rec["interfaceType"] != IT_DVI
            )
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
                raise VendorError(
                    INVALID,
                    f"{where}streamId {src['streamId']} does not exist (see ipc/IPCChannelList)",
                )
            return {
                "sourceType": stype,
                "inputId": src.get("inputId", 255),
                "cropId": NO_CROP,
                "slotId": src.get("slotId", IPC_SLOT),
                "streamId": src.get("streamId", 0),
            }
        if stype == SOURCE_INPUT:
            if "inputId" not in src:
                raise VendorError(
                    INVALID, f"{where}inputId is required when sourceType is 1 (input)"
                )
            self._input(input_id, f"{where}inputId")
            if crop != NO_CROP:
                self._crop(input_id, crop)
        return {"sourceType": stype, "inputId": input_id, "cropId": crop}

    def _refresh_used(self) -> None:
        used = {
            lay["source"]["inputId"]
            for s in self._screens.values()
            for lay in s.layers.values()
            if lay["source"]["sourceType"] == SOURCE_INPUT
        }
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
        return copy.deepcopy(
            {
                "deviceId": device_id,
                "screenId": screen.screen_id,
                "name": screen.name,
                "createTime": screen.create_time,
                "width": screen.width,
                "height": screen.height,
                "brightness": screen.brightness,
                "savedBrightness": screen.saved_brightness,
                "gamma": screen.gamma,
                "Ftb": screen.ftb,
                "Freeze": {"enable": screen.freeze},
                "audio": screen.audio,
                "Osd": screen.osd,
                "OsdImage": screen.osd_image,
                "Bkg": screen.bkg,
                "Screen3D": screen.screen3d,
                "nonTime": screen.output_mode,
                "showId": self.show_id,
                "mosaic": screen.mosaic,
                "offset": screen.offset,
                # As a real H9 answers it (FIELD-EVIDENCE.md), with size as HA reads it; cells in
                # canvas coordinates. Our older integer (0 live, 1 non-live) is now "nonTime".
                "outputMode": {
                    "screenInterfaces": [
                        {
                            "outputId": i["interfaceId"],
                            "x": screen.offset["x"] + i["x"],
                            "y": screen.offset["y"] + i["y"],
                            "width": i["width"],
                            "height": i["height"],
                            "isCardOnline": self._outputs[i["interfaceId"]]["online"],
                        }
                        for i in screen.interfaces
                    ],
                    "mosaic": screen.mosaic,
                    "offset": screen.offset,
                    "size": {"width": screen.width, "height": screen.height},
                },
                "interfaces": [
                    {**i, "interfaceType": self._outputs[i["interfaceId"]]["interfaceType"]}
                    for i in screen.interfaces
                ],
            }
        )


DeviceState._HANDLERS = {
    fn._interface: fn
    for klass in reversed(DeviceState.__mro__)
    for fn in vars(klass).values()
    if hasattr(fn, "_interface")
}
