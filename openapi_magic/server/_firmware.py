"""Firmware profiles: how the simulated splicer answers, modelled on real H-series firmware.

A profile bundles the reply habits and quirks of one firmware seen in the field,
each naming its evidence: ``entries`` are the evidence registry's entries
(``openapi_magic.evidence``) its quirks come from, and a test replays each against
the profile and checks the same status, status key, msg and body shape. Select one with
``serve(firmware=NAME)``, ``SimulatedSplicer(firmware=NAME)`` or
``python -m openapi_magic.server --firmware NAME``; :data:`FIRMWARE_PROFILES`
lists them. Explicit options (``reply_sign``, ``status_key``) override a profile.

What every profile but ``"teaching"`` does, as the real replies quoted in the
evidence do: the envelope's keys in alphabetical order (a body's own keys in the
device's order: the real H5's nested records are not sorted), an empty ``sign``,
failures ``{"body": {}, "msg": "<token>", "sign": "", "status": N}`` with the
firmware's short msg token (``Params_Error``, ``Server_Err``, ...; where the
catalog knows no token for a code, its short meaning, e.g. "Incorrect signature"),
bad parameters as status 1 ``Params_Error``.

Unknown interfaces: the H9 answered them either 500 ``Server_Err`` or 1
``Params_Error``. ``"default"`` picks 1 ``Params_Error``, because a 500 there
would send a user after their secretKey for a typo in a path (500 is also the
firmware's answer to a wrong key); ``"h9-1.9.7.1"`` answers 500, the other case.

``"teaching"`` keeps what this simulator said before the evidence (and what no
device is known to say): prose msgs naming the field, 94 for an unknown
interface, 400 for a bad field, signed replies, ``"body": ""`` on failures. It
is there to teach the protocol's sign verification, never the default.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["FIRMWARE_PROFILES", "FirmwareProfile", "firmware_profile"]


@dataclass(frozen=True)
class FirmwareProfile:
    """How one firmware answers: reply shape, status codes, quirks, and the evidence for them.

    ``failing`` lists interfaces (or whole modules as ``"device/*"``) that answer
    500 ``Server_Err`` even with valid credentials; ``ignored_writes`` answer 0
    and change nothing; ``create_without_id`` answer 0 with no new id.
    """

    name: str
    summary: str
    evidence: str
    model: str = "H5"
    main_model_id: int = 29962
    software_version: str = "1.9.7.0.S1.T1"
    status_key: str = "status"
    reply_sign: bool = False
    #: "token" (the firmware's short msg token) or "prose" (the meaning and what exactly).
    messages: str = "token"
    success_msg: str = "Success"
    sorted_keys: bool = True
    #: The body of a failure reply: {} on real firmware, "" in the teaching profile.
    error_body: object = dataclasses.field(default_factory=dict)
    invalid_status: int = 1
    unknown_interface_status: int = 1
    failing: frozenset[str] = frozenset()
    ignored_writes: frozenset[str] = frozenset()
    create_without_id: frozenset[str] = frozenset()
    #: The evidence registry's entries (``"file#call"``, ``openapi_magic.evidence``) this
    #: profile's quirks come from; a test replays each against the profile.
    entries: tuple[str, ...] = ()

    def fails(self, interface: str) -> bool:
        """Whether this firmware answers ``interface`` with 500 whatever the body."""
        module = interface.split("/", 1)[0]
        return interface in self.failing or f"{module}/*" in self.failing

    def describe(self) -> str:
        """One line for ``--help``: the name, what it does and its evidence."""
        return f"{self.name}: {self.summary} (evidence: {self.evidence})"


# Evidence in words a user can follow from the help alone: public projects by their GitHub
# name (https://github.com/<owner>/<name>), the rest described.
_H5_REPLIES = (
    "replies a real H5 sent, quoted byte for byte in the tests of the open-source client "
    "amlakhani/Broadcast-Controller-Claude on GitHub"
)
_H9_EVIDENCE = (
    "notes of a team running a real H9 on firmware V1.9.7.1, shared with this project "
    "(not published)"
)

FIRMWARE_PROFILES: dict[str, FirmwareProfile] = {
    p.name: p
    for p in (
        FirmwareProfile(
            "default",
            "a healthy H5 answering in the real replies' shape: sorted keys, empty sign, msg "
            "tokens, failures with body {}, status 1 Params_Error, unknown interfaces 1",
            _H5_REPLIES + "; the Home Assistant integration tedr91/HA-novastar-h on GitHub, "
            "run against real H-series splicers (the key 'status' without a space)",
            entries=(
                "ha-novastar-h#device-detail",
                "ha-novastar-h#screen-detail",
                "excontrol#unknown-1",
                "excontrol#input-list",
            ),
        ),
        FirmwareProfile(
            "h5-capture",
            "the captured real H5: the 'status ' key (trailing space), msg '' on success, and the "
            "whole device/* module answering 500 Server_Err with valid credentials",
            _H5_REPLIES,
            status_key="status ",
            success_msg="",
            failing=frozenset({"device/*"}),
            entries=(
                "h5-broadcast-controller#readList-ok",
                "h5-broadcast-controller#illegal-pid",
                "h5-broadcast-controller#device-500",
                "h5-broadcast-controller#device-ip-500",
            ),
        ),
        FirmwareProfile(
            "h9-1.9.7.1",
            "an H9 on V1.9.7.1: device/readDetail, device/readIp, screen/writeBrightness, "
            "layer/writeStreamRule and layer/readDetail answer 500; layer/writeSource answers 0 "
            "and changes nothing; ipc/IPCSourceCreate returns no id; unknown interfaces 500",
            _H9_EVIDENCE + "; the open-source client daveleo/excontrol on GitHub, whose notes "
            "on drawing presets probe a real H9 (layer/readDetail)",
            model="H9",
            main_model_id=29965,
            software_version="1.9.7.1",
            unknown_interface_status=500,
            failing=frozenset(
                {
                    "device/readDetail",
                    "device/readIp",
                    "screen/writeBrightness",
                    "layer/writeStreamRule",
                    "layer/readDetail",
                }
            ),
            ignored_writes=frozenset({"layer/writeSource"}),
            create_without_id=frozenset({"ipc/IPCSourceCreate"}),
            entries=(
                "h9-v1.9.7.1-notes#device-detail-500",
                "h9-v1.9.7.1-notes#device-ip-500",
                "h9-v1.9.7.1-notes#brightness-500",
                "h9-v1.9.7.1-notes#stream-rule-500",
                "h9-v1.9.7.1-notes#write-source-ignored",
                "h9-v1.9.7.1-notes#ipc-create-no-id",
                "h9-v1.9.7.1-notes#create-ipc",
                "h9-v1.9.7.1-notes#screen-detail",
                # excontrol's H9 (version not given) is the source of the 500s below.
                "excontrol#layer-detail-500",
                "excontrol#unknown-500",
            ),
        ),
        FirmwareProfile(
            "teaching",
            "this simulator's older, explanatory replies that no device sends: prose msgs naming "
            "the field, 94 unknown interface, 400 bad field, signed replies, body '' on failures",
            "none from a device: this project's reading of the vendor's OpenAPI document, kept "
            "to teach signed replies",
            reply_sign=True,
            messages="prose",
            sorted_keys=False,
            error_body="",
            invalid_status=400,
            unknown_interface_status=94,
        ),
    )
}


def firmware_profile(name: str | FirmwareProfile) -> FirmwareProfile:
    """The profile called ``name`` (or ``name`` itself when it is a profile); ValueError
    naming the known ones otherwise."""
    if isinstance(name, FirmwareProfile):
        return name
    try:
        return FIRMWARE_PROFILES[name]
    except (KeyError, TypeError):
        known = ", ".join(FIRMWARE_PROFILES)
        raise ValueError(f"unknown firmware profile {name!r}; known: {known}") from None
